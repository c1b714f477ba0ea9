import os

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from .common import SAMPLE_FILES, ContactDocumentsCommon


@tagged('post_install', '-at_install')
class TestAudit(ContactDocumentsCommon, TransactionCase):
    """Every document filed and every deletion leaves a trace that outlives the document."""

    def logs(self, **domain):
        return self.env['contact.document.log'].search([(key, '=', value) for key, value in domain.items()])

    def test_filing_is_logged_with_who_what_and_where(self):
        document = self.file_document(self.contact, 'photo.png', direction='received', channel='email')
        log = self.logs(document_id=document.id)
        self.assertRecordValues(log, [{
            'action': 'filed', 'document_name': 'photo.png', 'partner_id': self.contact.id, 'channel': 'email',
            'direction': 'received', 'file_size': len(SAMPLE_FILES['photo.png'][0]),
            'checksum': document.checksum, 'user_id': self.env.uid,
        }])
        self.assertTrue(log.create_date)
        self.env.cr.flush()  # filed documents are told in the chatter when the transaction commits
        self.assertIn('photo.png', self.contact.message_ids[0].body)

    def test_deletion_log_survives_the_document(self):
        document = self.file_document(self.contact, 'report.pdf')
        checksum, size = document.checksum, document.file_size
        document.with_user(self.manager).action_trash()
        document.with_user(self.manager).unlink()
        log = self.logs(action='deleted', partner_id=self.contact.id)
        self.assertRecordValues(log, [{
            'document_name': 'report.pdf', 'user_id': self.manager.id, 'checksum': checksum,
            'file_size': size, 'channel': 'upload', 'document_id': False,
        }])
        self.assertIn('Document deleted:', self.contact.message_ids[0].body)
        self.assertIn('report.pdf', self.contact.message_ids[0].body)

    def test_log_is_readable_by_managers_only(self):
        self.file_document(self.contact)
        self.assertTrue(self.env['contact.document.log'].with_user(self.manager).search([]))
        with self.assertRaises(AccessError):
            self.env['contact.document.log'].with_user(self.user).search([])

    def test_log_cannot_be_altered_by_a_manager(self):
        self.file_document(self.contact)
        log = self.env['contact.document.log'].with_user(self.manager).search([], limit=1)
        with self.assertRaises(AccessError):
            log.write({'document_name': 'forged.pdf'})
        with self.assertRaises(AccessError):
            log.unlink()

    def test_file_content_stays_while_another_document_uses_it(self):
        shared = self.file_document(self.contact, 'report.pdf')
        copy = self.file_document(self.colleague_contact, 'report.pdf')
        unique = self.file_document(self.contact, 'photo.png')
        self.assertEqual(shared.attachment_id.store_fname, copy.attachment_id.store_fname, "one file on disk")
        Attachment = self.env['ir.attachment']
        shared_path = Attachment._full_path(shared.attachment_id.store_fname)
        unique_path = Attachment._full_path(unique.attachment_id.store_fname)

        (shared | unique).with_user(self.manager).action_trash()
        (shared | unique).with_user(self.manager).unlink()
        self.env.flush_all()
        Attachment._gc_file_store_unsafe()
        self.assertTrue(os.path.exists(shared_path))
        self.assertEqual(copy.attachment_id.raw, SAMPLE_FILES['report.pdf'][0])
        self.assertFalse(os.path.exists(unique_path), "content nothing uses any more is removed")
