import hashlib
import json
import os
import socket
import uuid
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, tagged

from .test_chunked_upload import chunks_of
from .test_storage_backends import StorageBackendsCommon

# Set by scripts/test.sh to the moto server it started; without it, the tests start one of their own.
S3_ENDPOINT_ENV = 'CONTACT_DOCUMENTS_TEST_S3_ENDPOINT'
S3_CREDENTIALS = {'key': 'testing', 'secret': 'testing'}


def fs_attachment_s3_installed(env):
    return env['ir.module.module']._get('fs_attachment_s3').state == 'installed'


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


@tagged('post_install', '-at_install')
class TestStorageS3(StorageBackendsCommon, HttpCase):
    """Every byte on S3 through OCA's fs_attachment_s3, against a local S3 server (moto).

    With fs_attachment_s3 installed, an ``fs.storage`` on a bucket of its own
    is the default storage of attachments: each path files documents whose
    objects really land in the bucket, read back through download (with
    Range), preview and ZIP, and nothing lands on local disk. Without it,
    files stay in Odoo's own storage.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.on_s3 = fs_attachment_s3_installed(cls.env)
        if cls.on_s3:
            cls._setup_bucket_storage()

    @classmethod
    def _setup_bucket_storage(cls):
        import boto3  # only with fs_attachment_s3 (and moto)

        endpoint = os.environ.get(S3_ENDPOINT_ENV)
        if not endpoint:
            # A test requirement, needed only here.
            from moto.server import ThreadedMotoServer

            port = free_port()
            server = ThreadedMotoServer(ip_address='127.0.0.1', port=port, verbose=False)
            server.start()
            cls.addClassCleanup(server.stop)
            endpoint = f'http://127.0.0.1:{port}'
        suffix = uuid.uuid4().hex[:12]
        cls.bucket = f'contact-documents-{suffix}'
        cls.s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1',
                              aws_access_key_id=S3_CREDENTIALS['key'], aws_secret_access_key=S3_CREDENTIALS['secret'])
        cls.s3.create_bucket(Bucket=cls.bucket)
        # A code of its own: fs_storage caches each file system by code, across test classes.
        cls.storage = cls.env['fs.storage'].create({
            'name': "S3 (tests)",
            'code': f's3_{suffix}',
            'protocol': 's3',
            'options': json.dumps({'endpoint_url': endpoint, **S3_CREDENTIALS,
                                   'client_kwargs': {'region_name': 'us-east-1'}}),
            'directory_path': cls.bucket,
            'use_as_default_for_attachments': True,
            'autovacuum_gc': True,
        })

    def setUp(self):
        super().setUp()
        if not self.on_s3:
            return
        self.local_files_before = self.filestore_files()
        # Each test sees the objects it made: a rolled back test leaves its objects behind.
        self.keys_before = self.bucket_keys()

    def bucket_keys(self):
        pages = self.s3.get_paginator('list_objects_v2').paginate(Bucket=self.bucket)
        return {item['Key'] for page in pages for item in page.get('Contents', ())}

    def new_keys(self):
        return self.bucket_keys() - self.keys_before

    def object_key(self, attachment):
        code, _sep, key = attachment.store_fname.partition('://')
        self.assertEqual(code, self.storage.code, f"{attachment.name} is stored on S3")
        return key

    def assert_nothing_on_local_disk(self):
        self.assertEqual(self.filestore_files(), self.local_files_before, "no file lands in the local filestore")
        uploads_dir = self.env['contact.document.upload']._uploads_dir()
        self.assertFalse(os.path.isdir(uploads_dir) and os.listdir(uploads_dir), "no upload lands in the data dir")

    def collect_garbage(self):
        """fs_attachment deletes objects no attachment refers to any more (an autovacuum job)."""
        self.env.flush_all()
        self.env['fs.file.gc']._gc_files_unsafe()

    # ------------------------------------------------------------------
    # Without fs_attachment_s3
    # ------------------------------------------------------------------

    def test_without_fs_attachment_s3_files_stay_in_odoos_storage(self):
        if self.on_s3:
            self.skipTest("fs_attachment_s3 is installed: the tests below run on S3")
        self.assertIsNone(self.Attachment._object_storage_code('contact.document'))
        documents = self.file_by_every_path()
        self.assert_read_back(documents, http_streams=False)
        for name, document in documents.items():
            self.assertTrue(document.attachment_id.store_fname or document.attachment_id.db_datas, name)
            self.assertNotIn('://', document.attachment_id.store_fname or '', name)

    # ------------------------------------------------------------------
    # On S3
    # ------------------------------------------------------------------

    def require_s3(self):
        if not self.on_s3:
            self.skipTest("fs_attachment_s3 is not installed (see test_without_fs_attachment_s3_files_stay_in_odoos_storage)")

    def test_every_path_stores_its_bytes_in_the_bucket(self):
        self.require_s3()
        self.assertFalse(self.Attachment._plain_filestore())
        documents = self.file_by_every_path()
        self.assert_read_back(documents)

        keys = self.bucket_keys()
        for name, document in documents.items():
            attachment = document.attachment_id
            key = self.object_key(attachment)
            self.assertIn(key, keys, name)
            self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key=key)['Body'].read(), self.expected[name], name)
            self.assertEqual(attachment.checksum, hashlib.sha1(self.expected[name]).hexdigest(), name)
            self.assertEqual(attachment.file_size, len(self.expected[name]), name)
        self.assert_nothing_on_local_disk()

    def test_large_files_are_streamed_into_the_bucket(self):
        """An upload and a finished chunked upload reach S3 a block at a time, never as one ``raw``."""
        self.require_s3()
        import fsspec  # only with fs_attachment

        streamed, stream_in = [], type(self.Attachment)._create_streamed_to_object_storage

        def spy(attachment, stream, values):
            streamed.append(values['name'])
            return stream_in(attachment, stream, values)
        self.enterContext(patch.object(type(self.Attachment), '_create_streamed_to_object_storage', spy))
        documents = self.file_by_every_path()
        self.assertIn('uploaded.pdf', streamed)
        self.assertIn('chunked.pdf', streamed)
        self.assertEqual(sum(name.startswith('chunk-') for name in streamed), len(chunks_of(self.expected['chunked.pdf'])))
        # The ZIP reads each member from its object, in blocks, once the request's cursor is closed.
        opener = documents['chunked.pdf'].attachment_id._content_opener()
        self.assertIsInstance(opener.func.__self__, fsspec.AbstractFileSystem)
        with opener() as member:
            self.assertEqual(member.read(), self.expected['chunked.pdf'])

    def test_chunks_are_objects_of_the_bucket_until_the_upload_is_finished(self):
        """Chunks go through the storage: any server sharing the database and the bucket takes any chunk."""
        self.require_s3()
        content = self.expected['chunked.pdf']
        token = self.open_session(name='chunked.pdf', content=content).json()['token']
        upload = self.upload_session(token)
        self.assertFalse(upload.temp_name, "no temporary file on this server's disk")
        self.put_all_chunks(token, content)
        chunks = upload._chunk_attachments()
        self.assertEqual(len(chunks), len(chunks_of(content)))
        chunk_keys = {self.object_key(chunk) for chunk in chunks}
        self.assertLessEqual(chunk_keys, self.bucket_keys())
        # A chunk sent again replaces the one before, in the bucket too.
        self.assertEqual(self.put_chunk(token, 1, chunks_of(content)[1]).status_code, 200)
        self.assertEqual(len(upload._chunk_attachments()), len(chunks))

        response = self.finish(token)
        self.assertEqual(response.status_code, 200, response.text)
        document = self.env['contact.document'].browse(response.json()['document']['id'])
        self.assertEqual(document.attachment_id.raw, content)
        self.assertFalse(upload._chunk_attachments())
        self.collect_garbage()
        keys = self.bucket_keys()
        self.assertFalse(chunk_keys & keys, "the chunks' objects are deleted")
        self.assertIn(self.object_key(document.attachment_id), keys)
        self.assert_nothing_on_local_disk()

    def test_a_cancelled_upload_leaves_nothing_in_the_bucket(self):
        self.require_s3()
        content = self.expected['chunked.pdf']
        token = self.open_session(name='chunked.pdf', content=content).json()['token']
        self.put_chunk(token, 0, chunks_of(content)[0])
        self.assertTrue(self.new_keys())
        response = self.url_open(f'/contact_documents/upload/session/{token}?csrf_token={self.csrf_token()}',
                                 method='DELETE')
        self.assertEqual(response.status_code, 200, response.text)
        self.collect_garbage()
        self.assertFalse(self.new_keys())

    def test_deleted_documents_leave_the_bucket_once_purged(self):
        self.require_s3()
        documents = self.file_by_every_path()
        document = documents['uploaded.pdf']
        key = self.object_key(document.attachment_id)

        document.with_user(self.manager).action_trash()
        self.collect_garbage()
        self.assertIn(key, self.bucket_keys(), "a document in the trash can be restored: its object stays")
        document.with_user(self.manager).action_restore()
        self.assertEqual(document.attachment_id.raw, self.expected['uploaded.pdf'])

        document.with_user(self.manager).action_trash()
        document.trashed_date = fields.Datetime.now() - timedelta(days=3650)
        self.env['contact.document']._cron_purge_trash()
        self.assertFalse(document.exists())
        self.collect_garbage()
        self.assertNotIn(key, self.bucket_keys(), "purged: its object is deleted")
        for name in ('chunked.pdf', 'webhook.pdf'):
            self.assertIn(self.object_key(documents[name].attachment_id), self.bucket_keys(), name)

    def test_odoos_own_routes_do_not_serve_a_document_stored_on_s3(self):
        """fs_attachment serves its files itself: the check that keeps /web/content away still holds."""
        self.require_s3()
        document = self.file_by_every_path()['uploaded.pdf']
        for route in ('/web/content/%s?download=true', '/web/content/%s', '/web/image/%s'):
            response = self.url_open(route % document.attachment_id.id)
            self.assertNotIn(b'%PDF', response.content, route)
