import base64
import io
import struct
import zipfile

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, HttpCase, tagged

from odoo.addons.contact_documents.tests.common import (
    ChannelSyncCommon,
    build_email,
    make_image,
    make_pdf,
)
from odoo.addons.contact_documents.tools.content_typing import type_by_content

EXECUTABLE_MIMETYPES = {'application/x-dosexec', 'application/vnd.microsoft.portable-executable'}
HTML = b'<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>'
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def make_exe():
    """The start of a Windows program: a DOS header pointing to a PE header (i386, executable)."""
    dos_header = bytearray(64)
    dos_header[:2] = b'MZ'
    struct.pack_into('<I', dos_header, 0x3C, len(dos_header))
    return bytes(dos_header) + b'PE\x00\x00' + struct.pack('<HHIIIHH', 0x14C, 1, 0, 0, 0, 0xE0, 0x0102) + bytes(600)


def make_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('notes.txt', 'not a PDF')
    return buffer.getvalue()


@tagged('post_install', '-at_install')
class TestTypeByContent(BaseCase):
    """The one rule every file is filed by, whatever channel brought it."""

    def test_a_name_that_lies_gets_the_extension_of_the_content(self):
        for name, content, declared, expected_name, expected_types in (
            ('invoice.pdf', make_exe(), 'application/pdf', 'invoice.pdf.exe', EXECUTABLE_MIMETYPES),
            ('invoice.pdf', HTML, 'application/pdf', 'invoice.pdf.html', {'text/html'}),
            ('photo.jpg', SVG, 'image/jpeg', 'photo.jpg.svg', {'image/svg+xml'}),
            ('invoice.pdf', make_zip(), None, 'invoice.pdf.zip', {'application/zip'}),
            ('photo.jpg', make_image('PNG'), 'image/jpeg', 'photo.jpg.png', {'image/png'}),
            ('notes.txt', make_pdf(), 'text/plain', 'notes.txt.pdf', {'application/pdf'}),
            ('contract.docx', make_exe(), None, 'contract.docx.exe', EXECUTABLE_MIMETYPES),
        ):
            with self.subTest(name=name, content=content[:8]):
                filed_name, mimetype, mismatch = type_by_content(name, content[:2048], declared)
                self.assertEqual(filed_name, expected_name)
                self.assertIn(mimetype, expected_types)
                self.assertTrue(mismatch)

    def test_a_name_that_matches_its_content_is_kept(self):
        for name, content, declared, expected_type in (
            ('report.pdf', make_pdf(), 'application/octet-stream', 'application/pdf'),
            ('SCAN.PDF', make_pdf(), None, 'application/pdf'),
            ('photo.jpeg', make_image('JPEG'), None, 'image/jpeg'),
            ('setup.exe', make_exe(), None, None),
            ('page.html', HTML, 'text/html', 'text/html'),
            ('logo.svg', SVG, None, 'image/svg+xml'),
            ('archive.zip', make_zip(), None, 'application/zip'),
            # A ZIP or an OLE2 file is told from its kin by its name: any of their extensions fits.
            ('budget.xlsx', make_zip(), None, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
            ('letter.doc', b'\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1' + bytes(504) + b'\xEC\xA5\xC1\x00' + bytes(1024),
             None, 'application/msword'),
        ):
            with self.subTest(name=name):
                filed_name, mimetype, mismatch = type_by_content(name, content, declared)
                self.assertEqual(filed_name, name)
                if expected_type:
                    self.assertEqual(mimetype, expected_type)
                else:
                    self.assertIn(mimetype, EXECUTABLE_MIMETYPES)
                self.assertFalse(mismatch)

    def test_text_and_unknown_content_keep_their_name(self):
        for name, content, declared, expected_type in (
            ('notes.txt', b'Call me back about the quote.\n', None, 'text/plain'),
            ('prices.csv', b'product,price\nchair,40\n', 'text/csv', 'text/csv'),
            ('prices.csv', b'product,price\nchair,40\n', None, 'text/csv'),
            # Tags in text are no contradiction for a text file, nor an email in an .eml.
            ('notes.txt', b'See <a href="https://example.com">the page</a>\n', 'text/plain', 'text/plain'),
            ('forwarded.eml', b'Subject: hi\nContent-Type: text/html\n\n<html><body>hi</body></html>',
             'message/rfc822', 'message/rfc822'),
            ('winmail.dat', bytes(range(7, 250)), 'application/ms-tnef', 'application/ms-tnef'),
            # A name without extension claims nothing.
            ('scan', make_pdf(), None, 'application/pdf'),
        ):
            with self.subTest(name=name, content=content[:12]):
                self.assertEqual(type_by_content(name, content, declared), (name, expected_type, False))

    def test_the_senders_word_never_makes_a_file_previewable(self):
        """Only content that is a PDF or a picture is typed as one, whatever the sender announced."""
        for declared in ('application/pdf', 'image/png', 'text/html', 'image/*'):
            with self.subTest(declared=declared):
                name, mimetype, mismatch = type_by_content('report.pdf', b'\x00\x01garbage\x02' * 10, declared)
                self.assertEqual((name, mismatch), ('report.pdf', False))
                self.assertNotIn(mimetype, {'application/pdf', 'image/png', 'text/html', 'image/*'})
        self.assertEqual(type_by_content('empty.pdf', b'', 'application/pdf'),
                         ('empty.pdf', 'application/octet-stream', False))


@tagged('post_install', '-at_install')
class TestContentTyping(ChannelSyncCommon, HttpCase):
    """Every path in files a file by its content, marks a name that lied, and never previews it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exe = make_exe()

    def setUp(self):
        super().setUp()
        self.authenticate('admin', 'admin')

    def assert_served_as_download(self, document):
        for route in ('preview', 'download'):
            with self.subTest(document=document.name, route=route):
                response = self.url_open(f'/contact_documents/{document.id}/{route}')
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.headers['Content-Disposition'].startswith('attachment'))
                self.assertIn(document.name, response.headers['Content-Disposition'])
                self.assertEqual(response.headers['Content-Type'], 'application/octet-stream')

    def assert_marked(self, document, name):
        self.assertEqual(document.name, name)
        self.assertTrue(document.content_mismatch)
        self.assertFalse(document.is_previewable)
        self.assertEqual(document.attachment_id.name, name)
        self.assert_served_as_download(document)

    def test_executable_named_pdf_by_the_events_webhook_is_filed_as_an_executable(self):
        response = self.post_event({
            'channel': 'whatsapp', 'direction': 'received', 'message_id': 'wamid.exe-as-pdf',
            'contact': {'email': 'ella@customer.example.com'},
            'attachments': [{'name': 'invoice.pdf', 'mimetype': 'application/pdf',
                             'content': base64.b64encode(self.exe).decode()}],
        })
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()['filed'], 1, "a file is never dropped: it is filed, marked")
        document = self.documents_of(self.email_contact)
        self.assert_marked(document, 'invoice.pdf.exe')
        self.assertIn(document.mimetype, EXECUTABLE_MIMETYPES)
        self.assertEqual(document.attachment_id.raw, self.exe)
        self.assertIn('Whatsapp: received', document.message_id.body)
        self.assertIn('content does not match its name', document.message_id.body)

    def test_html_served_for_a_photo_by_an_mms_is_filed_as_html(self):
        self.media_server.files['/media/mms/photo.jpg'] = ('text/html', HTML)
        params = self.twilio_params(message_sid='MMhtml000000000000000000000000001', media=[
            (self.media_url('/media/mms/photo.jpg'), 'text/html')])
        self.assertEqual(self.post_twilio(params).status_code, 200)
        self.run_media_cron()
        document = self.documents_of(self.sms_contact)
        self.assert_marked(document, 'photo.jpg.html')
        self.assertEqual(document.attachment_id.raw, HTML)
        self.assertIn('content does not match its name', document.message_id.body)

    def test_email_attachments_are_typed_by_their_content(self):
        email = build_email(
            sender='Ella Mailer <ella@customer.example.com>', to='sales@company.example.com', subject='Files',
            message_id='<typed-by-content@customer.example.com>', attachments=[
                ('page.html', HTML, 'text/html'),
                ('logo.svg', SVG, 'image/svg+xml'),
                ('statement.pdf', HTML, 'application/pdf'),
                ('invoice.pdf', self.exe, 'application/pdf'),
                ('report.pdf', self.pdf, 'application/pdf'),
            ])
        self.env['mail.thread'].message_process('res.partner', email, thread_id=self.email_contact.id)
        documents = {document.name: document for document in self.documents_of(self.email_contact)}
        self.assertEqual(sorted(documents), ['invoice.pdf.exe', 'logo.svg', 'page.html', 'report.pdf', 'statement.pdf.html'],
                         "nothing a customer sent is dropped")
        for name in ('page.html', 'logo.svg'):
            self.assertFalse(documents[name].content_mismatch)
            self.assertFalse(documents[name].is_previewable)
            self.assert_served_as_download(documents[name])
        self.assert_marked(documents['statement.pdf.html'], 'statement.pdf.html')
        self.assert_marked(documents['invoice.pdf.exe'], 'invoice.pdf.exe')
        self.assertFalse(documents['report.pdf'].content_mismatch)
        self.assertTrue(documents['report.pdf'].is_previewable)
        self.env.cr.flush()  # filed documents are told in the chatter when the transaction commits
        filed_note = self.email_contact.message_ids.filtered(lambda message: 'documents filed:' in (message.body or ''))
        self.assertEqual(filed_note.body.count('content does not match its name'), 2)

    def test_the_mark_is_set_by_the_product_only(self):
        self.post_event({
            'channel': 'sms', 'direction': 'received', 'message_id': 'sm-marked',
            'contact': {'email': 'ella@customer.example.com'},
            'attachments': [{'name': 'photo.jpg', 'content': base64.b64encode(self.png).decode()}],
        })
        document = self.documents_of(self.email_contact)
        self.assertTrue(document.content_mismatch)
        manager = self.env['res.users'].search([('login', '=', 'admin')])
        with self.assertRaises(AccessError):
            document.with_user(manager).write({'content_mismatch': False})
        document.with_user(manager).write({'name': 'holiday.png'})
        self.assertTrue(document.content_mismatch, "renaming the file leaves its mark")
        self.assertFalse(document.is_previewable)
        data = self.env['contact.document'].with_user(manager).get_documents_tab_data(self.email_contact.id)
        self.assertEqual([row['content_mismatch'] for row in data['documents']], [True])
        self.assertEqual([row['is_previewable'] for row in data['documents']], [False])
