import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import ContactDocumentsCommon, make_pdf

PROTECTED_VALUES = {
    'channel': 'sms',
    'direction': 'received',
    'external_message_id': 'SMforged',
    'attachment_index': 3,
    'content_text': 'forged',
    'active': False,
}


@tagged('post_install', '-at_install')
class TestDocumentIntegrity(ContactDocumentsCommon, TransactionCase):
    """Documents are only created by the product, over files created for them; their origin never changes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.document = cls.file_document(cls, cls.contact, 'report.pdf')
        cls.other_company_document = cls.file_document(cls, cls.other_contact, 'photo.png')
        # An admin's private file on another model, and a link attachment (an open redirect if served).
        cls.private_attachment = cls.env['ir.attachment'].create({
            'name': 'salaries.pdf', 'raw': make_pdf('salaries'), 'res_model': 'res.users', 'res_id': cls.env.ref('base.user_admin').id,
        })
        cls.url_attachment = cls.env['ir.attachment'].create({
            'name': 'redirect', 'type': 'url', 'url': 'https://evil.example.com/', 'res_model': 'contact.document',
        })
        cls.partner_manager_other_company = new_test_user(
            cls.env, login='cd_manager_other', groups='base.group_user,base.group_partner_manager,'
            'contact_documents.group_contact_documents_manager',
            company_id=cls.other_company.id, company_ids=[cls.other_company.id])

    def create_as(self, user, attachment, partner=None):
        return self.env['contact.document'].with_user(user).create({
            'name': 'stolen.pdf', 'partner_id': (partner or self.contact).id, 'attachment_id': attachment.id,
        })

    def test_no_user_creates_a_document_whatever_the_attachment(self):
        targets = [self.private_attachment, self.other_company_document.attachment_id, self.url_attachment]
        for user in (self.user, self.manager, self.env.ref('base.user_admin')):
            for attachment in targets:
                with self.subTest(user=user.login, attachment=attachment.name), self.assertRaises(AccessError):
                    self.create_as(user, attachment)
        self.assertEqual(self.private_attachment.res_model, 'res.users', "the file stays on its record")
        self.assertEqual(self.other_company_document.attachment_id.res_id, self.other_company_document.id)

    def test_even_the_product_refuses_an_attachment_it_did_not_create_for_the_document(self):
        Document = self.env['contact.document'].sudo()
        for attachment in (self.private_attachment, self.other_company_document.attachment_id, self.url_attachment):
            with self.subTest(attachment=attachment.name), self.assertRaises(AccessError):
                Document.create({'name': 'x.pdf', 'partner_id': self.contact.id, 'attachment_id': attachment.id})

    def test_creating_through_the_contact_is_refused_too(self):
        with self.assertRaises(AccessError):
            self.contact.with_user(self.user).write({'contact_document_ids': [
                (0, 0, {'name': 'stolen.pdf', 'attachment_id': self.private_attachment.id})]})

    def test_origin_and_file_of_a_document_never_change(self):
        values = {**PROTECTED_VALUES, 'attachment_id': self.private_attachment.id,
                  'message_id': self.env['mail.message'].search([], limit=1).id}
        for user in (self.user, self.manager):
            for field, value in values.items():
                with self.subTest(user=user.login, field=field), self.assertRaises(AccessError):
                    self.document.with_user(user).write({field: value})
        self.assertRecordValues(self.document, [{
            'channel': 'upload', 'direction': 'internal', 'external_message_id': False, 'active': True,
        }])
        self.assertEqual(self.document.attachment_id.res_id, self.document.id)

    def test_file_of_a_document_cannot_be_rewritten_moved_or_deleted(self):
        attachment = self.document.attachment_id.with_user(self.manager)
        with self.assertRaises(AccessError):
            attachment.write({'raw': b'tampered'})
        with self.assertRaises(AccessError):
            attachment.write({'res_model': 'res.partner', 'res_id': self.contact.id})
        with self.assertRaises(AccessError):
            attachment.unlink()
        self.assertTrue(self.document.exists())
        self.assertEqual(self.document.attachment_id.raw[:5], b'%PDF-')

    def test_move_needs_write_access_to_both_contacts_in_one_company(self):
        both_companies = self.company | self.other_company
        self.manager.sudo().company_ids = both_companies
        env = self.env(user=self.manager, context={'allowed_company_ids': both_companies.ids})
        document = self.document.with_env(env)
        with self.assertRaises(UserError):
            document.write({'partner_id': self.other_contact.id})
        self.assertEqual(document.partner_id, self.contact)
        document.write({'partner_id': self.colleague_contact.id})
        self.assertEqual(document.partner_id, self.colleague_contact)
        log = self.env['contact.document.log'].search([('document_id', '=', document.id), ('action', '=', 'moved')])
        self.assertRecordValues(log, [{'partner_id': self.colleague_contact.id, 'user_id': self.manager.id}])

    def test_a_user_who_cannot_edit_the_contact_cannot_move_rename_or_add(self):
        reader = new_test_user(self.env, login='cd_reader', groups='base.group_user')
        with self.assertRaises(AccessError):
            self.document.with_user(reader).write({'partner_id': self.colleague_contact.id})
        with self.assertRaises(AccessError):
            self.document.with_user(reader).write({'name': 'renamed.pdf'})
        with self.assertRaises(AccessError):
            self.env['contact.document'].with_user(reader)._upload_files(self.contact, [])
        self.assertEqual(self.document.partner_id, self.contact)

    def test_another_company_manager_cannot_move_a_document_onto_its_contacts(self):
        with self.assertRaises(AccessError):
            self.document.with_user(self.partner_manager_other_company).write({'partner_id': self.other_contact.id})
        self.assertEqual(self.document.partner_id, self.contact)

    def test_renaming_strips_bidi_overrides(self):
        self.document.with_user(self.manager).write({'name': 'invoice\u202efdp.exe'})
        self.assertEqual(self.document.name, 'invoicefdp.exe')


@tagged('post_install', '-at_install')
class TestDocumentIntegrityRpc(ContactDocumentsCommon, HttpCase):
    """The same attacks through the door an attacker uses: JSON-RPC call_kw and the download route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company_document = cls.file_document(cls, cls.other_contact, 'photo.png')
        cls.document = cls.file_document(cls, cls.contact, 'report.pdf')

    def call_kw(self, model, method, args, kwargs=None):
        return self.url_open(f'/web/dataset/call_kw/{model}/{method}', data=json.dumps({
            'jsonrpc': '2.0', 'method': 'call', 'id': 1,
            'params': {'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {}},
        }), headers={'Content-Type': 'application/json'}).json()

    @mute_logger('odoo.http')
    def test_call_kw_create_over_another_companys_file_is_refused_and_nothing_is_served(self):
        self.authenticate('cd_user', 'cd_user')
        answer = self.call_kw('contact.document', 'create', [{
            'name': 'stolen.png', 'partner_id': self.contact.id,
            'attachment_id': self.other_company_document.attachment_id.id,
        }])
        self.assertEqual(answer['error']['data']['name'], 'odoo.exceptions.AccessError')
        self.assertEqual(self.other_company_document.attachment_id.res_id, self.other_company_document.id)
        response = self.url_open(f'/contact_documents/{self.other_company_document.id}/download')
        self.assertEqual(response.status_code, 404)

    @mute_logger('odoo.http')
    def test_call_kw_write_of_the_origin_is_refused(self):
        self.authenticate('cd_manager', 'cd_manager')
        answer = self.call_kw('contact.document', 'write', [[self.document.id], {
            'channel': 'sms', 'direction': 'received', 'external_message_id': 'SMforged'}])
        self.assertEqual(answer['error']['data']['name'], 'odoo.exceptions.AccessError')
        self.assertEqual(self.document.channel, 'upload')

    @mute_logger('odoo.http')
    def test_call_kw_unlink_of_an_active_document_keeps_it(self):
        self.authenticate('cd_manager', 'cd_manager')
        answer = self.call_kw('contact.document', 'unlink', [[self.document.id]])
        self.assertIn('error', answer)
        self.assertTrue(self.document.exists())
        self.assertTrue(self.document.active)

    def test_download_serves_the_documents_own_file(self):
        self.authenticate('cd_user', 'cd_user')
        response = self.url_open(f'/contact_documents/{self.document.id}/download')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, self.document.attachment_id.raw)
