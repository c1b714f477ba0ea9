#!/usr/bin/env python3
"""Two Odoo servers, one database, one S3 bucket: uploads, downloads and a ZIP of 1 GB.

``scripts/test.sh`` runs it after the S3 install (fs_attachment_s3 against a
local moto server): it starts two Odoo servers on that database, each with a
data dir of its own (nothing shared but the database and the bucket), then

    run_storage_servers.py --urls http://127.0.0.1:A,http://127.0.0.1:B --db DB \\
        --s3-endpoint http://127.0.0.1:S --data-dirs DIR_A,DIR_B --pids PID_A,PID_B

Checks, one PASS/FAIL line each, then ``storage servers: N passed, N failed``:
1. the bucket becomes the default storage of attachments (an ``fs.storage``
   made over JSON-RPC on one server, used at once by the other);
2. chunked uploads whose chunks go to both servers in turn, finished on
   either: each document has the exact bytes (SHA-1) and its object is in the
   bucket; downloads with Range from the other server;
3. a ZIP of those documents (1 GB by default) streamed by one server: every
   member intact, the server's memory flat (its resident size grows by far
   less than the archive);
4. nothing landed on either server's local disk (filestore, uploads folder).

Needs ``requests`` and ``boto3``; Odoo's test loader never imports this
folder (no ``__init__.py``, not a ``test_*`` module).
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
import uuid
import zipfile

import boto3
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_races import (
    SESSION_ROUTE,
    Odoo,
    SetupError,
    make_pdf,
    say,
    sha1_hex,
    sha256_hex,
)

TIMEOUT = 600
CHUNK_SIZE_PARAM = 'contact_documents.upload_chunk_size'
CHUNK_SIZE = 8 * 1024 * 1024  # the largest the server accepts: fewer requests for 1 GB
FILES = 5
# How much the ZIP server's resident memory may grow while it streams the archive.
MAX_MEMORY_GROWTH = 256 * 1024 * 1024
S3_CREDENTIALS = {'key': 'testing', 'secret': 'testing'}


def resident_size(pid):
    """Resident memory of a process and its children (a prefork server's workers), in bytes."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            with open(f'/proc/{current}/status') as status:
                for line in status:
                    if line.startswith('VmRSS:'):
                        total += int(line.split()[1]) * 1024
            with open(f'/proc/{current}/task/{current}/children') as children:
                pids.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return total


class MemoryWatch:
    """Samples a process's resident size in the background: the highest value seen."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self.start_size = resident_size(pid)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, resident_size(self.pid))
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class StorageServers:

    def __init__(self, urls, db, login, password, s3_endpoint, data_dirs, pids, zip_size):
        self.servers = [Odoo(url, db, login, password) for url in urls]
        self.db, self.data_dirs, self.pids, self.zip_size = db, data_dirs, pids, zip_size
        self.s3_endpoint = s3_endpoint
        self.bucket = f'contact-documents-servers-{uuid.uuid4().hex[:8]}'
        self.s3 = boto3.client('s3', endpoint_url=s3_endpoint, region_name='us-east-1',
                               aws_access_key_id=S3_CREDENTIALS['key'],
                               aws_secret_access_key=S3_CREDENTIALS['secret'])
        self.uploaded = {}  # document id -> (name, sha1)

    def bucket_keys(self):
        pages = self.s3.get_paginator('list_objects_v2').paginate(Bucket=self.bucket)
        return {item['Key'] for page in pages for item in page.get('Contents', ())}

    # -- 1. the bucket as the default storage -------------------------------

    def check_bucket_is_the_storage(self):
        self.s3.create_bucket(Bucket=self.bucket)
        first, second = self.servers
        values = {
            'name': "S3 (two servers)", 'code': 's3servers', 'protocol': 's3',
            'options': json.dumps({'endpoint_url': self.s3_endpoint, **S3_CREDENTIALS,
                                   'client_kwargs': {'region_name': 'us-east-1'}}),
            'directory_path': self.bucket, 'use_as_default_for_attachments': True, 'autovacuum_gc': True,
            # Objects keep the name they are written under: no server-side copy of each file to rename it.
            'use_filename_obfuscation': True,
        }
        existing = first.call('fs.storage', 'search', [('code', '=', 's3servers')])
        if existing:  # a run before on the same database
            first.call('fs.storage', 'write', existing, values)
        else:
            first.call('fs.storage', 'create', [values])
        first.call('ir.config_parameter', 'set_param', CHUNK_SIZE_PARAM, str(CHUNK_SIZE))
        self.partner_id = second.call('res.partner', 'create', [{'name': 'Two Servers Customer'}])[0]
        return True, [f"bucket {self.bucket} is the default storage of attachments"]

    # -- 2. chunks to both servers -------------------------------------------

    def _upload_across_servers(self, content, name, finisher):
        opener = self.servers[0]
        response = requests.post(opener.url + SESSION_ROUTE, cookies=opener.cookies(), timeout=TIMEOUT, data={
            'partner_id': self.partner_id, 'name': name, 'size': len(content),
            'sha256': sha256_hex(content), 'csrf_token': opener.csrf_token,
        })
        if response.status_code != 200:
            raise SetupError(f"opening {name} answered {response.status_code}: {response.text[:200]}")
        session = response.json()
        size = session['chunk_size']
        for index in range(session['chunk_count']):
            server = self.servers[index % 2]  # chunks alternate between the two servers
            response = requests.put(
                f"{server.url}{SESSION_ROUTE}/{session['token']}/chunk/{index}", cookies=server.cookies(),
                timeout=TIMEOUT, files={'chunk': ('blob', content[index * size:(index + 1) * size])},
                data={'csrf_token': server.csrf_token})
            if response.status_code != 200:
                raise SetupError(f"chunk {index} of {name} on server {index % 2 + 1} answered "
                                 f"{response.status_code}: {response.text[:200]}")
        server = self.servers[finisher]
        response = requests.post(f"{server.url}{SESSION_ROUTE}/{session['token']}/finish", cookies=server.cookies(),
                                 timeout=TIMEOUT, data={'csrf_token': server.csrf_token})
        if response.status_code != 200:
            raise SetupError(f"finishing {name} on server {finisher + 1} answered "
                             f"{response.status_code}: {response.text[:200]}")
        return response.json()['document']['id'], session['chunk_count']

    def check_chunks_across_servers(self):
        lines, problems = [], []
        file_size = -(-self.zip_size // FILES)
        started = time.monotonic()
        for number in range(FILES):
            content = make_pdf(f'two servers {number}', size=file_size)
            name = f'two-servers-{number}.pdf'
            document_id, chunks = self._upload_across_servers(content, name, finisher=number % 2)
            self.uploaded[document_id] = (name, sha1_hex(content))
            reader = self.servers[(number + 1) % 2]
            response = requests.get(f'{reader.url}/contact_documents/{document_id}/download',
                                    cookies=reader.cookies(), timeout=TIMEOUT, stream=True)
            digest = hashlib.sha1()
            for block in response.iter_content(1024 * 1024):
                digest.update(block)
            if response.status_code != 200 or digest.hexdigest() != sha1_hex(content):
                problems.append(f"{name}: download answered {response.status_code}, SHA-1 {digest.hexdigest()[:12]}")
            response = requests.get(f'{reader.url}/contact_documents/{document_id}/download', cookies=reader.cookies(),
                                    headers={'Range': 'bytes=1000-1999'}, timeout=TIMEOUT)
            if (response.status_code, response.content) != (206, content[1000:2000]):
                problems.append(f"{name}: Range download answered {response.status_code}, {len(response.content)} bytes")
            lines.append(f"{name}: {len(content)} bytes in {chunks} chunks sent to both servers, "
                         f"finished on server {number % 2 + 1}, read back whole and by Range on the other")
            del content
        keys = self.bucket_keys()
        attachments = self.servers[0].read('contact.document', [('id', 'in', list(self.uploaded))], ['attachment_id'])
        for document in attachments:
            attachment = self.servers[0].read('ir.attachment', [('id', '=', document['attachment_id'][0])],
                                              ['store_fname', 'checksum'])[0]
            name, sha1 = self.uploaded[document['id']]
            code, _sep, key = (attachment['store_fname'] or '').partition('://')
            if code != 's3servers' or key not in keys:
                problems.append(f"{name}: stored as {attachment['store_fname']!r}, not in the bucket")
            if attachment['checksum'] != sha1:
                problems.append(f"{name}: checksum {attachment['checksum']} != SHA-1 of the upload {sha1}")
        lines.append(f"{len(keys)} objects in the bucket: the {len(self.uploaded)} documents, and chunks that "
                     f"fs_attachment's garbage collector deletes later; {time.monotonic() - started:.0f}s")
        return not problems, problems + lines

    # -- 3. a ZIP of 1 GB ------------------------------------------------------

    def check_zip_streams_with_flat_memory(self):
        server, pid = self.servers[1], self.pids[1]
        ids = ','.join(str(document_id) for document_id in self.uploaded)
        problems, size = [], 0
        with tempfile.TemporaryFile() as archive_file:
            with MemoryWatch(pid) as memory:
                response = requests.get(f'{server.url}/contact_documents/zip', params={'ids': ids},
                                        cookies=server.cookies(), timeout=TIMEOUT, stream=True)
                for block in response.iter_content(1024 * 1024):
                    archive_file.write(block)
                    size += len(block)
            if response.status_code != 200:
                return False, [f"the ZIP answered {response.status_code}"]
            archive_file.seek(0)
            expected = {name: sha1 for name, sha1 in self.uploaded.values()}
            with zipfile.ZipFile(archive_file) as archive:
                for info in archive.infolist():
                    digest = hashlib.sha1()
                    with archive.open(info) as member:
                        while block := member.read(1024 * 1024):
                            digest.update(block)
                    if expected.pop(info.filename, None) != digest.hexdigest():
                        problems.append(f"member {info.filename} differs from its upload")
            problems.extend(f"member {name} is missing" for name in expected)
        growth = memory.peak - memory.start_size
        if growth > MAX_MEMORY_GROWTH:
            problems.append(f"the server's memory grew by {growth >> 20} MB while streaming {size >> 20} MB")
        return not problems, [*problems, (
            f"{size} bytes ({size / 2**30:.2f} GB) streamed from the bucket; server memory "
            f"{memory.start_size >> 20} MB before, {memory.peak >> 20} MB at most (+{growth >> 20} MB)")]

    # -- 4. nothing on local disk ---------------------------------------------

    def check_nothing_on_local_disk(self):
        problems = []
        for number, data_dir in enumerate(self.data_dirs, 1):
            for folder in (os.path.join(data_dir, 'filestore', self.db),
                           os.path.join(data_dir, 'tmp', 'contact_documents_uploads', self.db)):
                files = [os.path.join(root, name) for root, _dirs, names in os.walk(folder) for name in names]
                if files:
                    problems.append(f"server {number}: {len(files)} files under {folder}, e.g. {files[0]}")
        return not problems, problems or ["no file in either server's filestore or uploads folder"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--urls', required=True, help="the two servers' base URLs, comma-separated")
    parser.add_argument('--db', required=True)
    parser.add_argument('--login', default='admin')
    parser.add_argument('--password', default='admin')
    parser.add_argument('--s3-endpoint', required=True)
    parser.add_argument('--data-dirs', required=True, help="the two servers' data dirs, comma-separated")
    parser.add_argument('--pids', required=True, help="the two servers' process ids, comma-separated")
    parser.add_argument('--zip-size', type=int, default=2**30, help="bytes of documents in the ZIP")
    args = parser.parse_args()

    checks = [
        ("1. the bucket is the default storage", 'check_bucket_is_the_storage'),
        ("2. chunks sent to both servers in turn", 'check_chunks_across_servers'),
        ("3. a ZIP streamed with flat memory", 'check_zip_streams_with_flat_memory'),
        ("4. nothing on local disk", 'check_nothing_on_local_disk'),
    ]
    started = time.monotonic()
    try:
        suite = StorageServers(args.urls.split(','), args.db, args.login, args.password, args.s3_endpoint,
                               args.data_dirs.split(','), [int(pid) for pid in args.pids.split(',')], args.zip_size)
    except (SetupError, requests.RequestException) as error:
        say(f"ERROR: could not log in on the servers: {error}", stream=sys.stderr)
        say(f"storage servers: 0 passed, {len(checks)} failed")
        return 2
    passed = failed = 0
    for title, method in checks:
        check_started = time.monotonic()
        try:
            ok, lines = getattr(suite, method)()
        except (SetupError, requests.RequestException, KeyError, ValueError, OSError) as error:
            ok, lines = False, [f"raised {error!r}"]
        say(f"{'PASS' if ok else 'FAIL'} {title} ({time.monotonic() - check_started:.1f}s)")
        for line in lines:
            say(f"    {line}")
        passed, failed = passed + ok, failed + (not ok)
        if not ok and method == 'check_bucket_is_the_storage':
            failed += len(checks) - 1
            break
    say(f"storage servers phase took {time.monotonic() - started:.1f}s")
    say(f"storage servers: {passed} passed, {failed} failed")
    return 0 if not failed else 1


if __name__ == '__main__':
    sys.exit(main())
