from odoo.tests import HttpCase, tagged

from .common import ContactDocumentsCommon


@tagged('post_install', '-at_install')
class TestAuditIntegrity(ContactDocumentsCommon, HttpCase):
    """The audit trail says what happened: users cannot word it, skip it, or download around it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.document = cls.file_document(cls, cls.contact, 'report.pdf')

    def logs(self, action):
        return self.env['contact.document.log'].search([('document_id', '=', self.document.id), ('action', '=', action)])

    def test_a_user_cannot_word_or_silence_the_audit_trail(self):
        forged = {'contact_documents_audit_note': 'Purged from the trash', 'contact_documents_skip_audit_chatter': True}
        messages_before = len(self.contact.message_ids)
        self.document.with_user(self.manager).with_context(**forged).action_trash()
        self.assertRecordValues(self.logs('trashed'), [{'note': False, 'user_id': self.manager.id}])
        self.assertGreater(len(self.contact.message_ids), messages_before, "the chatter is told")

    def test_downloads_are_audited_and_odoos_own_routes_do_not_serve_the_file(self):
        self.authenticate('cd_user', 'cd_user')
        self.assertEqual(self.url_open(f'/contact_documents/{self.document.id}/download').status_code, 200)
        self.assertEqual(len(self.logs('downloaded')), 1)
        self.assertEqual(self.url_open(f'/contact_documents/{self.document.id}/preview').status_code, 200)
        self.assertEqual(len(self.logs('downloaded')), 1, "an inline preview is no download")
        self.assertEqual(self.logs('downloaded').user_id, self.user)
        # Odoo's own routes would serve it unaudited (and render any type inline): they refuse it.
        for route in ('/web/content/%s?download=true', '/web/content/%s'):
            response = self.url_open(route % self.document.attachment_id.id)
            self.assertIn(response.status_code, (403, 404), route)
            self.assertNotIn(b'%PDF', response.content)
        self.assertNotIn(b'%PDF', self.url_open(f'/web/image/{self.document.attachment_id.id}').content)
        self.assertEqual(len(self.logs('downloaded')), 1)

    def test_a_contact_changing_company_leaves_a_line_per_document(self):
        self.contact.parent_id = False
        self.contact.with_user(self.manager).sudo(False).write({'company_id': False})
        self.assertEqual(self.document.company_id.id, False)
        self.assertRecordValues(self.logs('moved'), [{'note': 'The contact moved to no company'}])
