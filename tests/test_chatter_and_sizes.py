import json

from odoo.tests import HttpCase, tagged

from ..tools.sizes import format_file_size
from .common import EmailSyncCommon

# One size format everywhere: tools/sizes.py and the contact_documents_file_size widget.
SIZES = {
    0: "0 bytes",
    1: "1 byte",
    589: "589 bytes",
    1023: "1023 bytes",
    1024: "1.0 KB",
    1536: "1.5 KB",
    2867: "2.8 KB",
    10188: "9.9 KB",
    10189: "10 KB",
    10752: "11 KB",
    30334: "30 KB",
    1024 * 1024 - 1: "1.0 MB",
    250 * 1024 * 1024: "250 MB",
    3 * 1024 ** 3 + 1024 ** 3 // 2: "3.5 GB",
    2 * 1024 ** 4: "2.0 TB",
}


@tagged('post_install', '-at_install')
class TestChatterAndSizes(EmailSyncCommon, HttpCase):
    """The contact's chatter tells each filing once, with sizes in the one format of the product."""

    def filed_notes(self, partner):
        """The notes telling filed documents, once the transaction is committed."""
        self.env.cr.flush()
        return partner.message_ids.filtered(lambda message: 'filed:' in (message.body or ''))

    def test_sizes_have_one_format(self):
        for size, text in SIZES.items():
            self.assertEqual(format_file_size(size), text, size)

    def test_the_widget_formats_sizes_as_the_server(self):
        expected = json.dumps({size: format_file_size(size) for size in SIZES})
        self.browser_js('/odoo', f"""
            const {{ formatFileSize }} = odoo.loader.modules.get(
                "@contact_documents/components/file_size_field/file_size_field");
            const wrong = Object.entries({expected}).filter(([size, text]) => formatFileSize(Number(size)) !== text)
                .map(([size, text]) => `${{size}}: ${{formatFileSize(Number(size))}} instead of ${{text}}`);
            if (wrong.length) {{
                console.error("The widget disagrees with tools/sizes.py: " + wrong.join(", "));
            }} else {{
                console.log("test successful");
            }}
        """, "odoo.isReady", login='admin')

    def test_an_email_on_the_contact_gets_no_extra_note(self):
        self.process_incoming('res.partner', self.contact.id, subject='Files', attachments=[
            ('contract.pdf', self.pdf, 'application/pdf'), ('scan.png', self.png, 'image/png')])
        self.assertEqual(len(self.env['contact.document'].search([('partner_id', '=', self.contact.id)])), 2)
        self.assertFalse(self.filed_notes(self.contact), "the email itself shows its files in the chatter")
        self.assertEqual(
            len(self.env['contact.document.log'].search([('partner_id', '=', self.contact.id), ('action', '=', 'filed')])),
            2, "the audit log keeps every line")

    def test_an_email_routed_to_another_record_gets_one_note(self):
        self.process_incoming('mail.blacklist', self.other_record.id, subject='Files', attachments=[
            ('contract.pdf', self.pdf, 'application/pdf'), ('scan.png', self.png, 'image/png')])
        note = self.filed_notes(self.contact)
        self.assertEqual(len(note), 1, "one note for the message, not one per file")
        self.assertIn('2 documents filed:', note.body)
        documents = self.env['contact.document'].search([('partner_id', '=', self.contact.id)])
        for document in documents:
            self.assertIn(f'/contact_documents/{document.id}/preview', note.body)
            self.assertIn(f'{format_file_size(document.file_size)}, Email, Received', note.body)

    def test_one_document_is_told_in_the_singular(self):
        document = self.file_document(self.contact, 'report.pdf')
        note = self.filed_notes(self.contact)
        self.assertEqual(len(note), 1)
        self.assertIn('Document filed:', note.body)
        self.assertIn(f'<a href="/contact_documents/{document.id}/preview" target="_blank">report.pdf</a>', note.body)
        self.assertIn(f'({format_file_size(document.file_size)}, Upload, Internal)', note.body)

    def test_files_filed_together_without_message_get_one_note(self):
        self.file_document(self.contact, 'report.pdf')
        self.file_document(self.contact, 'photo.png')
        self.file_document(self.contact, 'other.pdf')
        note = self.filed_notes(self.contact)
        self.assertEqual(len(note), 1)
        self.assertIn('3 documents filed:', note.body)

    def test_a_note_in_the_contact_chatter_files_under_the_note_channel(self):
        self.contact.with_user(self.user).message_post(
            body='Internal copy', message_type='comment', subtype_xmlid='mail.mt_note',
            attachments=[('notes.pdf', self.pdf)])
        document = self.env['contact.document'].search([('partner_id', '=', self.contact.id)])
        self.assertRecordValues(document, [{'name': 'notes.pdf', 'direction': 'internal', 'channel': 'note'}])
        self.assertFalse(self.filed_notes(self.contact), "the note itself shows its file")
