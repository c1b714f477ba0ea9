import os
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import SAMPLE_FILES, ContactDocumentsCommon


@tagged('post_install', '-at_install')
class TestTrash(ContactDocumentsCommon, TransactionCase):
    """Deleting is recoverable until the purge, and no document disappears without an audit line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.document = cls.file_document(cls, cls.contact, 'report.pdf')

    def logs(self, action, **domain):
        return self.env['contact.document.log'].search(
            [('action', '=', action)] + [(key, '=', value) for key, value in domain.items()])

    def tab(self, user, **kwargs):
        return self.env['contact.document'].with_user(user).get_documents_tab_data(self.contact.id, **kwargs)

    def test_delete_file_moves_the_document_to_the_trash(self):
        self.document.with_user(self.manager).action_trash()
        self.assertFalse(self.document.active)
        self.assertEqual(self.document.trashed_uid, self.manager)
        self.assertTrue(self.document.attachment_id.exists(), "the file stays until the purge")
        self.assertEqual(self.logs('trashed', document_id=self.document.id).user_id, self.manager)
        self.assertEqual(self.tab(self.user)['counts']['all'], 0)
        self.assertNotIn('trash', self.tab(self.user)['counts'])
        manager_tab = self.tab(self.manager, direction='trash')
        self.assertEqual(manager_tab['counts']['trash'], 1)
        self.assertEqual([row['id'] for row in manager_tab['documents']], [self.document.id])

    def test_a_manager_without_contact_creation_rights_deletes_and_restores(self):
        manager = new_test_user(self.env, login='cd_manager_no_pm',
                                groups='base.group_user,contact_documents.group_contact_documents_manager')
        self.document.with_user(manager).action_trash()
        self.assertFalse(self.document.active)
        self.document.with_user(manager).action_restore()
        self.assertTrue(self.document.active)

    def test_users_do_not_see_the_trash(self):
        self.document.with_user(self.manager).action_trash()
        Document = self.env['contact.document'].with_user(self.user)
        self.assertFalse(Document.with_context(active_test=False).search([('partner_id', '=', self.contact.id)]))
        with self.assertRaises(AccessError):
            self.document.with_user(self.user).read(['name'])
        with self.assertRaises(AccessError):
            self.tab(self.user, direction='trash')

    def test_manager_restores_a_document(self):
        self.document.with_user(self.manager).action_trash()
        self.document.with_user(self.manager).action_restore()
        self.assertTrue(self.document.active)
        self.assertFalse(self.document.trashed_date)
        self.assertTrue(self.logs('restored', document_id=self.document.id))
        self.assertEqual(self.tab(self.user)['counts']['all'], 1)

    def test_plain_users_neither_delete_nor_restore(self):
        with self.assertRaises(AccessError):
            self.document.with_user(self.user).action_trash()
        self.document.with_user(self.manager).action_trash()
        with self.assertRaises(AccessError):
            self.document.with_user(self.user).action_restore()
        with self.assertRaises(AccessError):
            self.document.with_user(self.user).unlink()
        self.assertTrue(self.document.exists())

    def test_an_active_document_is_never_deleted_outright(self):
        with self.assertRaises(UserError):
            self.document.with_user(self.manager).unlink()
        self.assertTrue(self.document.exists())

    def test_purge_deletes_old_trash_only_and_keeps_shared_content(self):
        copy = self.file_document(self.colleague_contact, 'report.pdf')
        recent = self.file_document(self.contact, 'photo.png')
        (self.document | copy | recent).with_user(self.manager).action_trash()
        self.assertEqual(self.env['ir.config_parameter'].get_param('contact_documents.trash_days'), '30')
        (self.document | copy).sudo().trashed_date = fields.Datetime.now() - timedelta(days=31)
        attachment, path = self.document.attachment_id, self.document.attachment_id._full_path(
            self.document.attachment_id.store_fname)
        self.env['contact.document']._cron_purge_trash()
        self.assertFalse(self.document.exists())
        self.assertFalse(copy.exists())
        self.assertFalse(attachment.exists())
        self.assertTrue(recent.exists(), "30 days in the trash before the purge")
        log = self.logs('deleted', document_name='report.pdf', partner_id=self.contact.id)
        self.assertEqual(log.note, "Purged from the trash")
        # Content is removed only when no attachment uses it any more.
        self.file_document(self.customer, 'report.pdf')
        self.env.flush_all()
        self.env['ir.attachment']._gc_file_store_unsafe()
        self.assertTrue(os.path.exists(path))

    def test_a_replayed_message_does_not_refile_a_trashed_document(self):
        content, mimetype = SAMPLE_FILES['photo.png']

        def file_from_email():
            return self.env['contact.document']._file_documents(
                self.contact, [{'name': 'photo.png', 'raw': content, 'mimetype': mimetype}],
                direction='received', channel='email', external_message_id='<replayed@example.com>')
        document = file_from_email()
        document.with_user(self.manager).action_trash()
        self.assertFalse(file_from_email(), "the trashed document still counts as filed")
        self.assertEqual(self.env['contact.document'].search_count([('partner_id', '=', self.contact.id)]), 1)

    def test_purge_retention_is_configurable(self):
        self.env['ir.config_parameter'].set_param('contact_documents.trash_days', '2')
        self.document.with_user(self.manager).action_trash()
        self.document.sudo().trashed_date = fields.Datetime.now() - timedelta(days=3)
        self.env['contact.document']._cron_purge_trash()
        self.assertFalse(self.document.exists())


@tagged('post_install', '-at_install')
class TestContactDeletion(ContactDocumentsCommon, TransactionCase):
    """Deleting a contact never takes its documents without the audit trail, nor past the manager-only delete."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.document = cls.file_document(cls, cls.contact, 'report.pdf')
        cls.trashed = cls.file_document(cls, cls.contact, 'photo.png')
        cls.trashed.action_trash()

    def test_a_user_who_may_not_delete_documents_cannot_delete_their_contact(self):
        partner_manager = self.user  # Contact Creation rights, no Contact Documents manager
        with self.assertRaisesRegex(UserError, 'Archive the contact instead'):
            self.contact.with_user(partner_manager).unlink()
        self.assertTrue(self.contact.exists())
        self.assertTrue(self.document.exists())
        self.assertTrue(self.trashed.exists())
        self.contact.with_user(partner_manager).action_archive()
        self.assertTrue(self.document.exists(), "archiving keeps everything")

    def test_a_contact_without_documents_is_deleted_as_usual(self):
        lonely = self.env['res.partner'].create({'name': 'No Files'})
        lonely.with_user(self.user).unlink()
        self.assertFalse(lonely.exists())

    def test_a_manager_deletes_the_contact_and_each_document_leaves_a_line_naming_it(self):
        attachments = (self.document | self.trashed).attachment_id
        self.contact.with_user(self.manager).unlink()
        self.assertFalse(self.document.exists())
        self.assertFalse(attachments.exists(), "no orphan attachment")
        logs = self.env['contact.document.log'].search([('action', '=', 'deleted')])
        self.assertEqual(sorted(logs.mapped('document_name')), ['photo.png', 'report.pdf'])
        self.assertEqual(set(logs.mapped('partner_name')), {'Acme Corporation, Jane Customer'})
        self.assertEqual(set(logs.mapped('note')), {"The contact was deleted"})
        self.assertEqual(logs.user_id, self.manager)

    @mute_logger('odoo.sql_db')
    def test_sql_cannot_cascade_documents_away(self):
        with self.assertRaises(Exception), self.env.cr.savepoint():
            self.env.cr.execute("DELETE FROM res_partner WHERE id = %s", (self.contact.id,))
        self.assertTrue(self.document.exists())

    @mute_logger('odoo.sql_db')
    def test_deleting_the_file_of_a_document_is_refused_in_the_database_too(self):
        reader = new_test_user(self.env, login='cd_reader2', groups='base.group_user')
        with self.assertRaises(AccessError):
            self.document.attachment_id.with_user(reader).unlink()
        with self.assertRaises(Exception), self.env.cr.savepoint():
            self.env.cr.execute("DELETE FROM ir_attachment WHERE id = %s", (self.document.attachment_id.id,))
        self.assertEqual(self.document.attachment_id.raw, SAMPLE_FILES['report.pdf'][0])
