import base64
import errno
import io
import os
import uuid
import zipfile
from unittest.mock import patch

from odoo.tests import HttpCase, tagged

from ..models.contact_document_upload import UPLOADS_FOLDER
from .common import ChannelSyncCommon, build_email, make_pdf
from .test_chunked_upload import ChunkedUploadCommon, chunks_of

UPLOAD_ROUTE = '/contact_documents/upload'


class StorageBackendsCommon(ChannelSyncCommon, ChunkedUploadCommon):
    """Files a document by every path (upload, chunked upload, email, inline
    webhook file) and reads each back (raw, download with Range, preview, ZIP)."""

    def setUp(self):
        super().setUp()
        self.Attachment = self.env['ir.attachment']
        self.attachment_class = type(self.Attachment)
        self.filestore = self.Attachment._filestore()
        self.tag = uuid.uuid4().hex  # contents of our own: none of them is in the filestore yet
        self.expected = {
            'uploaded.pdf': make_pdf(f'uploaded {self.tag}'),
            'chunked.pdf': make_pdf(f'chunked {self.tag}') + b'%' + bytes(range(256)) * 800,
            'emailed.pdf': make_pdf(f'emailed {self.tag}'),
            'webhook.pdf': make_pdf(f'webhook {self.tag}'),
        }

    def set_storage(self, location):
        self.env['ir.config_parameter'].sudo().set_param('ir_attachment.location', location)

    def filestore_files(self):
        return {
            os.path.relpath(os.path.join(folder, name), self.filestore)
            for folder, _folders, names in os.walk(self.filestore) for name in names
        }

    def spy_fast_path(self):
        """Record the files moved into the local filestore."""
        moved, move = [], self.attachment_class._move_into_filestore

        def spy(attachment, path, checksum):
            moved.append(path)
            return move(attachment, path, checksum)
        self.enterContext(patch.object(self.attachment_class, '_move_into_filestore', spy))
        return moved

    # ------------------------------------------------------------------
    # Filing and reading back by every path
    # ------------------------------------------------------------------

    def file_by_every_path(self):
        """File one document by each path; return them by name."""
        response = self.url_open(UPLOAD_ROUTE, data={'partner_id': self.contact.id, 'csrf_token': self.csrf_token()},
                                 files=[('ufile', ('uploaded.pdf', self.expected['uploaded.pdf'], 'application/pdf'))])
        self.assertEqual(response.status_code, 200, response.text)

        chunked = self.expected['chunked.pdf']
        token = self.open_session(name='chunked.pdf', content=chunked).json()['token']
        upload = self.upload_session(token)
        in_folder = self.Attachment._plain_filestore()
        if in_folder:
            temp_path = upload._temp_path()
            self.assertFalse(temp_path.startswith(self.filestore + os.sep), "uploads in progress stay out of backups")
            self.assertIn(os.path.join(UPLOADS_FOLDER, self.env.cr.dbname), temp_path)
        else:
            # Any server sharing the database and the storage may take the next chunk: nothing on local disk.
            self.assertFalse(upload.temp_name)
        self.put_all_chunks(token, chunked)
        self.assertEqual(len(upload._chunk_attachments()), 0 if in_folder else len(chunks_of(chunked)))
        response = self.finish(token)
        self.assertEqual(response.status_code, 200, response.text)
        if in_folder:
            self.assertFalse(os.path.exists(temp_path))
        self.assertFalse(upload._chunk_attachments(), "the chunks are removed once the file is filed")

        self.env['mail.thread'].message_process('res.partner', build_email(
            sender='Jane Customer <jane@customer.example.com>', to='sales@company.example.com',
            subject=f'Files {self.tag}', attachments=[('emailed.pdf', self.expected['emailed.pdf'], 'application/pdf')],
        ), thread_id=self.contact.id)

        response = self.post_event({
            'channel': 'whatsapp', 'direction': 'received', 'message_id': f'wamid.{self.tag}',
            'contact': {'email': self.email_contact.email},
            'attachments': [{'name': 'webhook.pdf', 'mimetype': 'application/pdf',
                             'content': base64.b64encode(self.expected['webhook.pdf']).decode()}],
        })
        self.assertEqual(response.status_code, 200, response.text)

        self.env.invalidate_all()
        documents = self.env['contact.document'].sudo().search(
            [('partner_id', 'in', (self.contact | self.email_contact).ids)])
        self.assertEqual(sorted(documents.mapped('name')), sorted(self.expected))
        return {document.name: document for document in documents}

    def assert_read_back(self, documents, http_streams=True):
        """Each document's bytes, read back through raw, the ZIP and (``http_streams``) download and preview."""
        for name, document in documents.items():
            self.assertEqual(document.attachment_id.raw, self.expected[name], name)
            self.assertEqual(document.file_size, len(self.expected[name]), name)
        if http_streams:
            for name, document in documents.items():
                response = self.url_open(f'/contact_documents/{document.id}/download')
                self.assertEqual((response.status_code, response.content), (200, self.expected[name]), name)
            uploaded = documents['uploaded.pdf']
            response = self.url_open(f'/contact_documents/{uploaded.id}/download', headers={'Range': 'bytes=2-9'})
            self.assertEqual((response.status_code, response.content), (206, self.expected['uploaded.pdf'][2:10]))
            response = self.url_open(f'/contact_documents/{uploaded.id}/preview')
            self.assertEqual((response.status_code, response.headers['Content-Type']), (200, 'application/pdf'))
            self.assertTrue(response.headers['Content-Disposition'].startswith('inline'))
            self.assertEqual(response.content, self.expected['uploaded.pdf'])
        ids = ','.join(str(document.id) for document in documents.values())
        response = self.url_open('/contact_documents/zip', data={'ids': ids, 'csrf_token': self.csrf_token()})
        self.assertEqual(response.status_code, 200, response.text[:500])
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            self.assertEqual({name: archive.read(name) for name in archive.namelist()}, self.expected)


