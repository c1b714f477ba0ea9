from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import ContactDocumentsCommon

ALLOWED, DENIED = True, False


@tagged('post_install', '-at_install')
class TestPermissionMatrix(ContactDocumentsCommon, TransactionCase):
    """Every model of the addon, for read, write, create and unlink, as each kind of user calls it over RPC.

    Records belong to the main company; the "other" users belong to another
    company only. ``with_user`` calls are what ``/web/dataset/call_kw`` runs.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager_other_company = new_test_user(
            cls.env, login='cd_manager_other_co', name='Other Company Manager',
            groups='base.group_user,base.group_partner_manager,contact_documents.group_contact_documents_manager',
            company_id=cls.other_company.id, company_ids=[cls.other_company.id])
        cls.document = cls.file_document(cls, cls.contact, 'report.pdf')
        cls.trashed = cls.file_document(cls, cls.contact, 'photo.png')
        cls.trashed.action_trash()
        cls.log = cls.env['contact.document.log'].search([('document_id', '=', cls.document.id)])
        cls.media = cls.env['contact.document.media'].create({
            'company_id': cls.company.id, 'partner_id': cls.contact.id, 'provider': 'meta', 'channel': 'facebook',
            'direction': 'received', 'external_message_id': 'm_1', 'url': 'https://lookaside.fbsbx.com/1',
            'state': 'failed',
        })
        cls.identity = cls.env['res.partner.channel.identity'].create({
            'partner_id': cls.contact.id, 'channel': 'facebook', 'account_id': '1061', 'identity': '6798',
            'company_id': cls.company.id,
        })
        cls.upload = cls.env['contact.document.upload'].with_user(cls.user).sudo().create({
            'partner_id': cls.contact.id, 'file_name': 'big.pdf', 'file_size': 10, 'sha256': '0' * 64,
            'chunk_size': 65536, 'user_id': cls.user.id,
        })

    def users(self):
        return {
            'user': self.user, 'manager': self.manager, 'other_user': self.user_other_company,
            'other_manager': self.manager_other_company, 'portal': self.portal_user,
        }

    def check(self, record, operation, expected, call):
        for login, user in self.users().items():
            with self.subTest(model=record._name, operation=operation, user=login):
                # Each call is undone afterwards: every user tries on the same records.
                with self.env.cr.savepoint() as savepoint:
                    if expected.get(login, DENIED):
                        call(record.with_user(user))
                        self.env.flush_all()
                    else:
                        with self.assertRaises(UserError):  # AccessError and MissingError are UserErrors
                            call(record.with_user(user))
                            self.env.flush_all()
                    savepoint.rollback()
                self.env.invalidate_all()

    def read(self, record):  # pylint: disable=method-required-super
        if not record.search([('id', '=', record.id)]):
            raise AccessError("not found")  # pylint: disable=translation-required
        record.read(['display_name'])

    def test_contact_document(self):
        expected_read = {'user': ALLOWED, 'manager': ALLOWED}
        self.check(self.document, 'read', expected_read, self.read)
        self.check(self.document, 'write', expected_read, lambda doc: doc.write({'name': 'renamed.pdf'}))
        self.check(self.document, 'create', {}, lambda doc: doc.create({
            'name': 'x.pdf', 'partner_id': self.contact.id, 'attachment_id': doc.sudo().attachment_id.id}))
        self.check(self.trashed, 'read', {'manager': ALLOWED},
                   lambda doc: doc.with_context(active_test=False).read(['name']))
        self.check(self.trashed, 'unlink', {'manager': ALLOWED}, lambda doc: doc.unlink())
        self.check(self.document, 'trash', {'manager': ALLOWED}, lambda doc: doc.action_trash())

    def test_audit_log(self):
        self.check(self.log, 'read', {'manager': ALLOWED}, self.read)
        self.check(self.log, 'write', {}, lambda log: log.write({'document_name': 'forged.pdf'}))
        self.check(self.log, 'create', {}, lambda log: log.create({
            'action': 'deleted', 'document_name': 'forged.pdf', 'user_id': self.user.id}))
        self.check(self.log, 'unlink', {}, lambda log: log.unlink())

    def test_media_downloads(self):
        self.check(self.media, 'read', {'manager': ALLOWED}, self.read)
        self.check(self.media, 'write', {}, lambda media: media.write({'url': 'http://169.254.169.254/latest'}))
        self.check(self.media, 'create', {}, lambda media: media.create({
            'company_id': self.company.id, 'partner_id': self.contact.id, 'provider': 'events', 'channel': 'other',
            'direction': 'received', 'external_message_id': 'forged', 'url': 'http://127.0.0.1/'}))
        self.check(self.media, 'unlink', {}, lambda media: media.unlink())
        self.check(self.media, 'retry', {'manager': ALLOWED}, lambda media: media.action_retry())
        self.assertEqual(self.media.url, 'https://lookaside.fbsbx.com/1')

    def test_channel_identities(self):
        partner_managers = {'user': ALLOWED, 'manager': ALLOWED}
        self.check(self.identity, 'read', partner_managers, self.read)
        self.check(self.identity, 'write', partner_managers, lambda identity: identity.write({'identity': '6799'}))
        self.check(self.identity, 'create', partner_managers, lambda identity: identity.create({
            'partner_id': self.contact.id, 'channel': 'instagram', 'identity': '1', 'company_id': self.company.id}))
        self.check(self.identity, 'unlink', partner_managers, lambda identity: identity.unlink())

    def test_upload_sessions(self):
        self.check(self.upload, 'read', {'user': ALLOWED}, self.read)
        self.check(self.upload, 'write', {}, lambda upload: upload.write({'file_size': 1}))
        self.check(self.upload, 'create', {}, lambda upload: upload.create({
            'partner_id': self.contact.id, 'file_name': 'x.pdf', 'file_size': 1, 'sha256': '0' * 64,
            'chunk_size': 65536}))
        self.check(self.upload, 'unlink', {}, lambda upload: upload.unlink())
