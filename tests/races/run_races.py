#!/usr/bin/env python3
"""Idempotency of contact_documents under real concurrency.

Odoo's test framework serializes HTTP requests, so races are proven here,
against a running multi-worker (prefork) Odoo server with the addon
installed, over plain HTTP: ``scripts/test.sh`` starts one on its test
database after the unit tests and runs

    run_races.py --url http://127.0.0.1:8269 --db DB [--login admin --password admin]

Each race sends identical or conflicting requests at the same instant (one
thread and one connection per request, released together by a barrier),
then checks over JSON-RPC what the database holds. One PASS/FAIL line per
race with its numbers, then the summary ``races: N passed, N failed``
(exit status 1 when a race fails, 2 when the server cannot be set up).

Needs only Python 3 and ``requests``; Odoo's test loader never imports this
folder (no ``__init__.py``, not a ``test_*`` module).
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import threading
import time
import traceback
import uuid
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import requests

TIMEOUT = 120
EVENTS_ROUTE = '/contact_documents/webhook/events'
SIGNATURE_HEADER = 'X-Contact-Documents-Signature'
SESSION_ROUTE = '/contact_documents/upload/session'
CHUNK_SIZE_PARAM = 'contact_documents.upload_chunk_size'
# The smallest chunk the server accepts: several chunks per file with little traffic.
CHUNK_SIZE = 64 * 1024
UPLOAD_SIZE = 10 * CHUNK_SIZE + 12345
# Seconds the tampered chunk starts after the finish, one per round in turn: the
# harm is done when the chunk is written between the finish reading the file and
# moving it into the filestore, a window of a few milliseconds.
TAMPER_OFFSETS = (0, 0.001, 0.002, 0.003)


class SetupError(Exception):
    pass


# What a race may raise besides a wrong result: it fails that race, not the others.
RACE_ERRORS = (SetupError, requests.RequestException, ValueError, KeyError, TypeError)


# ----------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------

def make_png(width=1, height=1, rgb=(200, 30, 30)):
    """A valid RGB PNG of one colour."""
    def chunk(kind, data):
        return (len(data).to_bytes(4, 'big') + kind + data
                + zlib.crc32(kind + data).to_bytes(4, 'big'))
    header = width.to_bytes(4, 'big') + height.to_bytes(4, 'big') + bytes([8, 2, 0, 0, 0])
    rows = b''.join(b'\x00' + bytes(rgb) * width for _row in range(height))
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b'')


def make_pdf(text, size=None):
    """A valid one-page PDF showing ``text``, padded to ``size`` bytes with random bytes.

    The padding is an unreferenced binary stream object, so every file has
    content of its own (a checksum of its own in the filestore).
    """
    page = f'BT /F1 18 Tf 20 100 Td ({text}) Tj ET'.encode()
    objects = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        (b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R'
         b' /Resources << /Font << /F1 5 0 R >> >> >>'),
        b'<< /Length %d >>\nstream\n%s\nendstream' % (len(page), page),
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ]

    def build(padding):
        pdf = bytearray(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
        offsets = []
        for number, body in enumerate([*objects, b'<< /Length %d >>\nstream\n%s\nendstream' % (len(padding), padding)], 1):
            offsets.append(len(pdf))
            pdf += b'%d 0 obj\n%s\nendobj\n' % (number, body)
        xref = len(pdf)
        pdf += b'xref\n0 %d\n0000000000 65535 f \n' % (len(offsets) + 1)
        pdf += b''.join(b'%010d 00000 n \n' % offset for offset in offsets)
        pdf += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(offsets) + 1, xref)
        return bytes(pdf)

    pdf = build(os.urandom(16))
    if size:
        # The padding's length is written in decimal: adjust until the total is exact.
        padding_size = max(16, size - len(pdf) + 16)
        for _attempt in range(5):
            pdf = build(os.urandom(padding_size))
            if len(pdf) == size:
                break
            padding_size += size - len(pdf)
    return pdf


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def sha1_hex(data):
    return hashlib.sha1(data).hexdigest()


# ----------------------------------------------------------------------
# Talking to Odoo
# ----------------------------------------------------------------------

class Odoo:
    """An admin session on the server: JSON-RPC and the CSRF token of the web client."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip('/')
        self.db = db
        self.http = requests.Session()
        self._rpc_id = 0
        result = self._jsonrpc('/web/session/authenticate', {'db': db, 'login': login, 'password': password})
        if not result or not result.get('uid'):
            raise SetupError(f"could not log in as {login!r} on {db!r}")
        self.uid = result['uid']
        self.session_id = self.http.cookies.get('session_id')
        self.csrf_token = self._web_client_csrf_token()

    def _jsonrpc(self, path, params):
        self._rpc_id += 1
        response = self.http.post(self.url + path, json={
            'jsonrpc': '2.0', 'method': 'call', 'id': self._rpc_id, 'params': params}, timeout=TIMEOUT)
        response.raise_for_status()
        body = response.json()
        if body.get('error'):
            error = body['error']
            raise SetupError(f"{path}: {error.get('data', {}).get('message') or error.get('message')}")
        return body.get('result')

    def call(self, model, method, *args, **kwargs):
        return self._jsonrpc('/web/dataset/call_kw', {
            'model': model, 'method': method, 'args': list(args), 'kwargs': kwargs})

    def _web_client_csrf_token(self):
        """The token the web client sends: web.layout writes it into the page as ``odoo.csrf_token``."""
        response = self.http.get(f'{self.url}/odoo', timeout=TIMEOUT)
        response.raise_for_status()
        found = re.search(r'csrf_token:\s*"([0-9a-f]+o[0-9]+)"', response.text)
        if not found:
            message = "no csrf_token in the web client's page /odoo"
            raise SetupError(message)
        return found.group(1)

    def cookies(self):
        return {'session_id': self.session_id}

    def read(self, model, domain, fields):
        return self.call(model, 'search_read', domain, fields, context={'active_test': False})


