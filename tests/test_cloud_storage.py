import io
import unittest
import zipfile

from odoo.tests import HttpCase, tagged

from .common import EmailSyncCommon

BLOB_URL = 'https://bucket.example.com/contact-docs/big-plans.pdf'
SIGNED_URL = BLOB_URL + '?X-Signature=signed-for-a-few-minutes'


def cloud_storage_installed(env):
    return 'cloud_storage' in env['ir.attachment']._fields['type'].get_values(env)


@tagged('post_install', '-at_install')
class TestCloudStorage(EmailSyncCommon, HttpCase):
    """Large chatter files kept in the cloud by Odoo's cloud_storage are filed as references to the same object.

    cloud_storage is an optional companion: installed in the companions' install (scripts/test.sh),
    its provider (Azure, Google) mocked at its boundary, as cloud_storage's own tests do.
    """

    def setUp(self):
        super().setUp()
        self.has_cloud_storage = cloud_storage_installed(self.env)
        if self.has_cloud_storage:
            Attachment = type(self.env['ir.attachment'])
            self.signed_for = []

            def download_info(attachment):
                self.signed_for.append(attachment.id)
                return {'url': SIGNED_URL, 'time_to_expiry': 300}

            self.patch(Attachment, '_generate_cloud_storage_url', lambda attachment: BLOB_URL)
            self.patch(Attachment, '_generate_cloud_storage_download_info', download_info)
            self.patch(type(self.env['res.config.settings']), '_get_cloud_storage_configuration',
                       lambda settings: {'bucket': 'bucket'})
            self.env['ir.config_parameter'].set_param('cloud_storage_provider', 'mocked')

    def cloud_attachment(self, user, name='big-plans.pdf'):
        """What the chatter makes of a file above cloud_storage's minimum size: an empty stand-in turned into a cloud blob."""
        attachment = self.env['ir.attachment'].with_user(user).create({
            'name': name, 'raw': b'', 'mimetype': 'application/pdf',
            'res_model': 'mail.compose.message', 'res_id': 0,
        })
        attachment._post_add_create(cloud_storage=True)
        return attachment

    def post_with(self, attachment, subtype_xmlid='mail.mt_comment', **kwargs):
        return self.contact.with_user(self.user).message_post(
            body='The plans', message_type='comment', subtype_xmlid=subtype_xmlid, attachment_ids=attachment.ids, **kwargs)

    def logs(self, document, action):
        return self.env['contact.document.log'].search([('document_id', '=', document.id), ('action', '=', action)])

    def require_cloud_storage(self):
        if not self.has_cloud_storage:
            raise unittest.SkipTest("cloud_storage is not installed: see test_without_cloud_storage_*")

    def test_a_sent_message_files_a_reference_to_the_same_cloud_object(self):
        self.require_cloud_storage()
        source = self.cloud_attachment(self.user)
        self.assertEqual((source.type, source.url), ('cloud_storage', BLOB_URL))
        self.post_with(source, partner_ids=self.contact.ids)

        document = self.documents_of(self.contact)
        self.assertRecordValues(document, [{
            'name': 'big-plans.pdf', 'direction': 'sent', 'channel': 'email', 'mimetype': 'application/pdf',
            'content_mismatch': False, 'preview_kind': 'none', 'is_previewable': False, 'preview_state': 'none',
            'content_index_pending': False, 'has_thumbnail': False,
        }])
        attachment = document.sudo().attachment_id
        self.assertNotEqual(attachment, source, "the document owns its own attachment")
        self.assertRecordValues(attachment, [{
            'type': 'cloud_storage', 'url': BLOB_URL, 'res_model': 'contact.document', 'res_id': document.id,
            'store_fname': False,
        }])
        self.assertFalse(self.signed_for, "filing reads nothing from the cloud")

    def test_a_note_with_a_cloud_file_files_an_internal_document(self):
        self.require_cloud_storage()
        self.post_with(self.cloud_attachment(self.user), subtype_xmlid='mail.mt_note')
        self.assertRecordValues(self.documents_of(self.contact), [{'direction': 'internal', 'channel': 'note'}])

    def test_download_redirects_to_the_signed_url_after_the_access_check_and_audit(self):
        self.require_cloud_storage()
        self.post_with(self.cloud_attachment(self.user), partner_ids=self.contact.ids)
        document = self.documents_of(self.contact)

        self.authenticate('cd_other', 'cd_other')
        for route in ('download', 'preview'):
            response = self.url_open(f'/contact_documents/{document.id}/{route}', allow_redirects=False)
            self.assertEqual(response.status_code, 404, "another company's user learns nothing of it")
        self.assertFalse(self.signed_for, "no URL is signed for a user who cannot read the contact")
        self.assertFalse(self.logs(document, 'downloaded'))

        self.authenticate('cd_user', 'cd_user')
        for route in ('download', 'preview'):
            response = self.url_open(f'/contact_documents/{document.id}/{route}', allow_redirects=False)
            self.assertEqual(response.status_code, 303, route)
            self.assertEqual(response.headers['Location'], SIGNED_URL)
            self.assertEqual(response.headers['Cache-Control'], 'no-store', "each download comes back for its audit line")
        self.assertEqual(self.signed_for, [document.sudo().attachment_id.id] * 2)
        self.assertRecordValues(self.logs(document, 'downloaded'), [{'user_id': self.user.id}] * 2)

    def test_odoos_own_routes_refuse_the_documents_cloud_file(self):
        self.require_cloud_storage()
        self.post_with(self.cloud_attachment(self.user), partner_ids=self.contact.ids)
        document = self.documents_of(self.contact)
        self.authenticate('cd_user', 'cd_user')
        for route in ('/web/content/%s?download=true', '/web/content/%s'):
            response = self.url_open(route % document.attachment_id.id, allow_redirects=False)
            self.assertIn(response.status_code, (403, 404), route)
            self.assertNotIn('Location', response.headers)
        self.assertFalse(self.signed_for)
        self.assertFalse(self.logs(document, 'downloaded'))

    def test_the_zip_lists_cloud_files_instead_of_holding_them(self):
        self.require_cloud_storage()
        self.post_with(self.cloud_attachment(self.user), partner_ids=self.contact.ids)
        cloud_document = self.documents_of(self.contact)
        local = self.file_document(self.contact, 'report.pdf')
        self.authenticate('cd_user', 'cd_user')
        response = self.url_open(f'/contact_documents/zip?ids={cloud_document.id},{local.id}')
        self.assertEqual(response.status_code, 200)
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            self.assertEqual(archive.namelist(), ['report.pdf', 'Files stored in the cloud.txt'])
            text = archive.read('Files stored in the cloud.txt').decode()
        self.assertIn('- big-plans.pdf (Acme Corporation, Jane Customer)', text)
        self.assertFalse(self.signed_for, "the ZIP signs nothing and reads nothing from the cloud")
        self.assertFalse(self.logs(cloud_document, 'downloaded'), "the cloud file was not downloaded")
        self.assertEqual(len(self.logs(local, 'downloaded')), 1)

    def test_without_a_configured_provider_the_cloud_file_is_missing(self):
        self.require_cloud_storage()
        self.post_with(self.cloud_attachment(self.user), partner_ids=self.contact.ids)
        document = self.documents_of(self.contact)
        self.patch(type(self.env['res.config.settings']), '_get_cloud_storage_configuration', lambda settings: {})
        self.authenticate('cd_user', 'cd_user')
        response = self.url_open(f'/contact_documents/{document.id}/download', allow_redirects=False)
        self.assertEqual(response.status_code, 404)

    def test_a_url_attachment_is_still_not_filed(self):
        link = self.env['ir.attachment'].with_user(self.user).create({
            'name': 'https://example.com/plans', 'type': 'url', 'url': 'https://example.com/plans',
            'res_model': 'mail.compose.message', 'res_id': 0,
        })
        self.post_with(link, partner_ids=self.contact.ids)
        self.assertFalse(self.documents_of(self.contact))

    def test_without_cloud_storage_only_binary_files_are_filed(self):
        if self.has_cloud_storage:
            raise unittest.SkipTest("cloud_storage is installed: see the tests above")
        self.assertEqual(self.env['contact.document']._file_attachment_types(), ('binary',))
