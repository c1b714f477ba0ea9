import hashlib
import os

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from ..models.contact_document_upload import (
    MAX_OPEN_BYTES_PARAM,
    MAX_OPEN_SESSIONS_PARAM,
)
from .common import make_pdf
from .test_chunked_upload import CONTENT, ChunkedUploadCommon, chunks_of


@tagged('post_install', '-at_install')
class TestUploadSessionIntegrity(ChunkedUploadCommon, HttpCase):
    """A finished session takes no more chunks, finishing twice files once, and stored files are never swapped.

    The race of a chunk arriving during a finish is proven against a
    multi-worker server by tests/races/run_races.py (run by scripts/test.sh).
    """

    def upload(self, content=CONTENT, name='big-report.pdf'):
        token = self.open_session(name=name, content=content).json()['token']
        self.put_all_chunks(token, content)
        return token

    @mute_logger('odoo.addons.contact_documents.controllers.upload_session')
    def test_a_finished_session_accepts_no_more_chunks(self):
        token = self.upload()
        self.assertEqual(self.finish(token).status_code, 200)
        document = self.documents()
        tampered = b'X' * len(chunks_of(CONTENT)[0])
        self.assertEqual(self.put_chunk(token, 0, tampered).status_code, 404)
        self.assertEqual(document.attachment_id.raw, CONTENT)
        self.assertEqual(document.checksum, hashlib.sha1(CONTENT).hexdigest())

    def test_finishing_twice_answers_the_same_document(self):
        token = self.upload()
        first = self.finish(token)
        second = self.finish(token)
        self.assertEqual((first.status_code, second.status_code), (200, 200))
        self.assertEqual(first.json()['document']['id'], second.json()['document']['id'])
        self.assertEqual(len(self.documents()), 1)

    @mute_logger('odoo.addons.contact_documents.controllers.upload_session')
    def test_a_stored_file_is_reused_only_when_its_bytes_match(self):
        # A file already in the filestore under this content's checksum, but with other bytes
        # (a past tampering, a disk error): the upload must not be filed over it.
        checksum = hashlib.sha1(CONTENT).hexdigest()
        Attachment = self.env['ir.attachment']
        poisoned_path = Attachment._full_path(f'{checksum[:2]}/{checksum}')
        os.makedirs(os.path.dirname(poisoned_path), exist_ok=True)
        with open(poisoned_path, 'wb') as poisoned:
            poisoned.write(b'poisoned bytes')
        self.addCleanup(os.unlink, poisoned_path)
        response = self.finish(self.upload())
        self.assertEqual(response.status_code, 400)
        self.assertIn('collides', response.json()['error'])
        self.assertFalse(self.documents())

    def test_open_sessions_are_capped_per_user(self):
        self.env['ir.config_parameter'].sudo().set_param(MAX_OPEN_SESSIONS_PARAM, '2')
        for name in ('a.pdf', 'b.pdf'):
            self.assertEqual(self.open_session(name=name).status_code, 200)
        response = self.open_session(name='c.pdf')
        self.assertEqual(response.status_code, 400)
        self.assertIn('uploads in progress', response.json()['error'])

    def test_announced_bytes_count_against_a_quota(self):
        self.env['ir.config_parameter'].sudo().set_param(MAX_OPEN_BYTES_PARAM, str(len(CONTENT) * 2))
        self.assertEqual(self.open_session(name='a.pdf').status_code, 200)
        self.assertEqual(self.open_session(name='b.pdf').status_code, 200)
        response = self.open_session(name='c.pdf')
        self.assertEqual(response.status_code, 400)
        self.assertIn('would exceed', response.json()['error'])
        with self.assertRaises(UserError):
            self.env['contact.document.upload'].with_user(self.user)._check_quota(1)

    def test_file_names_lose_bidi_overrides_and_are_shortened(self):
        content = make_pdf('names')
        token = self.upload(content=content, name='invoice\u202efdp.pdf')
        self.assertEqual(self.finish(token).json()['document']['name'], 'invoicefdp.pdf')
        token = self.upload(content=content + b'%', name='a' * 5000 + '.pdf')
        name = self.finish(token).json()['document']['name']
        self.assertEqual((len(name), name[-4:]), (255, '.pdf'))
