from odoo.tests import TransactionCase, tagged

from .common import SAMPLE_FILES, ContactDocumentsCommon


@tagged('post_install', '-at_install')
class TestPartnerMerge(ContactDocumentsCommon, TransactionCase):
    """Odoo's contact merge moves documents, identities and queued downloads, dropping exact duplicates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env['res.partner']
        cls.source = Partner.create({'name': 'Sam Duplicate', 'email': 'sam@customer.example.com'})
        cls.destination = Partner.create({'name': 'Sam Texter', 'email': 'sam@customer.example.com'})

    def file_from_message(self, partner, name, message_id, index=0):
        content, mimetype = SAMPLE_FILES[name]
        return self.env['contact.document']._file_documents(
            partner, [{'name': name, 'raw': content, 'mimetype': mimetype, 'index': index}],
            direction='received', channel='email', external_message_id=message_id)

    def merge(self, sources, destination):
        wizard = self.env['base.partner.merge.automatic.wizard'].create({})
        wizard._merge((sources | destination).ids, destination)

    def test_merge_moves_documents_and_drops_the_same_file_of_the_same_message(self):
        kept = self.file_from_message(self.destination, 'report.pdf', '<msg-1@example.com>')
        duplicate = self.file_from_message(self.source, 'report.pdf', '<msg-1@example.com>')
        other = self.file_from_message(self.source, 'photo.png', '<msg-2@example.com>')
        upload = self.file_document(self.source, 'letter.docx')
        trashed = self.file_document(self.source, 'anim.gif')
        trashed.action_trash()

        self.merge(self.source, self.destination)

        self.assertFalse(self.source.exists())
        Document = self.env['contact.document'].with_context(active_test=False)
        self.assertEqual(Document.search([('partner_id', '=', self.destination.id)]), kept | other | upload | trashed)
        self.assertFalse(duplicate.exists())
        self.assertFalse(trashed.active, "a deleted document stays in the trash")
        Log = self.env['contact.document.log']
        dropped = Log.search([('action', '=', 'deleted'), ('document_name', '=', 'report.pdf')])
        self.assertIn('merged', dropped.note)
        self.assertEqual(dropped.partner_name, 'Sam Duplicate')
        moved = Log.search([('action', '=', 'moved')])
        self.assertEqual(sorted(moved.mapped('document_name')), ['anim.gif', 'letter.docx', 'photo.png'])
        self.assertEqual(set(moved.mapped('note')), {'Merged into Sam Texter'})

    def test_a_deleted_copy_on_the_destination_does_not_replace_the_one_in_use(self):
        trashed = self.file_from_message(self.destination, 'report.pdf', '<msg-3@example.com>')
        trashed.action_trash()
        in_use = self.file_from_message(self.source, 'report.pdf', '<msg-3@example.com>')
        self.merge(self.source, self.destination)
        self.assertFalse(trashed.exists())
        self.assertRecordValues(in_use, [{'partner_id': self.destination.id, 'active': True}])

    def test_merge_moves_channel_identities_and_queued_downloads(self):
        identity = self.env['res.partner.channel.identity'].create({
            'partner_id': self.source.id, 'channel': 'facebook', 'account_id': '1061', 'identity': '6798',
            'company_id': self.company.id,
        })
        media = self.env['contact.document.media'].create({
            'company_id': self.company.id, 'partner_id': self.source.id, 'provider': 'meta', 'channel': 'facebook',
            'direction': 'received', 'external_message_id': 'm_1', 'url': 'https://lookaside.fbsbx.com/1',
        })
        self.merge(self.source, self.destination)
        self.assertEqual(identity.partner_id, self.destination)
        self.assertEqual(media.partner_id, self.destination)