@tagged('post_install', '-at_install')
class TestStorageBackends(StorageBackendsCommon, HttpCase):
    """Every byte goes through ir.attachment's storage API, whichever storage the database uses.

    With Odoo's local filestore, with database storage
    (``ir_attachment.location=db``) and with a storage of another module
    overriding ``_file_write``/``_file_read``, as OCA's fs_attachment does
    (tests/test_storage_s3.py runs the same paths on S3 with fs_attachment_s3).
    """

    def test_database_storage_keeps_every_byte_in_the_database(self):
        self.set_storage('db')
        moved = self.spy_fast_path()
        before = self.filestore_files()

        documents = self.file_by_every_path()
        self.assert_read_back(documents)

        for name, document in documents.items():
            attachment = document.attachment_id
            self.assertFalse(attachment.store_fname, name)
            self.assertEqual(attachment.db_datas, self.expected[name], name)
        self.assertEqual(self.filestore_files(), before, "no file lands in the filestore")
        self.assertEqual(moved, [], "the local filestore's fast path is not taken")

    def test_file_storage_moves_a_finished_upload_into_the_filestore(self):
        moved = self.spy_fast_path()

        documents = self.file_by_every_path()
        self.assert_read_back(documents)

        for name, document in documents.items():
            attachment = document.attachment_id
            self.assertFalse(attachment.db_datas, name)
            with open(self.Attachment._full_path(attachment.store_fname), 'rb') as stored:
                self.assertEqual(stored.read(), self.expected[name], name)
        uploads_dir = self.env['contact.document.upload']._uploads_dir()
        self.assertTrue(any(path.startswith(uploads_dir) for path in moved), "the finished upload was moved, not copied")
        email_source = documents['emailed.pdf'].message_id.attachment_ids
        self.assertEqual(documents['emailed.pdf'].attachment_id.store_fname, email_source.store_fname,
                         "an email attachment's stored file is shared, not copied")

    def test_upload_on_another_file_system_is_copied_into_the_filestore(self):
        uploads_dir, replace = self.env['contact.document.upload']._uploads_dir(), os.replace

        def replace_across_devices(source, target):
            if source.startswith(uploads_dir):
                raise OSError(errno.EXDEV, "Invalid cross-device link")
            return replace(source, target)
        self.enterContext(patch.object(os, 'replace', replace_across_devices))

        documents = self.file_by_every_path()
        self.assert_read_back(documents)
        chunked = documents['chunked.pdf'].attachment_id
        self.assertTrue(os.path.isfile(self.Attachment._full_path(chunked.store_fname)))
        self.assertFalse(os.listdir(uploads_dir), "the temporary file is removed once copied")

    def test_storage_of_another_module_gets_every_byte_through_file_write(self):
        # As fs_attachment (S3, SFTP...): file storage, but files written and read by a module of its own.
        stored = {}

        def file_write(attachment, bin_value, checksum):
            fname = f'{checksum[:2]}/{checksum}'
            stored[fname] = bin_value
            return fname

        def file_read(attachment, fname, size=None):
            return stored.get(fname, b'')[:size]

        def file_delete(attachment, fname):
            stored.pop(fname, None)
        self.enterContext(patch.object(self.attachment_class, '_file_write', file_write))
        self.enterContext(patch.object(self.attachment_class, '_file_read', file_read))
        self.enterContext(patch.object(self.attachment_class, '_file_delete', file_delete))
        self.assertFalse(self.Attachment._plain_filestore())
        moved = self.spy_fast_path()
        before = self.filestore_files()

        documents = self.file_by_every_path()
        # Serving a file by HTTP is the storage module's own _to_http_stream: only raw and the ZIP apply here.
        self.assert_read_back(documents, http_streams=False)

        for name, document in documents.items():
            self.assertEqual(stored[document.attachment_id.store_fname], self.expected[name], name)
        self.assertEqual(len(stored), len(documents), "the chunks of the upload were deleted from the storage")
        self.assertEqual(moved, [], "the local filestore's fast path is not taken")
        self.assertEqual(self.filestore_files(), before, "no file lands in the local filestore")
