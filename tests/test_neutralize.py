import json

from odoo.modules.neutralize import (
    get_installed_modules,
    get_neutralization_queries,
    neutralize_database,
)
from odoo.tests import HttpCase, tagged
from odoo.tools import str2bool

from odoo.addons.contact_documents.tests.common import ChannelSyncCommon

SECRET_FIELDS = (
    'contact_documents_twilio_account_sid',
    'contact_documents_twilio_auth_token',
    'contact_documents_meta_app_secret',
    'contact_documents_meta_verify_token',
    'contact_documents_webhook_secret',
)


@tagged('post_install', '-at_install')
class TestNeutralize(ChannelSyncCommon, HttpCase):
    """A neutralized copy of the database (duplicated or restored with
    "Neutralize", or ``odoo-bin neutralize``) neither downloads channel media
    nor accepts the webhooks production's providers sign."""

    def neutralize(self, modules=None):
        """Run the neutralization as Odoo does, inside the test transaction."""
        if modules is None:
            neutralize_database(self.env.cr)
        else:
            for query in get_neutralization_queries(modules):
                self.env.cr.execute(query)
        self.env.invalidate_all()

    def media_cron(self):
        return self.env.ref('contact_documents.ir_cron_contact_document_media_fetch')

    def test_odoo_finds_the_module_neutralization(self):
        self.assertIn('contact_documents', get_installed_modules(self.env.cr))
        self.assertEqual(len(list(get_neutralization_queries(['contact_documents']))), 1)

    def test_own_queries_stop_the_media_cron_and_clear_the_secrets(self):
        # Our file alone, not relying on base's, which deactivates every cron too.
        other_crons = self.env['ir.cron'].search([('id', '!=', self.media_cron().id)])
        self.assertTrue(self.media_cron().active)
        self.neutralize(['contact_documents'])
        self.assertFalse(self.media_cron().active)
        self.assertEqual(other_crons.filtered('active'), other_crons, "the other jobs are left to base")
        for company in self.env['res.company'].sudo().search([]):
            self.assertEqual([company[field] for field in SECRET_FIELDS], [False] * len(SECRET_FIELDS))
        self.assertEqual(self.company.sudo().contact_documents_meta_page_ids, self.PAGE_ID,
                         "only secrets are cleared, not the rest of the configuration")

    def test_neutralized_copy_queues_but_never_downloads(self):
        self.neutralize()
        self.assertTrue(str2bool(self.env['ir.config_parameter'].sudo().get_param('database.is_neutralized')))
        self.assertFalse(self.media_cron().active)
        # What a webhook or Retry does after queueing: an inactive cron ignores it.
        self.assertFalse(self.env['contact.document.media']._fetch_cron()._trigger())

    def test_signed_webhooks_are_refused_after_neutralization(self):
        event = json.dumps({
            'channel': 'whatsapp', 'direction': 'received', 'message_id': 'wamid.neutralized',
            'contact': {'email': 'ella@customer.example.com'},
            'attachments': [{'url': self.media_url('/media/invoice.pdf'), 'name': 'invoice.pdf'}],
        }).encode()
        event_signature = self.events_signature(event)
        twilio_params = self.twilio_params(media=[(self.media_url('/media/photo.png'), 'image/png')])
        twilio_signature = self.twilio_signature(twilio_params)
        meta = self.meta_payload('page', self.PAGE_ID, self.messenger_psid, 'm_neutralized', [
            {'type': 'image', 'payload': {'url': self.media_url('/media/photo.jpg')}}])
        meta_signature = self.meta_signature(json.dumps(meta).encode())
        handshake = {'hub.mode': 'subscribe', 'hub.verify_token': self.VERIFY_TOKEN, 'hub.challenge': '1158201444'}
        Company = self.env['res.company']
        # Valid requests of production's providers, until the copy is neutralized.
        self.assertEqual(Company._contact_documents_company_for_events(event, event_signature), self.company)
        self.assertEqual(Company._contact_documents_company_for_twilio(self.TWILIO_SID), self.company)
        self.assertEqual(Company._contact_documents_companies_for_meta(json.dumps(meta).encode(), meta_signature),
                         self.company)
        self.assertTrue(Company._contact_documents_meta_challenge(handshake))

        self.neutralize()

        self.assertEqual(self.post_event(event, signature=event_signature).status_code, 403)
        self.assertEqual(self.post_twilio(twilio_params, signature=twilio_signature).status_code, 403)
        self.assertEqual(self.post_meta(meta, signature=meta_signature).status_code, 403)
        self.assertEqual(self.url_open('/contact_documents/webhook/meta', params=handshake).status_code, 403)
        queued = self.env['contact.document.media'].sudo().search(
            [('external_message_id', 'in', ['wamid.neutralized', twilio_params['MessageSid'], 'm_neutralized'])])
        self.assertFalse(queued, "a refused webhook queues nothing")
