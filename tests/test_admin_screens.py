from unittest.mock import patch

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import code_translations

from odoo.addons.contact_documents.tests.common import ChannelSyncCommon
from odoo.addons.contact_documents.tools.channel_message import (
    ChannelAttachment,
    ChannelMessage,
)

MEDIA_LOGGER = 'odoo.addons.contact_documents.models.contact_document_media'
NOT_ALLOWED = "%(file)s could not be downloaded: the site it comes from is not among the allowed download sites in Settings."


@tagged('post_install', '-at_install')
class TestAdminScreens(ChannelSyncCommon, TransactionCase):
    """The settings, the Documents section of Contacts > Configuration and its two lists."""

    def queue(self, url, name='', message_id='mid-admin-screens'):
        message = ChannelMessage(
            channel='facebook', direction='received', external_id=message_id,
            account=self.PAGE_ID, contact={'identity': self.messenger_psid}, provider='meta',
            attachments=[ChannelAttachment(index=0, url=url, name=name, mimetype='image/png')],
            identity_channel='facebook',
        )
        Media = self.env['contact.document.media'].sudo()
        Media._ingest_channel_messages(self.company, [message])
        return Media.search([('external_message_id', '=', message_id)])

    def test_menus_sit_in_a_documents_section_of_the_configuration(self):
        section = self.env.ref('contact_documents.contact_document_config_menu')
        self.assertEqual(section.name, "Documents")
        self.assertEqual(section.parent_id, self.env.ref('contacts.res_partner_menu_config'))
        self.assertFalse(section.action, "a section opens nothing itself")
        for xmlid in ('contact_documents.contact_document_log_menu', 'contact_documents.contact_document_media_menu'):
            self.assertEqual(self.env.ref(xmlid).parent_id, section)
        for xmlid in ('contact_documents.contact_document_log_action', 'contact_documents.contact_document_media_action'):
            self.assertIn('o_view_nocontent_smiling_face', self.env.ref(xmlid).help)

    def test_audit_log_filters_every_action_and_the_date(self):
        arch = self.env['contact.document.log'].get_views([(False, 'search')])['views']['search']['arch']
        actions = self.env['contact.document.log']._fields['action'].get_values(self.env)
        for action in actions:
            # One filter per action, or one for a pair (shared and unshared).
            self.assertRegex(arch, rf"<filter [^>]*domain=\"\[\('action', '(=|in)', [^\]]*'{action}'")
        self.assertIn('name="filter_date"', arch)

    def test_settings_show_full_urls_to_copy_and_plain_labels(self):
        arch = self.env['res.config.settings'].get_views([(False, 'form')])['views']['form']['arch']
        for field in ('twilio', 'meta', 'events'):
            self.assertRegex(arch, rf'name="contact_documents_{field}_webhook_url"[^>]*widget="CopyClipboardChar"')
        self.assertIn("Create contacts for unknown senders", arch)
        self.assertNotIn("handshake", arch)
        for field in ('contact_documents_media_hosts', 'contact_documents_meta_page_ids',
                      'contact_documents_twilio_account_sid', 'contact_documents_instagram_account_ids'):
            self.assertRegex(arch, rf'name="{field}"[^>]*class="[^"]*w-100')

    def test_media_list_and_form_load(self):
        views = self.env['contact.document.media'].get_views([(False, 'list'), (False, 'form')])['views']
        self.assertNotIn('decoration-danger', views['list']['arch'].split('<field', 1)[0],
                         "only the state badge turns red, not the whole row")
        self.assertIn('failure_reason', views['list']['arch'])
        form = views['form']['arch']
        for field in ('attempts', 'next_attempt', 'failure_reason', 'document_id'):
            self.assertIn(f'name="{field}"', form)
        self.assertIn('edit="0"', form)
        self.assertIn('create="0"', form)

    def test_failed_download_tells_the_user_why_and_logs_the_detail(self):
        url = self.media_url('/media/photo.png').replace('http://127.0.0.1', 'https://localhost')
        media = self.queue(url, name='passport.png')
        with self.assertLogs(MEDIA_LOGGER, 'WARNING') as logs:
            self.run_media_cron()
        self.assertEqual(media.state, 'failed')
        self.assertEqual(media.failure_reason, NOT_ALLOWED % {'file': 'passport.png'})
        self.assertIn('host localhost is not an allowed media host', media.last_error)
        self.assertIn('host localhost is not an allowed media host', '\n'.join(logs.output))
        self.assertTrue(self.messenger_contact.message_ids.filtered(
            lambda message: 'passport.png could not be downloaded' in (message.body or '')))

        # Told in the reader's language.
        self.env['res.lang']._activate_lang('fr_FR')
        french = {NOT_ALLOWED: "%(file)s n'a pas pu être téléchargé : site non autorisé."}
        with patch.object(code_translations, 'get_python_translations',
                          side_effect=lambda module, lang: french if (module, lang) == ('contact_documents', 'fr_FR') else {}):
            media.invalidate_recordset(['failure_reason'])
            self.assertEqual(media.with_context(lang='fr_FR').failure_reason,
                             "passport.png n'a pas pu être téléchargé : site non autorisé.")

    def test_missing_file_without_name_is_named_after_its_url(self):
        media = self.queue(self.media_url('/media/gone.png'), message_id='mid-gone')
        self.run_media_cron()
        self.assertEqual(media.state, 'failed')
        self.assertEqual(media.failure_reason,
                         "gone.png could not be downloaded: it is no longer available on the server.")
        self.assertIn('HTTP 404', media.last_error)