def at_once(calls):
    """Run ``calls`` (callables) in one thread each, released together; return their results in order.

    Each call opens its own connection (no shared requests.Session). An
    exception is returned in place of its result.
    """
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        except requests.RequestException as error:  # reported with the race's numbers
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def status_of(result):
    return result.status_code if isinstance(result, requests.Response) else type(result).__name__


def json_of(response):
    try:
        return response.json()
    except ValueError:
        return {}


def error_of(result):
    """A short reason for a failed request: the JSON error, the text of an HTML error page, or the exception."""
    if not isinstance(result, requests.Response):
        return repr(result)[:160]
    if error := json_of(result).get('error') if isinstance(json_of(result), dict) else None:
        return str(error)[:160]
    if result.status_code >= 500:
        return f"{result.status_code} (traceback in the server log)"
    text = re.sub(r'<title>.*?</title>|<[^>]+>', ' ', result.text, flags=re.DOTALL)
    return f"{result.status_code} {' '.join(text.split())[:160]}"


def statuses(results):
    return ' '.join(f'{count}x{status}' for status, count in sorted(Counter(map(str, map(status_of, results))).items()))


# ----------------------------------------------------------------------
# Races
# ----------------------------------------------------------------------

class Races:
    """The race checks; each returns (passed, lines of numbers)."""

    def __init__(self, odoo, deliveries=20, webhook_rounds=3, tamper_rounds=20, finish_rounds=5, finishers=5):
        self.odoo = odoo
        self.deliveries = deliveries
        self.webhook_rounds = webhook_rounds
        self.tamper_rounds = tamper_rounds
        self.finish_rounds = finish_rounds
        self.finishers = finishers
        self.run_id = uuid.uuid4().hex[:8]
        self.secret = secrets.token_hex(16)

    def setup(self):
        """The company's events secret, unknown senders created, small upload chunks, a contact to upload to."""
        odoo = self.odoo
        company_ids = [row['res_id'] for row in odoo.read(
            'ir.model.data', [('module', '=', 'base'), ('name', '=', 'main_company')], ['res_id'])]
        if not company_ids:
            message = "base.main_company not found"
            raise SetupError(message)
        odoo.call('res.company', 'write', company_ids, {
            'contact_documents_webhook_secret': self.secret,
            'contact_documents_create_unknown': True,
        })
        company = odoo.call('res.company', 'read', company_ids,
                            ['contact_documents_webhook_secret', 'contact_documents_create_unknown'])[0]
        if company['contact_documents_webhook_secret'] != self.secret or not company['contact_documents_create_unknown']:
            raise SetupError(f"the company's webhook settings were not saved: {company}")
        odoo.call('ir.config_parameter', 'set_param', CHUNK_SIZE_PARAM, str(CHUNK_SIZE))
        self.upload_partner_id = odoo.call('res.partner', 'create', {'name': f'Race Uploads {self.run_id}'})

    # -- events webhook ---------------------------------------------------

    def _event_body(self, email, message_id, round_no):
        pdf = make_pdf(f'race {self.run_id} {message_id}')
        return json.dumps({
            'channel': 'whatsapp',
            'direction': 'received',
            'message_id': message_id,
            'contact': {'email': email, 'name': f'Race Sender {round_no}'},
            'attachments': [
                {'name': 'photo.png', 'mimetype': 'image/png', 'content': base64.b64encode(make_png()).decode()},
                {'name': 'invoice.pdf', 'mimetype': 'application/pdf', 'content': base64.b64encode(pdf).decode()},
            ],
        }).encode()

    def _deliver_at_once(self, body):
        url = self.odoo.url + EVENTS_ROUTE
        signature = 'sha256=' + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {'Content-Type': 'application/json', SIGNATURE_HEADER: signature}

        def deliver():
            return requests.post(url, data=body, headers=headers, timeout=TIMEOUT)
        return at_once([deliver] * self.deliveries)

    def _check_deliveries(self, email, results, expected_partner_id=None):
        """Numbers of one round of identical deliveries, and whether they are right."""
        odoo = self.odoo
        partners = odoo.read('res.partner', [('email', '=', email)], ['id'])
        partner_ids = [partner['id'] for partner in partners]
        documents = odoo.read('contact.document', [('partner_id', 'in', partner_ids)], ['partner_id', 'attachment_index'])
        answers = [json_of(result) for result in results if isinstance(result, requests.Response)]
        filed = sum(answer.get('filed', 0) for answer in answers)
        duplicates = sum(answer.get('duplicates', 0) for answer in answers)
        indexes = sorted(document['attachment_index'] for document in documents)
        expected_duplicates = 2 * self.deliveries - 2
        ok = (
            all(status_of(result) == 200 for result in results)
            and len(partner_ids) == 1
            and (expected_partner_id is None or partner_ids == [expected_partner_id])
            and indexes == [0, 1]
            and all(document['partner_id'][0] == partner_ids[0] for document in documents)
            and filed == 2 and duplicates == expected_duplicates
        )
        line = (f"answers {statuses(results)}; contacts with the email: {len(partner_ids)}; "
                f"documents: {len(documents)} (indexes {indexes}); filed={filed} duplicates={duplicates} "
                f"(expected 1 contact, 2 documents, filed=2 duplicates={expected_duplicates})")
        errors = sorted({error_of(result) for result in results if status_of(result) != 200})
        if errors:
            line += f"; errors: {errors[:3]}"
        return ok, line

    def race_new_sender(self):
        """Identical deliveries from a sender no contact matches: one contact, each file filed once."""
        passed, lines = True, []
        for round_no in range(1, self.webhook_rounds + 1):
            email = f'race-new-{self.run_id}-{round_no}@example.com'
            results = self._deliver_at_once(self._event_body(email, f'race-new-{self.run_id}-{round_no}', round_no))
            ok, line = self._check_deliveries(email, results)
            passed &= ok
            lines.append(f"round {round_no}: {'ok' if ok else 'WRONG'}: {line}")
        return passed, lines

    def race_known_sender(self):
        """Identical deliveries from a known contact: all answered 200, each file filed once."""
        passed, lines = True, []
        for round_no in range(1, self.webhook_rounds + 1):
            email = f'race-known-{self.run_id}-{round_no}@example.com'
            partner_id = self.odoo.call('res.partner', 'create', {'name': f'Race Known {round_no}', 'email': email})
            results = self._deliver_at_once(self._event_body(email, f'race-known-{self.run_id}-{round_no}', round_no))
            ok, line = self._check_deliveries(email, results, expected_partner_id=partner_id)
            passed &= ok
            lines.append(f"round {round_no}: {'ok' if ok else 'WRONG'}: {line}")
        return passed, lines

    # -- chunked upload sessions ------------------------------------------

    def _session_url(self, token, tail=''):
        return f'{self.odoo.url}{SESSION_ROUTE}/{token}{tail}'

    def _open_uploaded_session(self, content, name):
        """Open a session for ``content`` and send all its chunks; return its token."""
        odoo = self.odoo
        response = requests.post(odoo.url + SESSION_ROUTE, cookies=odoo.cookies(), timeout=TIMEOUT, data={
            'partner_id': self.upload_partner_id, 'name': name, 'size': len(content),
            'sha256': sha256_hex(content), 'csrf_token': odoo.csrf_token,
        })
        if response.status_code != 200:
            raise SetupError(f"opening an upload session answered {response.status_code}: {response.text[:200]}")
        session = response.json()
        if session['chunk_size'] != CHUNK_SIZE:
            raise SetupError(f"chunk size {session['chunk_size']} instead of {CHUNK_SIZE}")
        for index in range(session['chunk_count']):
            response = self._put_chunk(session['token'], index, content[index * CHUNK_SIZE:(index + 1) * CHUNK_SIZE])
            if response.status_code != 200:
                raise SetupError(f"chunk {index} answered {response.status_code}: {response.text[:200]}")
        return session['token']

    def _put_chunk(self, token, index, data):
        return requests.put(self._session_url(token, f'/chunk/{index}'), cookies=self.odoo.cookies(), timeout=TIMEOUT,
                            files={'chunk': ('blob', data)}, data={'csrf_token': self.odoo.csrf_token})

    def _finish(self, token):
        return requests.post(self._session_url(token, '/finish'), cookies=self.odoo.cookies(), timeout=TIMEOUT,
                             data={'csrf_token': self.odoo.csrf_token})

    def _upload_documents(self):
        return self.odoo.read('contact.document', [('partner_id', '=', self.upload_partner_id)], ['checksum', 'name'])

    def _check_stored(self, document_id, content):
        """Problems of the stored file of ``document_id`` compared to ``content``, or None."""
        response = requests.get(f'{self.odoo.url}/contact_documents/{document_id}/download',
                                cookies=self.odoo.cookies(), timeout=TIMEOUT)
        if response.status_code != 200:
            return f"download of document {document_id} answered {response.status_code}"
        stored = response.content
        checksum = self.odoo.read('contact.document', [('id', '=', document_id)], ['checksum'])[0]['checksum']
        problems = []
        if stored != content:
            differing = sum(1 for a, b in zip(stored, content) if a != b) + abs(len(stored) - len(content))
            problems.append(f"stored bytes differ from the upload ({differing} of {len(content)} bytes, "
                            f"stored sha256 {sha256_hex(stored)[:12]} vs announced {sha256_hex(content)[:12]})")
        if sha1_hex(stored) != checksum:
            problems.append(f"SHA-1 of the stored bytes {sha1_hex(stored)[:12]} != checksum field {str(checksum)[:12]}")
        return '; '.join(problems) or None

    def race_finish_against_tampered_chunk(self):
        """Finish while a chunk with other bytes arrives: never a document whose bytes are not the announced ones."""
        passed, lines, outcomes = True, [], Counter()
        for round_no in range(1, self.tamper_rounds + 1):
            content = make_pdf(f'upload {self.run_id} {round_no}', UPLOAD_SIZE)
            token = self._open_uploaded_session(content, f'race-{round_no}.pdf')
            tampered = make_pdf(f'tampered {self.run_id} {round_no}', UPLOAD_SIZE)[:CHUNK_SIZE]
            before = {document['id'] for document in self._upload_documents()}
            offset = TAMPER_OFFSETS[(round_no - 1) % len(TAMPER_OFFSETS)]

            def put_tampered(offset=offset, token=token, tampered=tampered):
                time.sleep(offset)
                return self._put_chunk(token, 0, tampered)
            finish, chunk = at_once([lambda token=token: self._finish(token), put_tampered])
            new_documents = [document for document in self._upload_documents() if document['id'] not in before]
            finish_status, chunk_status = status_of(finish), status_of(chunk)
            problems = []
            if chunk_status not in (200, 400, 404, 409):
                problems.append(f"tampered chunk answered {error_of(chunk)}")
            if finish_status == 200:
                outcome = f'filed, tampered chunk answered {chunk_status}'
                answered_id = json_of(finish).get('document', {}).get('id')
                if [document['id'] for document in new_documents] != [answered_id]:
                    problems.append(f"finish answered document {answered_id}, new documents: "
                                    f"{[document['id'] for document in new_documents]}")
                for document in new_documents:
                    if problem := self._check_stored(document['id'], content):
                        problems.append(problem)
            elif finish_status == 400:
                outcome = f'finish refused the damaged file, tampered chunk answered {chunk_status}'
                if chunk_status != 200:
                    problems.append(f"finish refused the file ({json_of(finish).get('error')!r}) "
                                    f"though the tampered chunk was refused ({chunk_status})")
                if new_documents:
                    problems.append(f"finish refused the file but documents {[d['id'] for d in new_documents]} were created")
            else:
                outcome = f'finish {finish_status}'
                problems.append(f"finish answered {error_of(finish)}")
            outcomes[outcome] += 1
            passed &= not problems
            if problems:
                lines.append(f"round {round_no}: WRONG: finish {finish_status}, tampered chunk {chunk_status}: "
                             + '; '.join(problems))
        lines.insert(0, f"{self.tamper_rounds} rounds: " + ', '.join(f'{count}x {outcome}' for outcome, count in sorted(outcomes.items())))
        return passed, lines

    def race_concurrent_finishes(self):
        """Several finishes of one complete session at once: one document, the right bytes, no 500."""
        passed, lines = True, []
        for round_no in range(1, self.finish_rounds + 1):
            content = make_pdf(f'finish {self.run_id} {round_no}', UPLOAD_SIZE)
            token = self._open_uploaded_session(content, f'race-finish-{round_no}.pdf')
            before = {document['id'] for document in self._upload_documents()}
            results = at_once([lambda token=token: self._finish(token)] * self.finishers)
            new_ids = [document['id'] for document in self._upload_documents() if document['id'] not in before]
            answered_ids = {json_of(result).get('document', {}).get('id')
                            for result in results if status_of(result) == 200}
            problems = []
            unexpected = sorted({error_of(result) for result in results if status_of(result) not in (200, 404)})
            if unexpected:
                problems.append(f"answers other than 200 or 404: {unexpected[:3]}")
            if len(new_ids) != 1:
                problems.append("expected exactly 1 document")
            elif answered_ids != set(new_ids):
                problems.append(f"answered documents {sorted(answered_ids)} instead of {new_ids}")
            for document_id in new_ids:
                if problem := self._check_stored(document_id, content):
                    problems.append(problem)
            passed &= not problems
            lines.append(f"round {round_no}: {'WRONG' if problems else 'ok'}: answers {statuses(results)}; "
                         f"documents created: {len(new_ids)}" + (f"; {'; '.join(problems)}" if problems else ''))
        return passed, lines

    # -- document requests: uploads through a link, without an account ------

    def _request_link(self, name):
        """A document request on a contact of its own; its link's URL."""
        odoo = self.odoo
        partner_id = odoo.call('res.partner', 'create', {
            'name': f'Race Request {self.run_id} {name}', 'email': f'race-{self.run_id}@example.com'})
        [request_id] = odoo.call('contact.document.request', 'create', [{
            'partner_id': partner_id, 'name': name,
            'due_date': time.strftime('%Y-%m-%d', time.gmtime(time.time() + 14 * 86400))}])
        token = odoo.read('contact.document.request', [('id', '=', request_id)], ['access_token'])[0]['access_token']
        return request_id, partner_id, f'{odoo.url}/contact_documents/request/{token}'

    def _visitor(self, link):
        """A visitor's session on the link's page (no login): its cookies and the page's CSRF token."""
        visitor = requests.Session()
        page = visitor.get(link, timeout=TIMEOUT)
        found = re.search(r'csrf_token:\s*"([0-9a-f]+o[0-9]+)"', page.text)
        if page.status_code != 200 or not found:
            raise SetupError(f"the request's page answered {page.status_code}")
        return visitor, found.group(1)

    def _link_uploaded_sessions(self, visitor, csrf, link, contents):
        """Open a session per file through the link and send all chunks; their tokens."""
        tokens = []
        for index, content in enumerate(contents):
            response = visitor.post(f'{link}/upload/session', timeout=TIMEOUT, data={
                'name': f'race-link-{index}.pdf', 'size': len(content), 'sha256': sha256_hex(content),
                'csrf_token': csrf})
            if response.status_code != 200:
                raise SetupError(f"opening a session through the link answered {response.status_code}: {response.text[:200]}")
            session = response.json()
            for chunk in range(session['chunk_count']):
                put = visitor.put(f"{link}/upload/session/{session['token']}/chunk/{chunk}", timeout=TIMEOUT,
                                  files={'chunk': ('blob', content[chunk * CHUNK_SIZE:(chunk + 1) * CHUNK_SIZE])},
                                  data={'csrf_token': csrf})
                if put.status_code != 200:
                    raise SetupError(f"chunk {chunk} through the link answered {put.status_code}: {put.text[:200]}")
            tokens.append(session['token'])
        return tokens

    def _link_finish(self, link, token, cookies, csrf):
        return requests.post(f'{link}/upload/session/{token}/finish', cookies=cookies, timeout=TIMEOUT,
                             data={'csrf_token': csrf})

    def race_link_finishes(self):
        """Files finished at once through one request's link, then against a Cancel: each filed once, or refused (410)."""
        passed, lines = True, []
        for round_no, with_cancel in ((1, False), (2, True)):
            request_id, partner_id, link = self._request_link(f'round {round_no}')
            visitor, csrf = self._visitor(link)
            contents = [make_pdf(f'link {self.run_id} {round_no} {index}', 2 * CHUNK_SIZE + 999)
                        for index in range(self.finishers)]
            tokens = self._link_uploaded_sessions(visitor, csrf, link, contents)

            cookies = visitor.cookies.get_dict()
            calls = [partial(self._link_finish, link, token, cookies, csrf) for token in tokens]
            if with_cancel:
                calls.append(partial(self.odoo.call, 'contact.document.request', 'action_cancel', [request_id]))
            results = at_once(calls)
            finishes = results[:len(tokens)]
            documents = self.odoo.read('contact.document', [('partner_id', '=', partner_id)], ['name', 'checksum'])
            request = self.odoo.read('contact.document.request', [('id', '=', request_id)], ['state', 'document_ids'])[0]
            problems = []
            unexpected = sorted({error_of(result) for result in finishes
                                 if status_of(result) not in ((200, 410) if with_cancel else (200,))})
            if unexpected:
                problems.append(f"answers other than expected: {unexpected[:3]}")
            filed = sum(status_of(result) == 200 for result in finishes)
            if len(documents) != filed or sorted(request['document_ids']) != sorted(doc['id'] for doc in documents):
                problems.append(f"{filed} files filed, {len(documents)} documents, "
                                f"{len(request['document_ids'])} on the request")
            expected_state = 'cancelled' if with_cancel else 'done'
            if request['state'] != expected_state:
                problems.append(f"request {request['state']} instead of {expected_state}")
            by_name = {f'race-link-{index}.pdf': content for index, content in enumerate(contents)}
            for document in documents:
                if sha1_hex(by_name.get(document['name'], b'')) != document['checksum']:
                    problems.append(f"{document['name']}: stored checksum differs from the upload")
            passed &= not problems
            lines.append(f"round {round_no} ({'with' if with_cancel else 'without'} a Cancel): "
                         f"{'WRONG' if problems else 'ok'}: answers {statuses(finishes)}; documents filed: {len(documents)}; "
                         f"request {request['state']}" + (f"; {'; '.join(problems)}" if problems else ''))
        return passed, lines


