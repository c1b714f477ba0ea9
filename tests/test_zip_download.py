import io
import zipfile

from odoo import http
from odoo.tests import BaseCase, HttpCase, tagged

from ..tools.zip_stream import iter_zip, unique_names
from .common import SAMPLE_FILES, ContactDocumentsCommon, make_pdf


class TestZipStream(BaseCase):

    def test_unique_names(self):
        self.assertEqual(
            unique_names(['report.pdf', 'Report.pdf', 'report.pdf', '../../etc/passwd', 'a\\b.doc', '']),
            ['report.pdf', 'Report (2).pdf', 'report (3).pdf', '_.._etc_passwd', 'a_b.doc', 'document'])

    def test_archive_is_yielded_while_it_is_built(self):
        big = bytes(range(256)) * 12 * 1024  # 3 MB
        members = [
            {'name': 'big.doc', 'open': lambda: io.BytesIO(big), 'size': len(big), 'date_time': (2025, 1, 2, 3, 4, 5)},
            {'name': 'small.pdf', 'open': lambda: io.BytesIO(b'%PDF-1.4'), 'size': 8, 'date_time': (2025, 1, 2, 3, 4, 5)},
        ]
        pieces = list(iter_zip(members, block_size=256 * 1024))
        self.assertGreater(len(pieces), 10)
        self.assertLess(max(len(piece) for piece in pieces), 300 * 1024, "no piece holds much more than a block")
        with zipfile.ZipFile(io.BytesIO(b''.join(pieces))) as archive:
            self.assertIsNone(archive.testzip())
            self.assertEqual(archive.read('big.doc'), big)
            self.assertEqual(archive.getinfo('big.doc').compress_type, zipfile.ZIP_DEFLATED)
            self.assertEqual(archive.getinfo('small.pdf').compress_type, zipfile.ZIP_STORED)


@tagged('post_install', '-at_install')
class TestZipDownload(ContactDocumentsCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Document = cls.env['contact.document']
        cls.first_report = Document._file_documents(
            cls.contact, [{'name': 'report.pdf', 'raw': make_pdf('first'), 'mimetype': 'application/pdf'}],
            direction='received', channel='email')
        cls.second_report = Document._file_documents(
            cls.contact, [{'name': 'report.pdf', 'raw': make_pdf('second'), 'mimetype': 'application/pdf'}],
            direction='sent', channel='email')
        png, mimetype = SAMPLE_FILES['photo.png']
        cls.photo = Document._file_documents(
            cls.contact, [{'name': 'photo.png', 'raw': png, 'mimetype': mimetype}], direction='received', channel='email')
        cls.documents = cls.first_report | cls.second_report | cls.photo

    def download(self, **params):
        return self.url_open('/contact_documents/zip', data={**params, 'csrf_token': http.Request.csrf_token(self)})

    def archive(self, response):
        self.assertEqual(response.status_code, 200, response.text[:500])
        return zipfile.ZipFile(io.BytesIO(response.content))

    def test_three_documents_with_two_equal_names(self):
        self.authenticate('cd_user', 'cd_user')
        response = self.download(ids=','.join(map(str, self.documents.ids)))
        self.assertEqual(response.headers['Content-Type'], 'application/zip')
        self.assertIn('attachment', response.headers['Content-Disposition'])
        archive = self.archive(response)
        self.assertEqual(sorted(archive.namelist()), ['photo.png', 'report (2).pdf', 'report.pdf'])
        contents = {archive.read(name) for name in archive.namelist()}
        self.assertEqual(contents, {document.attachment_id.raw for document in self.documents})

        logs = self.env['contact.document.log'].search([('action', '=', 'downloaded')])
        self.assertEqual(logs.document_id, self.documents)
        self.assertEqual(logs.user_id, self.user)

    def test_a_whole_filter_of_the_tab(self):
        self.authenticate('cd_user', 'cd_user')
        archive = self.archive(self.download(partner_id=self.contact.id, direction='received'))
        self.assertEqual(sorted(archive.namelist()), ['photo.png', 'report.pdf'])
        self.assertEqual(archive.read('report.pdf'), self.first_report.attachment_id.raw)

        archive = self.archive(self.download(partner_id=self.customer.id, search='report'))
        self.assertEqual(sorted(archive.namelist()), ['report (2).pdf', 'report.pdf'],
                         "a company's tab includes its contacts' documents")

    def test_get_with_ids_in_the_query_string(self):
        self.authenticate('cd_user', 'cd_user')
        response = self.url_open(f'/contact_documents/zip?ids={self.photo.id}')
        self.assertEqual(self.archive(response).namelist(), ['photo.png'])

    def test_only_readable_documents_are_archived(self):
        hidden = self.file_document(self.other_contact, name='secret.pdf')
        self.authenticate('cd_user', 'cd_user')
        archive = self.archive(self.download(ids=f'{self.photo.id},{hidden.id}'))
        self.assertEqual(archive.namelist(), ['photo.png'])

        self.authenticate('cd_other', 'cd_other')
        self.assertEqual(self.download(ids=','.join(map(str, self.documents.ids))).status_code, 404)
        self.assertEqual(self.download(partner_id=self.contact.id).status_code, 404)
        self.assertFalse(self.env['contact.document.log'].search([
            ('action', '=', 'downloaded'), ('user_id', '=', self.user_other_company.id)]))

    def test_nothing_chosen_is_refused(self):
        self.authenticate('cd_user', 'cd_user')
        self.assertEqual(self.download().status_code, 400)
        self.assertEqual(self.download(ids='abc').status_code, 400)
