from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged, users

from .common import ContactDocumentsCommon


@tagged('post_install', '-at_install')
class TestAccess(ContactDocumentsCommon, TransactionCase):
    """Who sees and who deletes a contact's documents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.document = cls.file_document(cls, cls.contact, 'report.pdf')
        cls.other_company_document = cls.file_document(cls, cls.other_contact, 'photo.png')

    def visible_documents(self):
        return self.env['contact.document'].search([])

    @users('cd_user', 'cd_manager')
    def test_internal_users_see_documents_of_contacts_they_can_read(self):
        self.assertEqual(self.visible_documents(), self.document)
        self.assertEqual(self.document.with_env(self.env).name, 'report.pdf')
        self.assertEqual(self.contact.with_env(self.env).contact_document_count, 1)

    @users('cd_user', 'cd_manager')
    def test_documents_of_another_company_contact_are_hidden(self):
        with self.assertRaises(AccessError):
            self.other_company_document.with_env(self.env).read(['name'])
        self.assertFalse(self.env['contact.document'].search_count([('partner_id', '=', self.other_contact.id)]))

    @users('cd_other')
    def test_user_of_another_company_sees_only_its_contacts(self):
        self.assertEqual(self.visible_documents(), self.other_company_document)
        with self.assertRaises(AccessError):
            self.document.with_env(self.env).read(['name'])
        with self.assertRaises(AccessError):
            self.env['contact.document'].get_documents_tab_data(self.contact.id)

    @users('cd_user')
    def test_multi_company_user_sees_both_when_both_companies_are_active(self):
        self.env.user.sudo().company_ids = self.company | self.other_company
        env = self.env(context=dict(self.env.context, allowed_company_ids=(self.company | self.other_company).ids))
        self.assertEqual(env['contact.document'].search([]), self.document | self.other_company_document)

    @users('cd_portal')
    def test_portal_users_see_no_document(self):
        # Only what is shared with their own contact (tests/test_portal.py): nothing here.
        self.assertFalse(self.env['contact.document'].search([]))
        with self.assertRaises(AccessError):
            self.document.with_env(self.env).read(['name'])

    @users('cd_user')
    def test_plain_user_cannot_delete(self):
        with self.assertRaises(AccessError):
            self.document.with_env(self.env).unlink()
        self.assertTrue(self.document.exists())
        self.assertFalse(self.env['contact.document'].get_documents_tab_data(self.contact.id)['can_delete'])

    @users('cd_user')
    def test_user_who_edits_both_contacts_moves_a_document(self):
        self.document.with_env(self.env).write({'partner_id': self.colleague_contact.id})
        self.assertEqual(self.document.partner_id, self.colleague_contact)

    @users('cd_manager')
    def test_manager_deletes_a_document(self):
        self.assertTrue(self.env['contact.document'].get_documents_tab_data(self.contact.id)['can_delete'])
        attachment = self.document.attachment_id
        self.document.with_env(self.env).action_trash()
        self.document.with_env(self.env).unlink()
        self.assertFalse(self.document.exists())
        self.assertFalse(attachment.exists(), "the document's file goes with it")

    @users('cd_manager')
    def test_manager_cannot_delete_documents_of_hidden_contacts(self):
        with self.assertRaises(AccessError):
            self.other_company_document.with_env(self.env).unlink()
        self.assertTrue(self.other_company_document.exists())
