import os
import tempfile

from odoo import http
from odoo.tests import HttpCase, tagged

from ..tools.file_types import MAX_UPLOAD_SIZE
from .common import REAL_FILES, SAMPLE_FILES, ContactDocumentsCommon, real_file

# Binary-looking content with line breaks, as real files have.
FILLER = bytes(range(256)) * 4096


@tagged('post_install', '-at_install')
class TestUpload(ContactDocumentsCommon, HttpCase):

    def setUp(self):
        super().setUp()
        self.authenticate('cd_user', 'cd_user')

    def upload(self, files, partner=None, timeout=60):
        data = {'csrf_token': http.Request.csrf_token(self)}
        if partner is not False:
            data['partner_id'] = (partner or self.contact).id
        return self.url_open('/contact_documents/upload', data=data, files=files, timeout=timeout)

    def documents(self):
        return self.env['contact.document'].search([('partner_id', '=', self.contact.id)])

    def test_every_accepted_type_is_filed_as_internal(self):
        files = [('ufile', (name, content, mimetype)) for name, (content, mimetype) in SAMPLE_FILES.items()]
        response = self.upload(files)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()['errors'], [])
        documents = self.documents()
        self.assertEqual(sorted(documents.mapped('name')), sorted(SAMPLE_FILES))
        self.assertEqual(set(documents.mapped('direction')), {'internal'})
        self.assertEqual(set(documents.mapped('channel')), {'upload'})
        self.assertEqual(documents.create_uid, self.user)
        for document in documents:
            content, mimetype = SAMPLE_FILES[document.name]
            self.assertEqual((document.mimetype, document.file_size), (mimetype, len(content)))
            self.assertEqual(document.attachment_id.raw, content)

    def test_a_multi_file_upload_is_told_in_one_note(self):
        files = [('ufile', (name, content, mimetype)) for name, (content, mimetype) in SAMPLE_FILES.items()]
        self.assertEqual(self.upload(files).status_code, 200)
        notes = self.contact.message_ids.filtered(lambda message: 'filed:' in (message.body or ''))
        self.assertEqual(len(notes), 1, "one note for the request, not one per file")
        self.assertIn(f'{len(SAMPLE_FILES)} documents filed:', notes.body)
        self.assertEqual(len(self.env['contact.document.log'].search([
            ('partner_id', '=', self.contact.id), ('action', '=', 'filed')])), len(SAMPLE_FILES), "the audit log keeps every line")

    def test_refused_files_get_a_reason_and_accepted_ones_are_kept(self):
        pdf, _mimetype = SAMPLE_FILES['report.pdf']
        response = self.upload([
            ('ufile', ('report.pdf', pdf, 'application/pdf')),
            ('ufile', ('setup.exe', b'MZ\x90\x00', 'application/octet-stream')),
            ('ufile', ('invoice.pdf', b'MZ\x90\x00' + b'\x00' * 100, 'application/pdf')),
        ])
        self.assertEqual(response.status_code, 200)
        errors = response.json()['errors']
        self.assertEqual(len(errors), 2)
        self.assertIn('setup.exe', errors[0])
        self.assertIn('only DOC, DOCX, GIF, JPEG, JPG, PDF, PNG, PPT, and PPTX files can be added', errors[0])
        self.assertIn('invoice.pdf', errors[1])
        self.assertIn('content does not match', errors[1])
        self.assertEqual(self.documents().mapped('name'), ['report.pdf'])

    def test_macros_are_refused_with_their_reason_and_a_good_file_is_kept(self):
        docx = REAL_FILES['letter.docx']
        response = self.upload([
            ('ufile', ('invoice.docx', real_file('macro.docm'), docx)),
            ('ufile', ('letter.docx', real_file('letter.docx'), docx)),
        ])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()['errors'], [
            "invoice.docx was refused: it contains macros, which could run harmful code when opened.",
        ])
        document = self.documents()
        self.assertEqual((document.name, document.mimetype), ('letter.docx', docx))
        self.assertEqual(document.attachment_id.raw, real_file('letter.docx'))

    def test_only_refused_files_answers_400_and_files_nothing(self):
        response = self.upload([('ufile', ('page.html', b'<html></html>', 'text/html'))])
        self.assertEqual(response.status_code, 400)
        self.assertIn('page.html', response.json()['errors'][0])
        self.assertFalse(self.documents())

    def test_no_file_at_all_is_refused(self):
        response = self.upload([])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()['error'], "Choose at least one file to upload.")

    def test_unknown_contact_is_refused(self):
        pdf, _mimetype = SAMPLE_FILES['report.pdf']
        response = self.upload([('ufile', ('report.pdf', pdf, 'application/pdf'))], partner=False)
        self.assertEqual(response.status_code, 400)

    def test_contact_of_another_company_is_refused(self):
        pdf, _mimetype = SAMPLE_FILES['report.pdf']
        response = self.upload([('ufile', ('report.pdf', pdf, 'application/pdf'))], partner=self.other_contact)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.env['contact.document'].search([('partner_id', '=', self.other_contact.id)]))

    def test_250_mb_is_accepted_one_byte_more_is_refused(self):
        """The route lifts Odoo's 128 MB request limit to what 250 MB files need, and no further."""
        pdf_head = SAMPLE_FILES['report.pdf'][0]
        with tempfile.TemporaryDirectory() as folder:
            paths = {}
            for name, size in (('max.pdf', MAX_UPLOAD_SIZE), ('too-big.pdf', MAX_UPLOAD_SIZE + 1)):
                paths[name] = os.path.join(folder, name)
                with open(paths[name], 'wb') as file:
                    file.write(pdf_head)
                    written = len(pdf_head)
                    while written < size:
                        written += file.write(FILLER[:size - written])
            with open(paths['max.pdf'], 'rb') as max_file, open(paths['too-big.pdf'], 'rb') as big_file:
                response = self.upload([
                    ('ufile', ('max.pdf', max_file, 'application/pdf')),
                    ('ufile', ('too-big.pdf', big_file, 'application/pdf')),
                ], timeout=300)
        self.assertEqual(response.status_code, 200, response.text)
        errors = response.json()['errors']
        self.assertEqual(len(errors), 1)
        self.assertIn('too-big.pdf', errors[0])
        self.assertIn('larger than 250 MB', errors[0])
        document = self.documents()
        self.assertEqual((document.name, document.file_size), ('max.pdf', MAX_UPLOAD_SIZE))

    def test_other_routes_keep_odoo_request_limit(self):
        """Raising the limit for uploads did not raise it for the rest of the server."""
        self.assertEqual(http.DEFAULT_MAX_CONTENT_LENGTH, 128 * 1024 * 1024)
        response = self.url_open('/web/binary/upload_attachment', data={
            'csrf_token': http.Request.csrf_token(self), 'model': 'res.partner', 'id': self.contact.id,
        }, files=[('ufile', ('big.bin', b'\x00' * (http.DEFAULT_MAX_CONTENT_LENGTH + 1), 'application/octet-stream'))],
            timeout=120)
        self.assertEqual(response.status_code, 413)

    def test_upload_needs_a_logged_in_user(self):
        self.logout()
        pdf, _mimetype = SAMPLE_FILES['report.pdf']
        response = self.url_open('/contact_documents/upload', data={'partner_id': self.contact.id},
                                 files=[('ufile', ('report.pdf', pdf, 'application/pdf'))], allow_redirects=False)
        self.assertIn(response.status_code, (303, 400, 403))
        self.assertFalse(self.documents())
