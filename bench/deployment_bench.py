#!/usr/bin/env python3
"""Two Odoo servers behind nginx on one S3 bucket, and a third one reading from a streaming replica.

``bench/deployment.sh`` starts everything (moto, the servers, nginx, the replica) and calls

    deployment_bench.py --db DB --nginx http://127.0.0.1:N --servers http://A,http://B \\
        --replica-server http://R --s3-endpoint http://127.0.0.1:S --replica-port 5440 \\
        --replica-log FILE --media-port M

Through nginx (round-robin), at once: chunked uploads (each chunk may reach either
server), signed Twilio and Meta webhooks (each delivered twice, the copies to
different servers) and calls of the Documents tab. Then it checks, in SQL, that no
document is filed twice and none is lost, that every document's object is in the
bucket, and it times the tab served by a server on the primary against the same call
served by the server whose read-only requests go to the replica, counting the
statements on contact_document each database saw. Prints a markdown table.
"""
import argparse
import hashlib
import hmac
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer

import boto3
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'races'))
from run_races import SESSION_ROUTE, Odoo, make_pdf, sha256_hex

from bench import Media  # the channels' media host: a small PNG of its own for each path

S3_CREDENTIALS = {'key': 'testing', 'secret': 'testing'}
STORAGE_CODE = 's3deploy'
CHUNK_SIZE = 256 * 1024  # small chunks: many PUTs, each free to land on either server
TWILIO_SID, TWILIO_TOKEN = 'AC' + 'd0' * 16, 'deploy-token-1234567890'
META_SECRET, PAGE_ID = 'deploy-meta-secret', '1000000002'
WEBHOOK_MESSAGES = "(external_message_id LIKE 'MMdeploy%' OR external_message_id LIKE 'm\\_deploy\\_%')"
SENDERS = 8
TIMEOUT = 120


def psql(db, sql, port=5432):
    return subprocess.run(['psql', '-X', '-Atq', '-h', '127.0.0.1', '-p', str(port), '-d', db, '-c', sql],
                          check=True, capture_output=True, text=True).stdout.strip()


