import hashlib
import os
import shutil
import time
from datetime import timedelta

from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL, mute_logger

from ..models.contact_document_upload import (
    CHUNK_SIZE_PARAM,
    LEGACY_UPLOADS_FOLDER,
    MIN_CHUNK_SIZE,
)
from .common import ContactDocumentsCommon, make_image, make_pdf

SESSION_ROUTE = '/contact_documents/upload/session'
CHUNK_SIZE = MIN_CHUNK_SIZE
# A PDF of a little more than three chunks: four chunks, the last one short.
CONTENT = make_pdf('chunked upload') + b'%' + bytes(range(256)) * 800


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def chunks_of(content):
    return [content[offset:offset + CHUNK_SIZE] for offset in range(0, len(content), CHUNK_SIZE)]


class ChunkedUploadCommon(ContactDocumentsCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['ir.config_parameter'].sudo().set_param(CHUNK_SIZE_PARAM, CHUNK_SIZE)

    def setUp(self):
        super().setUp()
        self.authenticate('cd_user', 'cd_user')
        self.addCleanup(self._remove_temp_files)

    def _remove_temp_files(self):
        for upload in self.env['contact.document.upload'].sudo().search([('temp_name', '!=', False)]):
            upload._remove_temp_file()

    def csrf_token(self):
        return http.Request.csrf_token(self)

    def open_session(self, name='big-report.pdf', content=CONTENT, partner=None, checksum=None):
        return self.url_open(SESSION_ROUTE, data={
            'partner_id': (partner or self.contact).id,
            'name': name,
            'size': len(content),
            'sha256': checksum or sha256(content),
            'csrf_token': self.csrf_token(),
        })

    def put_chunk(self, token, index, data, csrf=True):
        return self.url_open(
            f'{SESSION_ROUTE}/{token}/chunk/{index}', method='PUT', files={'chunk': ('blob', data)},
            data={'csrf_token': self.csrf_token()} if csrf else None)

    def put_all_chunks(self, token, content=CONTENT):
        for index, chunk in enumerate(chunks_of(content)):
            self.put_chunk(token, index, chunk)

    def status(self, token):
        return self.url_open(f'{SESSION_ROUTE}/{token}')

    def finish(self, token):
        return self.url_open(f'{SESSION_ROUTE}/{token}/finish', data={'csrf_token': self.csrf_token()})

    def upload_session(self, token):
        return self.env['contact.document.upload'].sudo().search([('token', '=', token)])

    def documents(self):
        return self.env['contact.document'].sudo().search([('partner_id', '=', self.contact.id)])


@tagged('post_install', '-at_install')
class TestChunkedUpload(ChunkedUploadCommon, HttpCase):

    def test_chunks_sent_twice_out_of_order_or_lost_still_make_the_file(self):
        response = self.open_session()
        self.assertEqual(response.status_code, 200, response.text)
        opened = response.json()
        self.assertEqual((opened['chunk_size'], opened['chunk_count'], opened['received']), (CHUNK_SIZE, 4, []))
        token, chunks = opened['token'], chunks_of(CONTENT)
        temp_path = self.upload_session(token)._temp_path()
        self.assertTrue(os.path.isfile(temp_path))

        for index in (2, 0, 0, 3):  # out of order, chunk 0 twice (a retry whose answer was lost)
            response = self.put_chunk(token, index, chunks[index])
            self.assertEqual(response.status_code, 200, response.text)
        # Chunk 1 is lost on the way: it arrives cut short, and is refused.
        self.assertEqual(self.put_chunk(token, 1, chunks[1][:1000]).status_code, 400)
        self.assertEqual(self.status(token).json()['received'], [0, 2, 3])

        response = self.finish(token)
        self.assertEqual(response.status_code, 400)
        self.assertIn('1 chunks are missing', response.json()['error'])
        self.assertFalse(self.documents())
        self.assertEqual(self.upload_session(token).state, 'open', "an incomplete upload can still be completed")

        self.assertEqual(self.put_chunk(token, 1, chunks[1]).status_code, 200)
        response = self.finish(token)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()['document']['name'], 'big-report.pdf')

        document = self.documents()
        self.assertEqual(len(document), 1)
        self.assertEqual(document.attachment_id.raw, CONTENT)
        self.assertEqual(
            (document.mimetype, document.file_size, document.direction, document.channel, document.create_uid),
            ('application/pdf', len(CONTENT), 'internal', 'upload', self.user))
        session = self.upload_session(token)
        self.assertEqual((session.state, session.document_id), ('done', document))
        self.assertFalse(os.path.exists(temp_path), "the temporary file is removed once filed")
        self.assertEqual(self.status(token).status_code, 404, "a finished session cannot be reused")

    def upload_whole(self, name):
        token = self.open_session(name=name).json()['token']
        self.put_all_chunks(token)
        return self.finish(token)

    def test_same_file_uploaded_twice_is_stored_once_and_both_stay_readable(self):
        self.assertEqual(self.upload_whole('first.pdf').status_code, 200)
        self.assertEqual(self.upload_whole('second.pdf').status_code, 200)

        first, second = self.documents().sorted('id')
        self.assertEqual((first.name, second.name), ('first.pdf', 'second.pdf'))
        self.assertEqual(first.attachment_id.store_fname, second.attachment_id.store_fname,
                         "the filestore keeps one file per content, as for any Odoo attachment")
        self.assertEqual(first.attachment_id.checksum, hashlib.sha1(CONTENT).hexdigest())
        self.assertEqual((first.attachment_id.raw, second.attachment_id.raw), (CONTENT, CONTENT))
        second.with_user(self.manager).action_trash()
        second.with_user(self.manager).unlink()
        self.assertEqual(first.attachment_id.raw, CONTENT, "deleting one keeps the other's content")

    def test_session_whose_file_was_lost_is_refused_clearly(self):
        token = self.open_session().json()['token']
        self.put_all_chunks(token)
        os.unlink(self.upload_session(token)._temp_path())

        response = self.finish(token)
        self.assertEqual(response.status_code, 400)
        self.assertIn('upload it again', response.json()['error'])
        self.assertFalse(self.documents())
        self.assertEqual(self.upload_session(token).state, 'failed',
                         "opening the same file again starts afresh instead of resuming a broken session")

    def test_owner_resumes_after_reconnecting(self):
        chunks = chunks_of(CONTENT)
        token = self.open_session().json()['token']
        for index in (0, 1):
            self.put_chunk(token, index, chunks[index])

        # The connection drops and the browser reloads: a new HTTP session for the same user.
        self.authenticate('cd_user', 'cd_user')
        self.assertEqual(self.status(token).json()['received'], [0, 1])
        reopened = self.open_session().json()
        self.assertEqual((reopened['token'], reopened['received']), (token, [0, 1]),
                         "opening the same file again resumes its session")
        for index in (2, 3):
            self.assertEqual(self.put_chunk(token, index, chunks[index]).status_code, 200)
        self.assertEqual(self.finish(token).status_code, 200)
        self.assertEqual(self.documents().attachment_id.raw, CONTENT)

    def test_wrong_checksum_files_nothing_and_removes_the_data(self):
        token = self.open_session(checksum=sha256(b'another file')).json()['token']
        temp_path = self.upload_session(token)._temp_path()
        self.put_all_chunks(token)

        response = self.finish(token)
        self.assertEqual(response.status_code, 400)
        self.assertIn('checksum', response.json()['error'])
        self.assertFalse(self.documents())
        self.assertEqual(self.upload_session(token).state, 'failed')
        self.assertFalse(os.path.exists(temp_path))
        self.assertEqual(self.put_chunk(token, 0, chunks_of(CONTENT)[0]).status_code, 404)

    def test_only_the_owner_can_use_the_session(self):
        chunks = chunks_of(CONTENT)
        token = self.open_session().json()['token']
        self.put_all_chunks(token)

        self.authenticate('cd_manager', 'cd_manager')
        self.assertEqual(self.finish(token).status_code, 404)
        self.assertEqual(self.status(token).status_code, 404)
        self.assertEqual(self.put_chunk(token, 0, chunks[0]).status_code, 404)
        self.assertFalse(self.documents())
        self.assertEqual(self.upload_session(token).state, 'open')

        self.authenticate('cd_user', 'cd_user')
        self.assertEqual(self.finish(token).status_code, 200)

    def test_limits_are_checked_when_opening(self):
        response = self.open_session(name='setup.exe', content=b'MZ' * 100)
        self.assertEqual(response.status_code, 400)
        self.assertIn('only DOC, DOCX', response.json()['error'])
        response = self.url_open(SESSION_ROUTE, data={
            'partner_id': self.contact.id, 'name': 'huge.pdf', 'size': 250 * 1024 * 1024 + 1,
            'sha256': sha256(b''), 'csrf_token': self.csrf_token(),
        })
        self.assertEqual(response.status_code, 400)
        self.assertIn('larger than 250 MB', response.json()['error'])
        self.assertEqual(self.open_session(partner=self.other_contact).status_code, 403)
        self.assertEqual(self.open_session(checksum='not-a-checksum').status_code, 400)
        self.assertFalse(self.env['contact.document.upload'].sudo().search([]))

    def test_content_is_sniffed_when_finishing(self):
        png = make_image('PNG', size=(300, 300))
        token = self.open_session(name='scan.pdf', content=png).json()['token']
        self.put_all_chunks(token, png)
        response = self.finish(token)
        self.assertEqual(response.status_code, 400)
        self.assertIn('does not match its extension', response.json()['error'])
        self.assertFalse(self.documents())
        self.assertEqual(self.upload_session(token).state, 'failed')

    def test_owner_can_cancel(self):
        token = self.open_session().json()['token']
        temp_path = self.upload_session(token)._temp_path()
        response = self.url_open(f'{SESSION_ROUTE}/{token}', method='DELETE', params={'csrf_token': self.csrf_token()})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.upload_session(token).state, 'failed')
        self.assertFalse(os.path.exists(temp_path))

    @mute_logger('odoo.http')
    def test_chunks_need_the_csrf_token(self):
        token = self.open_session().json()['token']
        response = self.put_chunk(token, 0, chunks_of(CONTENT)[0], csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.upload_session(token).received_chunks)

    def test_abandoned_sessions_are_cleaned_up(self):
        abandoned_token = self.open_session().json()['token']
        self.put_chunk(abandoned_token, 0, chunks_of(CONTENT)[0])
        abandoned = self.upload_session(abandoned_token)
        abandoned_path = abandoned._temp_path()
        current_token = self.open_session(name='other.pdf').json()['token']
        current = self.upload_session(current_token)
        self.env.cr.execute(SQL(
            "UPDATE contact_document_upload SET write_date = %s WHERE id = %s",
            fields.Datetime.now() - timedelta(days=2), abandoned.id))
        # A file whose session was rolled back has no record at all.
        orphan_path = os.path.join(abandoned._uploads_dir(), 'orphan')
        with open(orphan_path, 'wb') as orphan:
            orphan.write(b'left over')
        two_days_ago = time.time() - 2 * 24 * 3600
        os.utime(orphan_path, (two_days_ago, two_days_ago))
        self.env.invalidate_all()

        self.env['contact.document.upload']._cron_gc_sessions()

        self.assertFalse(abandoned.exists())
        self.assertFalse(os.path.exists(abandoned_path))
        self.assertFalse(os.path.exists(orphan_path))
        self.assertTrue(current.exists())
        self.assertTrue(os.path.isfile(current._temp_path()))

    def test_uploads_in_progress_stay_out_of_the_filestore(self):
        token = self.open_session().json()['token']
        filestore = self.env['ir.attachment']._filestore()
        self.assertFalse(self.upload_session(token)._temp_path().startswith(filestore + os.sep),
                         "a database backup copies the filestore, never half-uploaded files")

    def test_cleanup_empties_the_uploads_folder_of_earlier_versions(self):
        legacy_dir = os.path.join(self.env['ir.attachment']._filestore(), LEGACY_UPLOADS_FOLDER)
        os.makedirs(legacy_dir, exist_ok=True)
        self.addCleanup(shutil.rmtree, legacy_dir, ignore_errors=True)
        left_over = os.path.join(legacy_dir, 'left-over')
        with open(left_over, 'wb') as file:
            file.write(b'left over')
        two_days_ago = time.time() - 2 * 24 * 3600
        os.utime(left_over, (two_days_ago, two_days_ago))

        self.env['contact.document.upload']._cron_gc_sessions()

        self.assertFalse(os.path.exists(legacy_dir))


@tagged('post_install', '-at_install')
class TestChunkedUploadTour(ChunkedUploadCommon, HttpCase):

    def test_browser_uploads_in_chunks(self):
        self.start_tour(f'/odoo/contacts/{self.contact.id}', 'contact_documents_chunked_upload', login='cd_user')
        document = self.documents()
        self.assertEqual(document.name, 'Chunked scan.pdf')
        self.assertEqual(document.mimetype, 'application/pdf')
        session = self.env['contact.document.upload'].sudo().search([('document_id', '=', document.id)])
        self.assertEqual(session.state, 'done')
        self.assertGreaterEqual(session._chunk_count(), 3, "the file went in several chunks")
        self.assertEqual(session.file_size, document.file_size)
