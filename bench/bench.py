"""Benchmark runner for contact_documents: started by bench/run.sh, not by the test suite.

Every figure is measured over HTTP, through the calls the web client makes, against an Odoo
server started here on 127.0.0.1, and printed as a markdown table (median of several runs).
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil
import requests
from urllib3 import encode_multipart_formdata

MB = 1024 * 1024
UPLOAD_SIZE = 250 * MB
STOCK_UPLOAD_SIZE = 128 * MB - MB  # the largest file stock Odoo accepts, with room for the multipart envelope
TAB_RUNS = 15
SENDERS = 8  # concurrent webhook senders
SECTIONS = ('email', 'webhooks', 'tab', 'upload', 'scale')
BENCH_CONTACTS = ('Bench Contact 100', 'Bench Contact 1000', 'Bench Contact 5000', 'Bench Contact 20000',
                  'Bench Company')
RESULTS = []
USED_PORTS = set()


def free_port():
    """A free port on loopback: any, or one of BENCH_PORTS (e.g. 18100-18199) when set."""
    first, _sep, last = os.environ.get('BENCH_PORTS', '0-0').partition('-')
    for port in range(int(first), int(last or first) + 1):
        with socket.socket() as sock:
            try:
                sock.bind(('127.0.0.1', port))
            except OSError:
                continue
            if port not in USED_PORTS or not port:
                USED_PORTS.add(port)
                return sock.getsockname()[1]
    raise RuntimeError('no free port in BENCH_PORTS')


def record(figure, target, measured, ratio='', passed=None):
    verdict = '' if passed is None else ('met' if passed else '**missed**')
    RESULTS.append((figure, target, measured, ratio, verdict))
    print(f'  {figure}: {measured} {ratio} {verdict}', flush=True)


# ----------------------------------------------------------------------
# Odoo server
# ----------------------------------------------------------------------

def odoo_command():
    """How to start Odoo: its odoo-bin script in a source install.

    ``python -m odoo`` serves, but a multi-worker server restarts its gevent
    (websocket) process from ``sys.argv[0]``, which is then ``odoo/__main__.py``:
    that fails, and is retried every second, taking CPU from what is measured.
    """
    import odoo  # noqa: PLC0415 - the benchmark's own process does not run Odoo
    for path in odoo.__path__:
        odoo_bin = os.path.join(os.path.dirname(os.path.abspath(path)), 'odoo-bin')
        if os.path.exists(odoo_bin):
            return [odoo_bin]
    return ['-m', 'odoo']


class OdooServer:
    def __init__(self, args, db, workers=0):
        self.args, self.db, self.workers = args, db, workers
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.log = open(os.path.join(args.tmp, f'odoo-{self.port}.log'), 'w')
        command = [
            args.python, *odoo_command(), 'server', '--addons-path', args.addons_path, '-d', db,
            '--db-filter', f'^{db}$', '--data-dir', args.data_dir, '--http-interface', '127.0.0.1',
            '--http-port', str(self.port), '--gevent-port', str(free_port()), '--log-level', 'warn',
            '--workers', str(workers), '--max-cron-threads', '2' if workers else '0',
            '--limit-memory-soft', str(4096 * MB), '--limit-memory-hard', str(6144 * MB),
            '--limit-time-real', '600', '--limit-time-cpu', '600',
        ]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self.ps = psutil.Process(self.process.pid)
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if requests.get(f'{self.url}/web/login', timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f'Odoo did not start, see {self.log.name}')

    def check_quiet(self):
        """Fail when a multi-worker server keeps restarting its gevent process: that takes a core from the figures.

        Odoo restarts it every second when it cannot start (a broken gevent or
        zope install makes ``gevent.monkey`` fail in the child process).
        """
        if not self.workers:
            return
        time.sleep(3)
        self.log.flush()
        with open(self.log.name) as log:
            crashes = log.read().count('Traceback')
        if crashes:
            raise RuntimeError(f'Odoo keeps failing to start a process ({crashes} tracebacks in {self.log.name}): '
                               'fix the installation (e.g. python -c "import gevent.monkey; gevent.monkey.patch_all()") '
                               'before measuring.')

    def rss(self):
        total = 0
        for process in [self.ps, *self.ps.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class PeakMemory:
    """Samples the server's resident memory every few milliseconds while a block runs."""

    def __init__(self, server):
        self.server = server

    def __enter__(self):
        self.idle = self.server.rss()
        self.peak = self.idle
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, self.server.rss())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()

    @property
    def above_idle(self):
        return self.peak - self.idle