def say(line, stream=sys.stdout):
    """Write one line of the report at once (scripts/test.sh tees it as it comes)."""
    stream.write(line + '\n')
    stream.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--url', required=True, help="base URL of the running Odoo server")
    parser.add_argument('--db', required=True)
    parser.add_argument('--login', default='admin')
    parser.add_argument('--password', default='admin')
    parser.add_argument('--deliveries', type=int, default=20, help="identical webhook deliveries per round")
    parser.add_argument('--rounds', type=int, default=3, help="rounds of each webhook race")
    parser.add_argument('--tamper-rounds', type=int, default=20)
    parser.add_argument('--finish-rounds', type=int, default=5)
    parser.add_argument('--finishers', type=int, default=5, help="concurrent finishes per round")
    parser.add_argument('--only', help="comma-separated numbers of the races to run (default: all)")
    args = parser.parse_args()

    started = time.monotonic()
    races = [
        ("1. new sender, identical deliveries", 'race_new_sender'),
        ("2. known sender, identical deliveries", 'race_known_sender'),
        ("3. upload: finish while a tampered chunk arrives", 'race_finish_against_tampered_chunk'),
        ("4. upload: concurrent finishes", 'race_concurrent_finishes'),
        ("5. request link: files finished at once, and against a Cancel", 'race_link_finishes'),
    ]
    if args.only:
        wanted = {number.strip() for number in args.only.split(',')}
        races = [race for race in races if race[0].split('.')[0] in wanted]
    try:
        suite = Races(Odoo(args.url, args.db, args.login, args.password), deliveries=args.deliveries,
                      webhook_rounds=args.rounds, tamper_rounds=args.tamper_rounds,
                      finish_rounds=args.finish_rounds, finishers=args.finishers)
        suite.setup()
    except (SetupError, requests.RequestException) as error:
        say(f"ERROR: could not set up the races on {args.url} ({args.db}): {error}", stream=sys.stderr)
        say(f"races: 0 passed, {len(races)} failed")
        return 2

    passed = failed = 0
    for title, method in races:
        race_started = time.monotonic()
        try:
            ok, lines = getattr(suite, method)()
        except RACE_ERRORS as error:  # one broken race must not hide the others
            ok, lines = False, [f"raised {error!r}", *traceback.format_exc().strip().splitlines()[-6:]]
        say(f"{'PASS' if ok else 'FAIL'} race {title} ({time.monotonic() - race_started:.1f}s)")
        for line in lines:
            say(f"    {line}")
        passed, failed = passed + ok, failed + (not ok)
    say(f"race phase took {time.monotonic() - started:.1f}s")
    say(f"races: {passed} passed, {failed} failed")
    return 0 if not failed else 1


if __name__ == '__main__':
    sys.exit(main())
