from urllib.parse import quote

from odoo.tests import HttpCase, tagged

from .common import SAMPLE_FILES, ContactDocumentsCommon


@tagged('post_install', '-at_install')
class TestDownloadAndPreview(ContactDocumentsCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pdf_document = cls.file_document(cls, cls.contact, 'report.pdf')
        cls.png_document = cls.file_document(cls, cls.contact, 'photo.png')
        cls.docx_document = cls.file_document(cls, cls.contact, 'letter.docx')
        Document = cls.env['contact.document']
        cls.html_document = Document._file_documents(cls.contact, [{
            'name': 'page.html', 'raw': b'<html><script>alert(1)</script></html>', 'mimetype': 'text/html',
        }], direction='received', channel='email')
        cls.svg_document = Document._file_documents(cls.contact, [{
            'name': 'logo.svg', 'raw': b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            'mimetype': 'image/svg+xml',
        }], direction='received', channel='email')
        cls.accented_document = Document._file_documents(cls.contact, [{
            'name': 'Relevé de compte — été.pdf', 'raw': SAMPLE_FILES['report.pdf'][0], 'mimetype': 'application/pdf',
        }], direction='received', channel='email')

    def setUp(self):
        super().setUp()
        self.authenticate('cd_user', 'cd_user')

    def test_download_is_an_attachment_with_the_original_name(self):
        response = self.url_open(f'/contact_documents/{self.pdf_document.id}/download')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, SAMPLE_FILES['report.pdf'][0])
        self.assertTrue(response.headers['Content-Disposition'].startswith('attachment'))
        self.assertIn('report.pdf', response.headers['Content-Disposition'])
        self.assertEqual(response.headers['X-Content-Type-Options'], 'nosniff')

    def test_download_keeps_a_non_ascii_name(self):
        response = self.url_open(f'/contact_documents/{self.accented_document.id}/download')
        self.assertEqual(response.status_code, 200)
        self.assertIn("filename*=UTF-8''" + quote('Relevé de compte — été.pdf'), response.headers['Content-Disposition'])

    def test_download_answers_range_requests(self):
        response = self.url_open(f'/contact_documents/{self.pdf_document.id}/download', headers={'Range': 'bytes=0-3'})
        self.assertEqual(response.status_code, 206)
        self.assertEqual(response.content, b'%PDF')

    def test_preview_shows_images_and_pdf_inline(self):
        for document, mimetype in ((self.pdf_document, 'application/pdf'), (self.png_document, 'image/png')):
            with self.subTest(name=document.name):
                response = self.url_open(f'/contact_documents/{document.id}/preview')
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.headers['Content-Type'], mimetype)
                self.assertTrue(response.headers['Content-Disposition'].startswith('inline'))

    def test_html_and_svg_are_never_served_inline(self):
        for document in (self.html_document, self.svg_document, self.docx_document):
            for route in ('preview', 'download'):
                with self.subTest(name=document.name, route=route):
                    response = self.url_open(f'/contact_documents/{document.id}/{route}')
                    self.assertEqual(response.status_code, 200)
                    self.assertTrue(response.headers['Content-Disposition'].startswith('attachment'))
                    self.assertEqual(response.headers['Content-Type'], 'application/octet-stream')

    def test_documents_of_hidden_contacts_are_not_found(self):
        hidden = self.file_document(self.other_contact, 'report.pdf')
        for route in ('preview', 'download'):
            with self.subTest(route=route):
                self.assertEqual(self.url_open(f'/contact_documents/{hidden.id}/{route}').status_code, 404)

    def test_deleted_document_is_not_found(self):
        self.assertEqual(self.url_open('/contact_documents/999999/download').status_code, 404)

    def test_portal_user_cannot_download(self):
        self.authenticate('cd_portal', 'cd_portal')
        self.assertEqual(self.url_open(f'/contact_documents/{self.pdf_document.id}/download').status_code, 404)
