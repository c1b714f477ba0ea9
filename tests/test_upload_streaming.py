import contextlib
import glob
import hashlib
import os
import tempfile
import time

from odoo import http
from odoo.tests import BaseCase, HttpCase, new_test_user, tagged

from ..tools.upload_stream import MAX_FILE_PARTS, HashingFile
from .common import ContactDocumentsCommon

# Binary-looking content with line breaks and boundary-like bytes, as real files have.
BODY = b'%PDF-1.4\n' + (bytes(range(256)) + b'\r\n--not-the-boundary\r\n') * 8192


@tagged('post_install', '-at_install')
class TestUploadStreaming(ContactDocumentsCommon, HttpCase):
    """A one-request upload is written once, into the filestore's folder, and filed by a rename."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(cls.env, 'cd_streaming_portal', groups='base.group_portal')

    def setUp(self):
        super().setUp()
        self.authenticate('cd_user', 'cd_user')

    def upload(self, files):
        return self.url_open('/contact_documents/upload', data={
            'csrf_token': http.Request.csrf_token(self), 'partner_id': self.contact.id}, files=files, timeout=60)

    def leftovers(self):
        return glob.glob(os.path.join(self.env['ir.attachment']._filestore(), '.incoming-*'))

    def test_uploaded_files_are_stored_whole_under_their_checksum(self):
        second = b'%PDF-1.4\n' + b'another file\n' * 20000
        response = self.upload([('ufile', ('big.pdf', BODY, 'application/pdf')),
                                ('ufile', ('small.pdf', b'%PDF-1.4\n%%EOF\n', 'application/pdf')),
                                ('ufile', ('copy.pdf', BODY, 'application/pdf')),
                                ('ufile', ('other.pdf', second, 'application/pdf'))])
        self.assertEqual(response.status_code, 200, response.text)
        documents = self.env['contact.document'].search([('partner_id', '=', self.contact.id)])
        by_name = {document.name: document.sudo().attachment_id for document in documents}
        self.assertEqual(sorted(by_name), ['big.pdf', 'copy.pdf', 'other.pdf', 'small.pdf'])
        for name, content in (('big.pdf', BODY), ('copy.pdf', BODY), ('small.pdf', b'%PDF-1.4\n%%EOF\n'), ('other.pdf', second)):
            self.assertEqual(by_name[name].raw, content)
            self.assertEqual(by_name[name].checksum, hashlib.sha1(content).hexdigest())
            self.assertEqual(by_name[name].file_size, len(content))
        self.assertEqual(by_name['big.pdf'].store_fname, by_name['copy.pdf'].store_fname, "same content, one stored file")
        self.assertFalse(self.leftovers())

    def test_refused_files_leave_nothing_behind(self):
        response = self.upload([('ufile', ('setup.exe', b'MZ' + BODY, 'application/octet-stream')),
                                ('ufile', ('fake.pdf', b'<html>not a pdf</html>', 'application/pdf'))])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(response.json()['errors']), 2)
        self.assertFalse(self.env['contact.document'].search([('partner_id', '=', self.contact.id)]))
        self.assertFalse(self.leftovers())

    def test_an_upload_refused_for_access_leaves_nothing_behind(self):
        self.authenticate('cd_other', 'cd_other')
        response = self.upload([('ufile', ('big.pdf', BODY, 'application/pdf'))])
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.leftovers())

    def test_a_request_with_too_many_files_is_refused_and_leaves_nothing_open(self):
        parts = [(f'f{index}', (f'{index}.pdf', b'%PDF-1.4\n', 'application/pdf')) for index in range(MAX_FILE_PARTS + 1)]
        response = self.upload(parts)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.leftovers())
        self.assertFalse(self.env['contact.document'].search([('partner_id', '=', self.contact.id)]))
        # The route still works for the next request.
        response = self.upload([('ufile', ('big.pdf', BODY, 'application/pdf'))])
        self.assertEqual(response.status_code, 200, response.text)
        self.assertFalse(self.leftovers())

    def test_a_body_cut_short_leaves_nothing_behind(self):
        boundary = 'cutshortboundary'
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="ufile"; filename="big.pdf"\r\n'
                'Content-Type: application/pdf\r\n\r\n').encode()
        body = head + BODY  # no closing boundary: the client went away
        with contextlib.suppress(Exception):
            self.url_open(f'/contact_documents/upload?partner_id={self.contact.id}', data=body, headers={
                'Content-Type': f'multipart/form-data; boundary={boundary}',
                'Content-Length': str(len(body) + 1024 * 1024),
            }, timeout=5)
        # The server notices the client gone once its socket closes: give it a moment.
        for _attempt in range(50):
            if not self.leftovers():
                break
            time.sleep(0.1)
        self.assertFalse(self.leftovers())

    def test_portal_users_upload_through_sessions_only(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        response = self.upload([('ufile', ('big.pdf', BODY, 'application/pdf'))])
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.env['contact.document'].search([('partner_id', '=', self.portal_user.partner_id.id)]))
        self.assertFalse(self.leftovers())


@tagged('post_install', '-at_install')
class TestHashingFile(BaseCase):

    def test_hashes_what_is_written_and_removes_itself_unless_moved(self):
        directory = self.enterContext(tempfile.TemporaryDirectory())
        with HashingFile(directory) as file:
            for start in range(0, len(BODY), 65536):
                file.write(memoryview(BODY)[start:start + 65536])
            file.seek(0)
            self.assertEqual(file.read(9), b'%PDF-1.4\n')
            self.assertEqual(file.checksum, hashlib.sha1(BODY).hexdigest())
            self.assertTrue(file.movable())
            kept = os.path.join(directory, 'kept')
            os.replace(file.name, kept)
            self.assertFalse(file.movable())
        self.assertEqual(os.listdir(directory), ['kept'])
        with HashingFile(directory) as file:
            file.write(b'abandoned')
        self.assertEqual(os.listdir(directory), ['kept'], "a file never filed is removed")