def login(url, db):
    session = requests.Session()
    page = session.get(f'{url}/web/login', timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    session.post(f'{url}/web/login', data={'login': 'admin', 'password': 'admin', 'db': db, 'csrf_token': csrf},
                 timeout=30)
    home = session.get(f'{url}/odoo', timeout=60)
    session.csrf = re.search(r'csrf_token: "([^"]+)"', home.text).group(1)
    return session


def call_kw(session, url, model, method, args, kwargs=None):
    response = session.post(f'{url}/web/dataset/call_kw/{model}/{method}', json={
        'jsonrpc': '2.0', 'method': 'call', 'id': 1,
        'params': {'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {}},
    }, timeout=60)
    body = response.json()
    if 'error' in body:
        raise RuntimeError(body['error'])
    return body['result']


def median_ms(function, runs=TAB_RUNS):
    function()  # warm caches, as a user opening the tab a second time
    timings = []
    for _run in range(runs):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def psql(args, sql):
    return subprocess.run(['psql', '-X', '-Atq', '-d', args.db, '-c', sql], check=True,
                          capture_output=True, text=True).stdout.strip()


# ----------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------

def bench_tab(args, server, session, partner, scale=1):
    """The Documents tab at one size of the database; returns its figures, for the growth between sizes."""
    def tab(partner_id, **kwargs):
        return lambda: call_kw(session, server.url, 'contact.document', 'get_documents_tab_data', [partner_id], kwargs)

    size = f'{scale}M documents'
    growth = {}
    for count in (100, 1000, 5000, 20000):
        growth[count] = median_ms(tab(partner[f'Bench Contact {count}']))
    record(f'{size}: open the Documents tab, contact with 20,000 documents (page + 4 counts)', '< 50 ms',
           f'{growth[20000]:.1f} ms', passed=growth[20000] < 50)
    company = median_ms(tab(partner['Bench Company']))
    record(f'{size}: open the Documents tab, company whose people hold {100000 * scale:,}', '< 150 ms',
           f'{company:.1f} ms', passed=company < 150)
    curve = ', '.join(f'{count:,}: {ms:.1f} ms' for count, ms in growth.items())
    record(f'{size}: tab growth from 100 to 20,000 documents', 'flat, not linear', curve,
           f'20,000 / 100 = {growth[20000] / growth[100]:.2f}x', passed=growth[20000] / growth[100] < 3)
    search = median_ms(tab(partner['Bench Contact 20000'], search='ent 1234'))
    record(f'{size}: search by part of a name in that contact', '< 50 ms', f'{search:.1f} ms', passed=search < 50)
    return {'contact with 20,000': growth[20000], 'company': company, 'search': search}


def seed(args, db, scale):
    """Seed ``db`` with bench/seed.sql at ``scale`` (1: 1,000,000 documents); returns the seconds it took."""
    print(f'Seeding {50000 * scale:,} contacts and {1000000 * scale:,} documents...', flush=True)
    start = time.perf_counter()
    subprocess.run(['psql', '-X', '-q', '-d', db, '-v', f'scale={scale}', '-f', args.seed], check=True,
                   capture_output=True)
    elapsed = time.perf_counter() - start
    print(f'  seeded in {elapsed:.0f} s', flush=True)
    return elapsed


def bench_scale(args, figures_1m):
    """The same figures with ten times the data, seeded in a copy of the freshly installed database."""
    args10 = argparse.Namespace(**{**vars(args), 'db': args.scale_db})
    elapsed = seed(args10, args.scale_db, 10)
    record('Seed 500,000 contacts and 10,000,000 documents (bench/seed.sql, scale 10)', '< 10 minutes',
           f'{elapsed / 60:.1f} minutes', passed=elapsed < 600)
    server = OdooServer(args10, args.scale_db)
    try:
        session = login(server.url, args.scale_db)
        partner = {name: int(psql(args10, f"SELECT id FROM res_partner WHERE name = '{name}'"))
                   for name in BENCH_CONTACTS}
        figures_10m = bench_tab(args10, server, session, partner, scale=10)
    finally:
        server.stop()
    record('Growth from 1M to 10M documents (the company holds 100,000 then 1,000,000)', 'flat, not linear',
           ', '.join(f'{name}: {figures_1m[name]:.1f} -> {figures_10m[name]:.1f} ms' for name in figures_1m),
           ', '.join(f'{name} {figures_10m[name] / figures_1m[name]:.2f}x' for name in figures_1m),
           passed=all(figures_10m[name] / figures_1m[name] < 3 for name in figures_1m))


def search_plan(args, partner_id):
    """The tab's own query for a search (page and counts), explained by PostgreSQL."""
    script = f"""
from odoo.tools import SQL
Document = env['contact.document'].with_user(env.ref('base.user_admin'))
domain = Document._tab_domain(env['res.partner'].browse({partner_id}), 'ent 1234')
query = Document._searched_tab_query(domain, None, 0, 40)
env.cr.execute(SQL('EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) %s', query))
print('PLAN-BEGIN')
print('\\n'.join(row[0] for row in env.cr.fetchall()))
print('PLAN-END')
"""
    output = subprocess.run(
        [args.python, '-m', 'odoo', 'shell', '-d', args.db, '--addons-path', args.addons_path,
         '--data-dir', args.data_dir, '--no-http', '--log-level', 'warn'],
        input=script, capture_output=True, text=True, timeout=300).stdout
    plan = output.split('PLAN-BEGIN')[-1].split('PLAN-END')[0].strip()
    uses_trigram = 'contact_document__name_index' in plan
    record('Search query plan uses the trigram index', 'GIN index on name',
           'yes' if uses_trigram else 'no (see plan)', passed=uses_trigram)
    return plan


def make_file(path, size, head=b'%PDF-1.4\n'):
    block = bytes(range(256)) * 4096
    with open(path, 'wb') as file:
        file.write(head)
        written = len(head)
        while written < size:
            written += file.write(block[:size - written])


class Sink(BaseHTTPRequestHandler):
    """Receives a request body into a file: copying the bytes over loopback to disk."""

    def do_POST(self):
        remaining = int(self.headers['Content-Length'])
        with tempfile.TemporaryFile() as copy:
            while remaining:
                chunk = self.rfile.read(min(remaining, MB))
                copy.write(chunk)
                remaining -= len(chunk)
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


def timed_upload(session, url, path, data, runs=3):
    """Median time to POST ``path`` as a multipart ``ufile``, the body encoded once beforehand.

    Encoding outside the timing makes the client's cost the same for every
    target, so the figures compare what the servers do with the bytes. Each
    run sends other bytes (a counter after the file's first line), as users
    upload new files: the server never finds the same content stored already.
    """
    with open(path, 'rb') as file:
        body, content_type = encode_multipart_formdata(
            [*((key, str(value)) for key, value in data.items()), ('ufile', (os.path.basename(path), file.read(), 'application/pdf'))])
    body = bytearray(body)
    marker = body.index(b'%PDF-1.4\n') + len(b'%PDF-1.4\n')
    timings = []
    for _run in range(runs):
        body[marker:marker + 16] = f'{time.time_ns():016x}'[-16:].encode()
        payload = bytes(body)
        start = time.perf_counter()
        response = session.post(url, data=payload, headers={'Content-Type': content_type}, timeout=600)
        timings.append(time.perf_counter() - start)
        response.raise_for_status()
        del payload
    del body
    return statistics.median(timings), response


def bench_upload_download(args, server, session, partner):
    big = os.path.join(args.tmp, 'bench-250mb.pdf')
    stock_file = os.path.join(args.tmp, 'bench-127mb.pdf')
    make_file(big, UPLOAD_SIZE)
    make_file(stock_file, STOCK_UPLOAD_SIZE)
    sink = ThreadingHTTPServer(('127.0.0.1', free_port()), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sink_url = f'http://127.0.0.1:{sink.server_address[1]}/'
    loopback, _response = timed_upload(requests.Session(), sink_url, big, {'partner_id': '1'})

    contact = partner['Bench Contact 100']
    with PeakMemory(server) as memory:
        upload_time, response = timed_upload(
            session, f'{server.url}/contact_documents/upload', big,
            {'partner_id': contact, 'csrf_token': session.csrf}, runs=1)
    document_id = response.json()['documents'][0]['id']
    upload_time, _response = timed_upload(
        session, f'{server.url}/contact_documents/upload', big, {'partner_id': contact, 'csrf_token': session.csrf})
    ours_ratio = memory.above_idle / UPLOAD_SIZE
    stock_loopback, _response = timed_upload(requests.Session(), sink_url, stock_file, {'partner_id': '1'})
    with PeakMemory(server) as stock_memory:
        stock_time, _response = timed_upload(
            session, f'{server.url}/web/binary/upload_attachment', stock_file,
            {'model': 'res.partner', 'id': contact, 'csrf_token': session.csrf}, runs=1)
    stock_ratio = stock_memory.above_idle / STOCK_UPLOAD_SIZE
    record('Upload 250 MB: peak memory above idle', '<= 1.5x file size',
           f'{memory.above_idle / MB:.0f} MB = {ours_ratio:.2f}x',
           f'stock /web/binary/upload_attachment, 127 MB: {stock_memory.above_idle / MB:.0f} MB = {stock_ratio:.2f}x',
           passed=ours_ratio <= 1.5)
    record('Upload 250 MB in one request: time', '<= 2x loopback copy to disk, and below stock\'s ratio',
           f'{upload_time:.2f} s',
           f'loopback copy {loopback:.2f} s: {upload_time / loopback:.2f}x; stock upload_attachment, 127 MB: '
           f'{stock_time:.2f} s = {stock_time / stock_loopback:.2f}x its loopback copy',
           passed=upload_time / loopback <= 2 and upload_time / loopback < stock_time / stock_loopback)

    document_attachment_id = call_kw(
        session, server.url, 'contact.document', 'read', [[document_id], ['attachment_id']])[0]['attachment_id'][0]
    # Odoo's /web/content refuses a document's own file (only the addon's routes, which audit,
    # serve it): stock Odoo is measured on a plain copy of the same file on the contact.
    attachment_id = call_kw(session, server.url, 'ir.attachment', 'copy', [[document_attachment_id]],
                            {'default': {'res_model': 'res.partner', 'res_id': contact}})[0]

    def download(url):
        start = time.perf_counter()
        with session.get(url, stream=True, timeout=600) as response:
            response.raise_for_status()
            size = sum(len(chunk) for chunk in response.iter_content(MB))
        assert size == UPLOAD_SIZE, size
        return time.perf_counter() - start

    ours_url = f'{server.url}/contact_documents/{document_id}/download'
    stock_url = f'{server.url}/web/content/{attachment_id}?download=true'
    download(ours_url)
    download(stock_url)
    ours_timings, stock_timings = [], []
    with PeakMemory(server) as peak:
        # Interleaved, so that both see the same machine.
        for _run in range(5):
            ours_timings.append(download(ours_url))
            stock_timings.append(download(stock_url))
    ours_memory = peak.above_idle
    ours = UPLOAD_SIZE / MB / statistics.median(ours_timings)
    stock = UPLOAD_SIZE / MB / statistics.median(stock_timings)
    record('Download 250 MB: memory above idle', '< 50 MB', f'{ours_memory / MB:.1f} MB', passed=ours_memory < 50 * MB)
    record('Download 250 MB: throughput', 'within 1.2x of stock /web/content', f'{ours:.0f} MB/s',
           f'stock {stock:.0f} MB/s: {stock / ours:.2f}x', passed=stock / ours <= 1.2)
    ranged = session.get(f'{server.url}/contact_documents/{document_id}/download',
                         headers={'Range': 'bytes=0-1023'}, timeout=60)
    record('Download with Range', '206', f'{ranged.status_code}, {len(ranged.content)} bytes',
           passed=ranged.status_code == 206 and len(ranged.content) == 1024)
    sink.shutdown()
    os.unlink(stock_file)
    return big, upload_time


# ----------------------------------------------------------------------
# Large files: chunked upload through a reverse proxy, ZIP download
# ----------------------------------------------------------------------

NGINX_CONF = """
daemon off;
master_process off;
pid {tmp}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 16m;
        proxy_read_timeout 600s;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
        }}
    }}
}}
"""


class Nginx:
    """Debian's nginx in front of Odoo on loopback, limited to 16 MB per request, as many proxies are."""

    def __init__(self, args, upstream_port):
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        conf = os.path.join(args.tmp, 'nginx.conf')
        with open(conf, 'w') as file:
            file.write(NGINX_CONF.format(tmp=args.tmp, port=self.port, upstream=upstream_port))
        self.process = subprocess.Popen(
            ['nginx', '-p', args.tmp, '-e', os.path.join(args.tmp, 'nginx-error.log'), '-c', conf],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                requests.get(f'{self.url}/web/login', timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError('nginx did not start, see nginx-error.log in the benchmark folder')

    def stop(self):
        self.process.terminate()
        self.process.wait(30)


def chunked_upload(session, base_url, path, partner_id, sha256):
    """Upload ``path`` as the Add Documents modal does: open a session, PUT each chunk, finish."""
    size = os.path.getsize(path)
    sessions_url = f'{base_url}/contact_documents/upload/session'
    opened = session.post(sessions_url, data={
        'partner_id': partner_id, 'name': os.path.basename(path), 'size': size, 'sha256': sha256,
        'csrf_token': session.csrf}, timeout=60)
    opened.raise_for_status()
    status = opened.json()
    with open(path, 'rb') as file:
        for index in range(status['chunk_count']):
            chunk = file.read(status['chunk_size'])
            response = session.put(f"{sessions_url}/{status['token']}/chunk/{index}",
                                   data={'csrf_token': session.csrf}, files={'chunk': ('blob', chunk)}, timeout=120)
            response.raise_for_status()
    finished = session.post(f"{sessions_url}/{status['token']}/finish", data={'csrf_token': session.csrf}, timeout=600)
    finished.raise_for_status()
    return status['chunk_count'], status['chunk_size']


def bench_chunked_upload(args, server, session, partner, big, one_request):
    nginx = Nginx(args, server.port)
    try:
        sha256 = hashlib.sha256()
        with open(big, 'rb') as file:
            while block := file.read(MB):
                sha256.update(block)
        contact = partner['Bench Contact 1000']
        try:
            single = timed_upload(session, f'{nginx.url}/contact_documents/upload', big,
                                  {'partner_id': contact, 'csrf_token': session.csrf}, runs=1)[1].status_code
        except requests.HTTPError as error:
            single = error.response.status_code
        except requests.ConnectionError:
            single = 'connection closed by the proxy'
        chunked_upload(session, nginx.url, big, contact, sha256.hexdigest())  # warm up
        timings = []
        with PeakMemory(server) as memory:
            for _run in range(3):
                start = time.perf_counter()
                chunks, chunk_size = chunked_upload(session, nginx.url, big, contact, sha256.hexdigest())
                timings.append(time.perf_counter() - start)
        elapsed = statistics.median(timings)
        record('Upload 250 MB in chunks through nginx (client_max_body_size 16m)',
               'works behind a 16 MB proxy, <= 1.5x the one-request upload',
               f'{elapsed:.2f} s, {chunks} chunks of {chunk_size // MB} MB',
               f'one request (direct) {one_request:.2f} s: {elapsed / one_request:.2f}x; Odoo peak memory above idle '
               f'{memory.above_idle / MB:.0f} MB = {memory.above_idle / UPLOAD_SIZE:.2f}x; '
               f'the same file in one request through the proxy: {single}',
               passed=single != 200 and memory.above_idle <= 1.5 * UPLOAD_SIZE and elapsed / one_request <= 1.5)
    finally:
        nginx.stop()


def bench_zip(args, server, session, partner):
    contact = partner['Bench Contact 100']
    ids = psql(args, f"SELECT string_agg(id::text, ',') FROM (SELECT id FROM contact_document WHERE partner_id = {contact} "
                     f"AND file_size = {UPLOAD_SIZE} ORDER BY id LIMIT 4) big")
    expected = 4 * UPLOAD_SIZE
    with PeakMemory(server) as memory:
        start = time.perf_counter()
        with session.get(f'{server.url}/contact_documents/zip', params={'ids': ids}, stream=True, timeout=600) as response:
            response.raise_for_status()
            size = sum(len(chunk) for chunk in response.iter_content(MB))
        elapsed = time.perf_counter() - start
    record('ZIP download of 1 GB (4 documents of 250 MB)', 'streamed: memory flat',
           f'{memory.above_idle / MB:.1f} MB above idle', f'{size / MB:.0f} MB archive in {elapsed:.1f} s',
           passed=size >= expected and memory.above_idle < 50 * MB)


# ----------------------------------------------------------------------
# Webhooks
# ----------------------------------------------------------------------

# The documents this run's webhooks file (the seeded ones have no external message id).
BENCH_MESSAGES = "(external_message_id LIKE 'MMbench%' OR external_message_id LIKE 'm\\_bench\\_%')"
TWILIO_SID, TWILIO_TOKEN, META_SECRET, PAGE_ID = 'AC' + 'b0' * 16, 'bench-token-1234567890', 'bench-meta-secret', '1000000001'


class Media(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'\x89PNG\r\n\x1a\n' + hashlib.sha256(self.path.encode()).digest() * 64
        self.send_response(200)
        self.send_header('Content-Type', 'image/png')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def configure_channels(args, media_host):
    psql(args, f"""
        UPDATE res_company SET contact_documents_twilio_account_sid = '{TWILIO_SID}',
            contact_documents_twilio_auth_token = '{TWILIO_TOKEN}', contact_documents_meta_app_secret = '{META_SECRET}',
            contact_documents_meta_page_ids = '{PAGE_ID}', contact_documents_create_unknown = true,
            contact_documents_media_hosts = '{media_host}' WHERE id = 1;
        INSERT INTO ir_config_parameter (key, value) VALUES ('contact_documents.media_http_hosts', '{media_host}')
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
    """)


def bench_webhooks(args):
    from twilio.request_validator import RequestValidator  # noqa: PLC0415 - a test requirement only

    media = ThreadingHTTPServer(('127.0.0.1', free_port()), Media)
    threading.Thread(target=media.serve_forever, daemon=True).start()
    media_base = f'http://127.0.0.1:{media.server_address[1]}'
    configure_channels(args, '127.0.0.1')
    server = OdooServer(args, args.db, workers=2)
    try:
        server.check_quiet()
        base_url = psql(args, "SELECT value FROM ir_config_parameter WHERE key = 'web.base.url'")
        twilio_url = base_url.rstrip('/') + '/contact_documents/webhook/twilio'
        validator = RequestValidator(TWILIO_TOKEN)
        count = args.webhook_requests

        def twilio_request(index, kind=''):
            params = {
                'MessageSid': f'MMbench{kind}{index:026d}', 'AccountSid': TWILIO_SID, 'From': f'+1555{index % 500 + (500 if kind else 0):07d}',
                'To': '+14155550199', 'Body': 'photos', 'NumMedia': '2',
                'MediaUrl0': f'{media_base}/t/{index}/0', 'MediaContentType0': 'image/png',
                'MediaUrl1': f'{media_base}/t/{index}/1', 'MediaContentType1': 'image/png',
            }
            return ('twilio', params, {'X-Twilio-Signature': validator.compute_signature(twilio_url, params)})

        def meta_request(index, kind=''):
            body = json.dumps({'object': 'page', 'entry': [{'id': PAGE_ID, 'time': 1700000000000, 'messaging': [{
                'sender': {'id': f'psid{index % 500 + (500 if kind else 0)}'}, 'recipient': {'id': PAGE_ID}, 'timestamp': 1700000000000,
                'message': {'mid': f'm_bench_{kind}{index}', 'attachments': [
                    {'type': 'image', 'payload': {'url': f'{media_base}/m/{index}/0'}},
                    {'type': 'file', 'payload': {'url': f'{media_base}/m/{index}/1'}}]}}]}]}).encode()
            signature = 'sha256=' + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
            return ('meta', body, {'X-Hub-Signature-256': signature, 'Content-Type': 'application/json'})

        # Each message twice: deliveries are retried, and the second copy must file nothing.
        deliveries = [twilio_request(i) for i in range(count)] + [meta_request(i) for i in range(count)]
        deliveries += deliveries[: count // 2]
        local = threading.local()

        def session():
            local.session = getattr(local, 'session', None) or requests.Session()
            return local.session

        def send(delivery):
            kind, data, headers = delivery
            url = f'{server.url}/contact_documents/webhook/{kind}'
            start = time.perf_counter()
            status = session().post(url, data=data, headers=headers, timeout=60).status_code
            return status, time.perf_counter() - start

        def version_info(_index):
            start = time.perf_counter()
            status = session().post(f'{server.url}/web/webclient/version_info', json={
                'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': {}}, timeout=60).status_code
            return status, time.perf_counter() - start

        def health(_index):
            start = time.perf_counter()
            status = session().get(f'{server.url}/web/health', timeout=60).status_code
            return status, time.perf_counter() - start

        def rate(function, items):
            start = time.perf_counter()
            with ThreadPoolExecutor(SENDERS) as pool:
                results = list(pool.map(function, items))
            elapsed = time.perf_counter() - start
            latencies = sorted(latency for _status, latency in results)
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
            return [status for status, _latency in results], len(results) / elapsed, p99, start

        rate(version_info, range(2 * SENDERS))  # every worker up and warm
        rate(health, range(2 * SENDERS))
        _statuses, version_rate, version_p99, _start = rate(version_info, range(len(deliveries)))
        _statuses, health_rate, _p99, _start = rate(health, range(len(deliveries)))

        # A backlog of media, queued while the download cron is off, then downloaded while the
        # webhooks below are measured: the acknowledgements compete with downloads, and the
        # downloads' pace is the cron's own, not the pace at which webhooks queue them.
        cron_id = psql(args, "SELECT res_id FROM ir_model_data WHERE module = 'contact_documents' "
                             "AND name = 'ir_cron_contact_document_media_fetch'")
        psql(args, f"UPDATE ir_cron SET active = false WHERE id = {cron_id}")
        backlog = [twilio_request(i, 'b') for i in range(count)] + [meta_request(i, 'b') for i in range(count)]
        backlog_statuses = rate(send, backlog)[0]
        psql(args, f"UPDATE ir_cron SET active = true WHERE id = {cron_id}; "
                   f"INSERT INTO ir_cron_trigger (cron_id, call_at) VALUES ({cron_id}, now() AT TIME ZONE 'UTC')")
        subprocess.run(['psql', '-X', '-Atq', '-d', 'postgres', '-c', f"SELECT pg_notify('cron_trigger', '{args.db}')"],
                       check=True, capture_output=True)
        backlog_start = time.perf_counter()
        statuses, webhook_rate, webhook_p99, start = rate(send, deliveries)
        acknowledged = statuses.count(200)
        record(f'Webhooks acknowledged (Twilio + Meta, 2 attachments each, 2 workers, {SENDERS} senders, '
               'media downloads running)', '>= 0.7x /web/webclient/version_info',
               f'{webhook_rate:.0f} requests/s, {acknowledged}/{len(deliveries)} answered 200',
               f'version_info {version_rate:.0f} requests/s: {webhook_rate / version_rate:.2f}x; '
               f'/web/health {health_rate:.0f} requests/s',
               passed=acknowledged == len(deliveries) and webhook_rate >= 0.7 * version_rate)
        record(f'Webhook acknowledgement latency, p99 at {SENDERS} senders', '< 100 ms', f'{webhook_p99:.0f} ms',
               f'version_info p99 {version_p99:.0f} ms', passed=webhook_p99 < 100)

        expected = 8 * count
        backlog_messages = "(external_message_id LIKE 'MMbenchb%' OR external_message_id LIKE 'm\\_bench\\_b%')"
        deadline = time.time() + args.webhook_timeout
        filed, backlog_elapsed = 0, None
        while time.time() < deadline:
            if backlog_elapsed is None and int(psql(args, f"SELECT count(*) FROM contact_document WHERE {backlog_messages}")) >= 4 * count:
                backlog_elapsed = time.perf_counter() - backlog_start
            filed = int(psql(args, f"SELECT count(*) FROM contact_document WHERE {BENCH_MESSAGES}"))
            pending = int(psql(args, "SELECT count(*) FROM contact_document_media WHERE state = 'queued'"))
            if filed >= expected and not pending:
                break
            time.sleep(0.2)
        media_elapsed = time.perf_counter() - start
        duplicates = int(psql(args, f"""SELECT count(*) FROM (SELECT 1 FROM contact_document
            WHERE {BENCH_MESSAGES} GROUP BY partner_id, channel, external_message_id, attachment_index
            HAVING count(*) > 1) d"""))
        failed = int(psql(args, "SELECT count(*) FROM contact_document_media WHERE state = 'failed'"))
        backlog_rate = 4 * count / backlog_elapsed if backlog_elapsed else 0
        record('Media to documents (a backlog served from loopback, while webhooks are acknowledged)',
               '>= 150 documents/s, no duplicate, none lost', f'{backlog_rate:.1f} documents/s',
               f'{4 * count} queued in {backlog_statuses.count(200)} webhooks, filed in {backlog_elapsed or 0:.1f} s; '
               f'all: {filed}/{expected} filed, {duplicates} duplicated, {failed} failed, '
               f'{filed / media_elapsed:.1f} documents/s from the measured webhooks\' first to the last file',
               passed=filed == expected and not duplicates and not failed and backlog_rate >= 150)
    finally:
        server.stop()
        media.shutdown()


# ----------------------------------------------------------------------
# Email sync overhead
# ----------------------------------------------------------------------

EMAIL_SCRIPT = r"""
import statistics, time
from email.message import EmailMessage
# Odoo's loop protection bounces a sender's 21st email within two hours: not what is measured here.
env['ir.config_parameter'].set_param('mail.gateway.loop.threshold', 1000000)
partner = env['res.partner'].create({'name': 'Bench Mail Sender', 'email': 'sender@bench.example.com'})
files = [(f'file{i}.pdf', b'%PDF-1.4\n' + bytes(range(256)) * (200 * (i + 1)), 'application/pdf') for i in range(5)]
def email(index):
    message = EmailMessage()
    message['From'], message['To'], message['Subject'] = 'sender@bench.example.com', 'in@bench.example.com', f'Files {index}'
    message['Message-Id'] = f'<bench-{index}@bench.example.com>'
    message.set_content('Five files attached.')
    for name, content, mimetype in files:
        message.add_attachment(content, maintype='application', subtype='pdf', filename=name)
    return message.as_string()
timings = []
for index in range(RUNS + 3):
    raw = email(index)
    start = time.perf_counter()
    env['mail.thread'].message_process('res.partner', raw, thread_id=partner.id)
    # What runs at commit counts too (work deferred to the commit is still work), the commit itself not.
    env.cr.precommit.run()
    env.flush_all()
    if index >= 3:
        timings.append((time.perf_counter() - start) * 1000)
print('TIMINGS-MS', ' '.join(f'{timing:.3f}' for timing in timings))
print('DOCUMENTS', env['contact.document'].search_count([('partner_id', '=', partner.id)]) if 'contact.document' in env else 0)
env.cr.rollback()
"""


def email_timings(args, db, addons_path):
    output = subprocess.run(
        [args.python, '-m', 'odoo', 'shell', '-d', db, '--addons-path', addons_path, '--data-dir', args.data_dir,
         '--no-http', '--log-level', 'warn'],
        input=EMAIL_SCRIPT.replace('RUNS', str(args.email_runs)), capture_output=True, text=True, timeout=600).stdout
    timings = [float(value) for value in re.search(r'TIMINGS-MS (.*)', output).group(1).split()]
    return timings, int(re.search(r'DOCUMENTS (\d+)', output).group(1))


def bench_email(args):
    # Rounds alternate between the two databases, so that both see the same machine.
    with_addon, stock = [], []
    for _round in range(args.email_rounds):
        timings, documents = email_timings(args, args.db, args.addons_path)
        with_addon += timings
        stock += email_timings(args, args.stock_db, args.stock_addons_path)[0]
    ours, theirs = statistics.median(with_addon), statistics.median(stock)
    ratio = ours / theirs
    record('Email sync overhead: message_process, 5 attachments', 'ratio <= 1.10',
           f'{ours:.1f} ms with the addon ({documents // (args.email_runs + 3)} documents each)',
           f'{theirs:.1f} ms without: {ratio:.2f}x', passed=ratio <= 1.10)


def main():
    parser = argparse.ArgumentParser()
    for name in ('db', 'stock_db', 'python', 'addons_path', 'stock_addons_path', 'data_dir', 'tmp', 'machine'):
        parser.add_argument(f'--{name.replace("_", "-")}', required=True)
    parser.add_argument('--webhook-requests', type=int, default=200)
    parser.add_argument('--webhook-timeout', type=int, default=240)
    parser.add_argument('--email-runs', type=int, default=30)
    parser.add_argument('--email-rounds', type=int, default=3)
    parser.add_argument('--output', required=True)
    parser.add_argument('--seed', required=True)
    parser.add_argument('--scale-db', help='a copy of the freshly installed database, seeded ten times larger (scale)')
    parser.add_argument('--only', default=','.join(SECTIONS),
                        help=f'comma-separated sections to run, in this order: {", ".join(SECTIONS)}')
    args = parser.parse_args()
    sections = set(args.only.split(','))
    plan = None

    # Before seeding: both databases are then of the same size.
    if 'email' in sections:
        print('Email sync overhead...', flush=True)
        bench_email(args)
    if 'webhooks' in sections:
        # Before seeding too: its figures are the channels', not the database size's.
        print('Webhooks...', flush=True)
        bench_webhooks(args)
    figures_1m = None
    if sections & {'tab', 'upload'}:
        seed(args, args.db, 1)
        server = OdooServer(args, args.db)
        try:
            session = login(server.url, args.db)
            partner = {name: int(psql(args, f"SELECT id FROM res_partner WHERE name = '{name}'"))
                       for name in BENCH_CONTACTS}
            if 'tab' in sections:
                print('Documents tab...', flush=True)
                figures_1m = bench_tab(args, server, session, partner)
            if 'upload' in sections:
                print('Upload and download...', flush=True)
                big, one_request = bench_upload_download(args, server, session, partner)
                print('Chunked upload through nginx, ZIP download...', flush=True)
                bench_chunked_upload(args, server, session, partner, big, one_request)
                bench_zip(args, server, session, partner)
                os.unlink(big)
        finally:
            server.stop()
        if 'tab' in sections:
            plan = search_plan(args, partner['Bench Contact 20000'])
    if 'scale' in sections and figures_1m and args.scale_db:
        print('Ten times the data...', flush=True)
        bench_scale(args, figures_1m)

    lines = [
        f'Measured {time.strftime("%Y-%m-%d")} on {args.machine}.', '',
        '| figure | target | measured | baseline / ratio | result |', '|---|---|---|---|---|',
        *(f'| {figure} | {target} | {measured} | {ratio} | {verdict} |' for figure, target, measured, ratio, verdict in RESULTS),
    ]
    if plan:
        lines += ['', 'Query plan of the search (the tab\'s query: counts and first page, `EXPLAIN (ANALYZE, BUFFERS)`):',
                  '', '```', plan, '```']
    report = '\n'.join(lines)
    print('\n' + report)
    with open(args.output, 'w') as file:
        file.write(report + '\n')
    return 0 if all(verdict != '**missed**' for *_rest, verdict in RESULTS) else 1


if __name__ == '__main__':
    sys.exit(main())