class Deployment:

    def __init__(self, args):
        self.args = args
        self.db = args.db
        self.nginx = args.nginx.rstrip('/')
        # One login through nginx: the servers share one sessions folder, so the cookie is valid on both.
        self.admin = Odoo(self.nginx, self.db, 'admin', 'admin')
        self.bucket = f'contact-documents-deploy-{uuid.uuid4().hex[:8]}'
        self.s3 = boto3.client('s3', endpoint_url=args.s3_endpoint, region_name='us-east-1',
                               aws_access_key_id=S3_CREDENTIALS['key'], aws_secret_access_key=S3_CREDENTIALS['secret'])
        self.sent = {'upload (sessions)': 0, 'upload (HTTP requests)': 0, 'webhook': 0, 'tab': 0}
        self.errors = {kind: 0 for kind in self.sent}
        self.latencies = {kind: [] for kind in self.sent}
        self.error_samples = []
        self.lock = threading.Lock()
        self.upload_ids = []

    # -- setup -------------------------------------------------------------------

    def configure(self):
        self.s3.create_bucket(Bucket=self.bucket)
        self.admin.call('fs.storage', 'create', [{
            'name': "S3 (deployment bench)", 'code': STORAGE_CODE, 'protocol': 's3',
            'options': json.dumps({'endpoint_url': self.args.s3_endpoint, **S3_CREDENTIALS,
                                   'client_kwargs': {'region_name': 'us-east-1'}}),
            'directory_path': self.bucket, 'use_as_default_for_attachments': True,
            'use_filename_obfuscation': True,
        }])
        self.admin.call('ir.config_parameter', 'set_param', 'contact_documents.upload_chunk_size', str(CHUNK_SIZE))
        self.partner_id = self.admin.call('res.partner', 'create', [{'name': 'Deployment Customer'}])[0]
        self.tab_partner_id = int(psql(self.db, "SELECT id FROM res_partner WHERE name = 'Bench Contact 20000'"))
        self.media = ThreadingHTTPServer(('127.0.0.1', self.args.media_port), Media)
        threading.Thread(target=self.media.serve_forever, daemon=True).start()
        self.media_base = f'http://127.0.0.1:{self.args.media_port}'

    # -- the load ------------------------------------------------------------------

    def _count(self, kind, ok, sample='', started=None):
        with self.lock:
            self.sent[kind] += 1
            if started is not None:
                self.latencies[kind].append((time.perf_counter() - started) * 1000)
            if not ok:
                self.errors[kind] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f'{kind}: {sample[:200]}')

    def upload(self, number):
        """One chunked upload through nginx: open, PUT each chunk (round-robin spreads them), finish."""
        http = requests.Session()
        http.cookies.set('session_id', self.admin.session_id)
        csrf = self.admin.csrf_token
        content = make_pdf(f'deployment {number}', size=CHUNK_SIZE * 3 + 1000 + number)
        started = time.perf_counter()
        try:
            response = http.post(self.nginx + SESSION_ROUTE, timeout=TIMEOUT, data={
                'partner_id': self.partner_id, 'name': f'deploy-upload-{number}.pdf', 'size': len(content),
                'sha256': sha256_hex(content), 'csrf_token': csrf})
            self._count('upload (HTTP requests)', response.status_code == 200, response.text)
            if response.status_code != 200:
                raise ValueError(response.text)
            session = response.json()
            size = session['chunk_size']
            for index in range(session['chunk_count']):
                response = http.put(f"{self.nginx}{SESSION_ROUTE}/{session['token']}/chunk/{index}", timeout=TIMEOUT,
                                    files={'chunk': ('blob', content[index * size:(index + 1) * size])},
                                    data={'csrf_token': csrf})
                self._count('upload (HTTP requests)', response.status_code == 200, response.text)
            response = http.post(f"{self.nginx}{SESSION_ROUTE}/{session['token']}/finish", timeout=TIMEOUT,
                                 data={'csrf_token': csrf})
            self._count('upload (HTTP requests)', response.status_code == 200, response.text)
            ok = response.status_code == 200
            if ok:
                with self.lock:
                    self.upload_ids.append(response.json()['document']['id'])
            self._count('upload (sessions)', ok, response.text, started)
        except (requests.RequestException, ValueError, KeyError) as error:
            self._count('upload (sessions)', False, repr(error), started)

    def twilio_delivery(self, index):
        from twilio.request_validator import RequestValidator
        url = f'{self.nginx}/contact_documents/webhook/twilio'
        params = {
            'MessageSid': f'MMdeploy{index:024d}', 'AccountSid': TWILIO_SID, 'From': f'+1555{9000000 + index % 50:07d}',
            'To': '+14155550199', 'Body': 'photos', 'NumMedia': '2',
            'MediaUrl0': f'{self.media_base}/t/{index}/0', 'MediaContentType0': 'image/png',
            'MediaUrl1': f'{self.media_base}/t/{index}/1', 'MediaContentType1': 'image/png',
        }
        return url, params, {'X-Twilio-Signature': RequestValidator(TWILIO_TOKEN).compute_signature(url, params)}

    def meta_delivery(self, index):
        body = json.dumps({'object': 'page', 'entry': [{'id': PAGE_ID, 'time': 1700000000000, 'messaging': [{
            'sender': {'id': f'psiddeploy{index % 50}'}, 'recipient': {'id': PAGE_ID}, 'timestamp': 1700000000000,
            'message': {'mid': f'm_deploy_{index}', 'attachments': [
                {'type': 'image', 'payload': {'url': f'{self.media_base}/m/{index}/0'}},
                {'type': 'file', 'payload': {'url': f'{self.media_base}/m/{index}/1'}}]}}]}]}).encode()
        signature = 'sha256=' + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return f'{self.nginx}/contact_documents/webhook/meta', body, {
            'X-Hub-Signature-256': signature, 'Content-Type': 'application/json'}

    def webhook(self, delivery):
        url, data, headers = delivery
        started = time.perf_counter()
        try:
            response = requests.post(url, data=data, headers=headers, timeout=TIMEOUT)
            self._count('webhook', response.status_code == 200, f'{response.status_code} {response.text}', started)
        except requests.RequestException as error:
            self._count('webhook', False, repr(error))

    def tab(self, _index):
        http = requests.Session()
        http.cookies.set('session_id', self.admin.session_id)
        started = time.perf_counter()
        try:
            response = http.post(f'{self.nginx}/web/dataset/call_kw/contact.document/get_documents_tab_data', json={
                'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': {
                    'model': 'contact.document', 'method': 'get_documents_tab_data',
                    'args': [self.tab_partner_id], 'kwargs': {}}}, timeout=TIMEOUT)
            ok = response.status_code == 200 and 'result' in response.json()
            self._count('tab', ok, response.text, started)
        except (requests.RequestException, ValueError) as error:
            self._count('tab', False, repr(error))

    def load(self):
        count = self.args.webhooks
        deliveries = [self.twilio_delivery(i) for i in range(count)] + [self.meta_delivery(i) for i in range(count)]
        deliveries += deliveries  # every message delivered twice: a provider's retry, to either server
        tasks = ([(self.upload, i) for i in range(self.args.uploads)] + [(self.webhook, d) for d in deliveries]
                 + [(self.tab, i) for i in range(self.args.tab_calls)])
        random.Random(13).shuffle(tasks)
        started = time.perf_counter()
        with ThreadPoolExecutor(SENDERS) as pool:
            list(pool.map(lambda task: task[0](task[1]), tasks))
        self.load_seconds = time.perf_counter() - started
        self.expected_webhook_documents = 4 * count  # two messages per index, two attachments each

    def wait_for_media(self):
        """Wake the download cron of both servers, and wait until every queued media is filed."""
        cron_id = psql(self.db, "SELECT res_id FROM ir_model_data WHERE module = 'contact_documents' "
                                "AND name = 'ir_cron_contact_document_media_fetch'")
        psql(self.db, f"INSERT INTO ir_cron_trigger (cron_id, call_at) VALUES ({cron_id}, now() AT TIME ZONE 'UTC')")
        psql('postgres', f"SELECT pg_notify('cron_trigger', '{self.db}')")
        deadline = time.time() + self.args.media_timeout
        while time.time() < deadline:
            filed = int(psql(self.db, f"SELECT count(*) FROM contact_document WHERE {WEBHOOK_MESSAGES}"))
            pending = int(psql(self.db, "SELECT count(*) FROM contact_document_media WHERE state = 'queued'"))
            if filed >= self.expected_webhook_documents and not pending:
                break
            time.sleep(1)
        self.webhook_filed = int(psql(self.db, f"SELECT count(*) FROM contact_document WHERE {WEBHOOK_MESSAGES}"))
        self.media_failed = int(psql(self.db, "SELECT count(*) FROM contact_document_media WHERE state = 'failed'"))

    # -- checks ----------------------------------------------------------------------

    def check_documents(self):
        self.duplicates = int(psql(self.db, f"""SELECT count(*) FROM (
              SELECT 1 FROM contact_document WHERE {WEBHOOK_MESSAGES}
               GROUP BY partner_id, channel, external_message_id, attachment_index HAVING count(*) > 1
            UNION ALL
              SELECT 1 FROM contact_document WHERE name LIKE 'deploy-upload-%'
               GROUP BY partner_id, name HAVING count(*) > 1) d"""))
        self.uploads_filed = int(psql(self.db, "SELECT count(*) FROM contact_document WHERE name LIKE 'deploy-upload-%'"))
        pages = self.s3.get_paginator('list_objects_v2').paginate(Bucket=self.bucket)
        keys = {item['Key'] for page in pages for item in page.get('Contents', ())}
        self.bucket_objects = len(keys)
        rows = psql(self.db, f"""SELECT a.store_fname FROM contact_document d JOIN ir_attachment a ON a.id = d.attachment_id
            WHERE d.name LIKE 'deploy-upload-%' OR {WEBHOOK_MESSAGES.replace('external_message_id', 'd.external_message_id')}""")
        fnames = rows.splitlines()
        self.documents_in_bucket = sum(
            1 for fname in fnames if fname.partition('://')[0] == STORAGE_CODE and fname.partition('://')[2] in keys)
        self.documents_checked = len(fnames)

    # -- the replica -------------------------------------------------------------------

    def tab_timing(self, url, runs):
        server = Odoo(url, self.db, 'admin', 'admin')
        payload = {'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': {
            'model': 'contact.document', 'method': 'get_documents_tab_data',
            'args': [self.tab_partner_id], 'kwargs': {}}}
        timings, errors = [], 0
        for run in range(runs + 1):
            start = time.perf_counter()
            body = server.http.post(f'{url}/web/dataset/call_kw/contact.document/get_documents_tab_data',
                                    json=payload, timeout=TIMEOUT).json()
            if run:  # the first call warms the worker's caches
                timings.append((time.perf_counter() - start) * 1000)
            errors += 'result' not in body
        return statistics.median(timings), errors, len(body.get('result', {}).get('documents', []) or [])

    def scans(self, port):
        """Reads of contact_document counted by the database (index and sequential scans)."""
        return int(psql(self.db, "SELECT pg_stat_clear_snapshot(); SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) "
                                 "FROM pg_stat_user_tables WHERE relname = 'contact_document'", port=port).splitlines()[-1])

    def replica_log_statements(self):
        with open(self.args.replica_log, errors='replace') as log:
            return sum(1 for line in log if 'statement:' in line and 'contact_document' in line)

    def check_replica(self):
        runs = self.args.tab_runs
        # No cron on the primary while the replica is measured: its reads of contact_document would count.
        psql(self.db, "UPDATE ir_cron SET active = false")
        # Let the replica replay what the load wrote before the timed calls.
        for _attempt in range(60):
            lag = psql('postgres', "SELECT coalesce(pg_last_wal_replay_lsn() >= "
                                   f"'{psql('postgres', 'SELECT pg_current_wal_lsn()')}', false)",
                       port=self.args.replica_port)
            if lag == 't':
                break
            time.sleep(0.5)
        self.primary_ms, primary_errors, _n = self.tab_timing(self.args.servers.split(',')[0], runs)
        time.sleep(11)  # an idle backend flushes its statistics within 10 s
        primary_before, replica_before = self.scans(5432), self.scans(self.args.replica_port)
        log_before = self.replica_log_statements()
        self.replica_ms, replica_errors, self.tab_rows = self.tab_timing(self.args.replica_server, runs)
        time.sleep(11)
        self.primary_scans = self.scans(5432) - primary_before
        self.replica_scans = self.scans(self.args.replica_port) - replica_before
        self.replica_statements = self.replica_log_statements() - log_before
        self.replica_calls = runs + 1
        self.tab_errors = primary_errors + replica_errors

    def server_log_errors(self):
        """ERROR lines of the three servers' logs, by logger: a request's failure, or a cron's."""
        loggers = {}
        for path in filter(None, self.args.server_logs.split(',')):
            with open(path, errors='replace') as log:
                for line in log:
                    fields = line.split()
                    if len(fields) > 5 and fields[3] == 'ERROR':
                        logger = fields[5].rstrip(':')
                        loggers[logger] = loggers.get(logger, 0) + 1
        return ', '.join(f'{logger}: {count}' for logger, count in sorted(loggers.items())) or '0'

    # -- report ----------------------------------------------------------------------

    def report(self):
        uploads, webhooks = self.args.uploads, 4 * self.args.webhooks
        lines = [
            '| Figure | Value |', '|---|---|',
            ('| Servers | 2 Odoo servers (`--workers 2`, `--max-cron-threads 1`, one data dir each, shared '
            'sessions folder) behind nginx round-robin; 1 Odoo server with `--db_replica_host` on a streaming replica |'),
            f'| Load | {SENDERS} concurrent clients through nginx, {self.load_seconds:.1f} s |',
        ]
        for kind, sent in self.sent.items():
            timings = sorted(self.latencies[kind])
            spread = (f'; latency median {statistics.median(timings):.0f} ms, max {timings[-1]:.0f} ms'
                      if timings else '')
            lines.append(f'| Requests sent: {kind} | {sent}, errors: {self.errors[kind]}{spread} |')
        lines += [
            f'| Webhook deliveries | {2 * self.args.webhooks} messages (Twilio + Meta, 2 media each), each delivered twice |',
            (f'| Documents filed | uploads {self.uploads_filed}/{uploads}, webhook media {self.webhook_filed}/{webhooks} '
            f'({self.media_failed} media failed) |'),
            f'| Duplicates (SQL: same message and attachment, or same upload, filed twice) | {self.duplicates} |',
            (f'| Objects in the bucket | {self.bucket_objects}; documents whose object is in it: '
            f'{self.documents_in_bucket}/{self.documents_checked} |'),
            (f'| Tab (`get_documents_tab_data`, {self.tab_rows} rows of a 10,000-document contact), median of '
            f'{self.args.tab_runs} | primary {self.primary_ms:.1f} ms, replica {self.replica_ms:.1f} ms '
            f'(replica / primary {self.replica_ms / self.primary_ms:.2f}x), {self.tab_errors} errors |'),
            (f'| Statements on contact_document for {self.replica_calls} tab calls to the replica server | '
            f'replica log: {self.replica_statements}; scans counted (pg_stat_user_tables): replica '
            f'{self.replica_scans}, primary {self.primary_scans} |'),
        ]
        lines.append(f'| ERROR lines in the servers\' logs | {self.server_log_errors()} |')
        print('\n'.join(lines))
        for sample in self.error_samples:
            print(f'  error: {sample}')
        return not (sum(self.errors.values()) or self.duplicates or self.tab_errors
                    or self.uploads_filed != uploads or self.webhook_filed != webhooks
                    or self.documents_in_bucket != self.documents_checked
                    or not self.replica_statements or self.primary_scans)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--db', required=True)
    parser.add_argument('--nginx', required=True)
    parser.add_argument('--servers', required=True, help="the two balanced servers' URLs, comma-separated")
    parser.add_argument('--replica-server', required=True)
    parser.add_argument('--s3-endpoint', required=True)
    parser.add_argument('--replica-port', type=int, default=5440)
    parser.add_argument('--replica-log', required=True)
    parser.add_argument('--media-port', type=int, required=True)
    parser.add_argument('--server-logs', default='', help="the servers' log files, comma-separated")
    parser.add_argument('--uploads', type=int, default=40)
    parser.add_argument('--webhooks', type=int, default=50, help='messages per channel (each delivered twice)')
    parser.add_argument('--tab-calls', type=int, default=100)
    parser.add_argument('--tab-runs', type=int, default=30)
    parser.add_argument('--media-timeout', type=int, default=240)
    args = parser.parse_args()

    bench = Deployment(args)
    bench.configure()
    print(f'Load through nginx: {args.uploads} chunked uploads, {4 * args.webhooks} webhook deliveries, '
          f'{args.tab_calls} tab calls...', flush=True)
    bench.load()
    print('Waiting for the media downloads...', flush=True)
    bench.wait_for_media()
    bench.check_documents()
    print('Tab on the primary, then on the replica...', flush=True)
    bench.check_replica()
    return 0 if bench.report() else 1


if __name__ == '__main__':
    sys.exit(main())
