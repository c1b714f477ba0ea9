import hashlib
import hmac
import io
import json
import threading
import time
import zipfile
from datetime import datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from PIL import Image

from odoo.tests import new_test_user
from odoo.tools import file_open

from odoo.addons.contact_documents.models.contact_document_media import HTTP_HOSTS_PARAM
from odoo.addons.contact_documents.tools.safe_fetch import DEFAULT_ALLOWED_HOSTS


def make_image(fmt='PNG', size=(8, 8), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new('RGB', size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def make_pdf(text='hello'):
    """A small but complete PDF (fonts, cross-reference table) that PDF.js renders and pdfminer reads."""
    stream = f'BT /F1 24 Tf 40 100 Td ({text}) Tj ET'.encode()
    return build_pdf([
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        (b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R'
         b' /Resources << /Font << /F1 5 0 R >> >> >>'),
        b'<< /Length %d >>\nstream\n%s\nendstream' % (len(stream), stream),
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ])


def build_pdf(objects):
    """A PDF of these numbered objects (1 is the catalog), with its cross-reference table."""
    pdf = bytearray(b'%PDF-1.4\n')
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b'%d 0 obj\n%s\nendobj\n' % (number, body)
    xref = len(pdf)
    pdf += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1)
    pdf += b''.join(b'%010d 00000 n \n' % offset for offset in offsets)
    pdf += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(objects) + 1, xref)
    return bytes(pdf)


def make_ooxml(root):
    """A minimal Office Open XML package: 'word/' for DOCX, 'ppt/' for PPTX."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as package:
        package.writestr('[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        package.writestr(f'{root}document.xml', '<document/>')
    return buffer.getvalue()


def real_file(name):
    """The bytes of ``tests/files/<name>``: a file made by a real tool (``tests/files/make_files.py`` says how)."""
    with file_open(f'contact_documents/tests/files/{name}', 'rb') as file:
        return file.read()


# Files of tests/files accepted under their own name, and the mimetype they are filed with.
REAL_FILES = {
    'letter.doc': 'application/msword',
    'letter.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'letter.pdf': 'application/pdf',
    'slides.ppt': 'application/vnd.ms-powerpoint',
    'slides.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    'photo.png': 'image/png',
    'photo.jpg': 'image/jpeg',
    'anim.gif': 'image/gif',
}


SAMPLE_FILES = {
    'report.pdf': (make_pdf(), 'application/pdf'),
    'photo.png': (make_image('PNG'), 'image/png'),
    'photo.jpg': (make_image('JPEG'), 'image/jpeg'),
    'photo.jpeg': (make_image('JPEG', color=(1, 2, 3)), 'image/jpeg'),
    'anim.gif': (make_image('GIF'), 'image/gif'),
    # Office files are only accepted whole (OLE2 streams, package content types): made by LibreOffice.
    **{name: (real_file(name), REAL_FILES[name]) for name in ('letter.doc', 'letter.docx', 'slides.ppt', 'slides.pptx')},
}


def build_email(*, sender, to, subject, attachments=(), inline_image=None, message_id=None, body='Please find the files attached.'):
    """A real RFC 822 email, as the mail gateway receives it.

    :param attachments: (filename, bytes, mimetype) tuples
    :param inline_image: bytes of an image embedded in the HTML body by Content-ID (a signature logo)
    """
    message = EmailMessage()
    message['From'] = sender
    message['To'] = to
    message['Subject'] = subject
    message['Message-Id'] = message_id or f'<{abs(hash((sender, subject)))}.contact-documents@example.com>'
    message.set_content(body)
    html = f'<p>{body}</p>'
    if inline_image:
        html += '<p>--<br/><img src="cid:signature-logo" alt="logo"/></p>'
    message.add_alternative(html, subtype='html')
    if inline_image:
        message.get_payload()[1].add_related(inline_image, 'image', 'png', cid='<signature-logo>', filename='logo.png')
    for filename, content, mimetype in attachments:
        maintype, subtype = mimetype.split('/')
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_string()


class ContactDocumentsCommon:
    """Contacts in two companies and the users of the permission matrix."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env['res.company'].create({'name': 'Other Company'})
        cls.customer = cls.env['res.partner'].create({
            'name': 'Acme Corporation', 'is_company': True, 'company_id': cls.company.id,
        })
        cls.contact = cls.env['res.partner'].create({
            'name': 'Jane Customer', 'email': 'jane@customer.example.com', 'parent_id': cls.customer.id,
            'company_id': cls.company.id,
        })
        cls.colleague_contact = cls.env['res.partner'].create({
            'name': 'John Customer', 'email': 'john@customer.example.com', 'parent_id': cls.customer.id,
            'company_id': cls.company.id,
        })
        cls.other_contact = cls.env['res.partner'].create({
            'name': 'Other Company Contact', 'email': 'other@example.com', 'company_id': cls.other_company.id,
        })
        cls.user = new_test_user(
            cls.env, login='cd_user', groups='base.group_user,base.group_partner_manager', name='Plain User', email='user@company.example.com')
        cls.manager = new_test_user(
            cls.env, login='cd_manager', name='Documents Manager',
            groups='base.group_user,base.group_partner_manager,contact_documents.group_contact_documents_manager')
        cls.user_other_company = new_test_user(
            cls.env, login='cd_other', groups='base.group_user,base.group_partner_manager', name='Other Company User',
            company_id=cls.other_company.id, company_ids=[cls.other_company.id])
        cls.portal_user = new_test_user(
            cls.env, login='cd_portal', groups='base.group_portal', name='Portal User')

    def file_document(self, partner, name='report.pdf', direction='internal', channel='upload'):
        content, mimetype = SAMPLE_FILES.get(name, (make_pdf(name), 'application/pdf'))
        return self.env['contact.document']._file_documents(
            partner, [{'name': name, 'raw': content, 'mimetype': mimetype}], direction=direction, channel=channel)


class EmailSyncCommon(ContactDocumentsCommon):
    """Emails from Jane Customer through the mail gateway, routed to her contact or to another record."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Any mail.thread model stands for a lead or a ticket: crm and helpdesk are not dependencies.
        cls.other_record = cls.env['mail.blacklist'].create({'email': 'routed-record@example.com'})
        cls.pdf, _mimetype = SAMPLE_FILES['report.pdf']
        cls.png, _mimetype = SAMPLE_FILES['photo.png']

    def documents_of(self, partner):
        return self.env['contact.document'].search([('partner_id', '=', partner.id)])

    def process_incoming(self, model, thread_id, **email_values):
        email = build_email(sender='Jane Customer <jane@customer.example.com>', to='sales@company.example.com',
                            **email_values)
        return self.env['mail.thread'].message_process(model, email, thread_id=thread_id)

# ----------------------------------------------------------------------
# Channel sync (Twilio, Meta, events webhook): a media server and signed webhooks
# ----------------------------------------------------------------------


class _MediaRequestHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass  # keep the test log quiet

    def do_GET(self):
        path = urlsplit(self.path).path
        self.server.media.requests.append((path, dict(self.headers)))
        try:
            self._serve(path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up, as it should

    def _serve(self, path):
        media = self.server.media
        if path in media.redirects:
            self._answer(302, b'', headers={'Location': media.redirects[path]})
        elif media.failures.get(path, 0) > 0:
            media.failures[path] -= 1
            self._answer(503, b'busy')
        elif path == '/slow':
            self._answer_slowly()
        elif path == '/huge':
            self._answer_endless()
        elif path in ('/trickle', '/trickle-headers'):
            self._answer_trickling(headers_too=path == '/trickle-headers')
        elif path == '/huge-declared':
            self.send_response(200)
            self.send_header('Content-Type', 'video/mp4')
            self.send_header('Content-Length', str(300 * 1024 * 1024))
            self.send_header('Connection', 'close')
            self.end_headers()
            self.close_connection = True
        elif path in media.files:
            content_type, body = media.files[path]
            self._answer(200, body, headers={'Content-Type': content_type})
        else:
            self._answer(404, b'not found')

    def _answer(self, status, body, headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _answer_slowly(self):
        """A chunked PNG trickling in, slower than the download deadline allows."""
        self.send_response(200)
        self.send_header('Content-Type', 'image/png')
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        for _chunk in range(30):
            self.wfile.write(b'64\r\n' + b'\x89' * 100 + b'\r\n')
            self.wfile.flush()
            time.sleep(0.1)
        self.wfile.write(b'0\r\n\r\n')

    def _answer_trickling(self, headers_too=False):
        """A PNG sent one byte every half second: each read gets a byte well within its timeout.

        With ``headers_too``, the status line and headers trickle in as well.
        """
        body = b'\x89PNG\r\n\x1a\n' + b'\x00' * 52
        response = b'HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n' % len(body)
        if not headers_too:
            self.wfile.write(response)
            self.wfile.flush()
            response = b''
        self.close_connection = True
        for byte in response + body:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.5)

    def _answer_endless(self):
        """More than 250 MB, generated on the fly: no Content-Length, the body ends when the connection does."""
        self.send_response(200)
        self.send_header('Content-Type', 'video/mp4')
        self.send_header('Connection', 'close')
        self.end_headers()
        self.close_connection = True
        block = b'\x00' * (1024 * 1024)
        for _block in range(260):
            self.wfile.write(block)


class _MediaHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client closing its keep-alive connection is no error


class MediaServer:
    """Twilio's and Meta's media hosts, played by a threaded HTTP server on 127.0.0.1.

    ``files`` maps a path to (content type, bytes); ``failures`` to how many
    503 answers come first; ``redirects`` to a Location. ``/slow``, ``/huge``
    and ``/huge-declared`` answer too slowly or too much.
    """

    def __init__(self):
        self.files, self.failures, self.redirects, self.requests = {}, {}, {}, []
        self.httpd = _MediaHTTPServer(('127.0.0.1', 0), _MediaRequestHandler)
        self.httpd.media = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, name='contact_documents.media_server', daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def url(self, path):
        return f'http://127.0.0.1:{self.httpd.server_port}{path}'

    def requests_to(self, path):
        return [headers for requested, headers in self.requests if requested == path]

    @classmethod
    def start_for_class(cls, test_class):
        """A media server running until ``test_class``'s tests are over."""
        server = cls()
        server.start()
        test_class.addClassCleanup(server.stop)
        return server


class ChannelSyncCommon:
    """A company connected to Twilio, a Facebook Page, an Instagram account and
    a gateway, a media server allowed explicitly (plain HTTP on 127.0.0.1 only),
    and helpers posting signed webhooks shaped as the providers document them."""

    TWILIO_SID = 'AC' + '0123456789abcdef' * 2
    TWILIO_TOKEN = 'f1e2d3c4b5a6978812345678abcdef90'
    META_SECRET = 'meta-app-secret-for-tests'
    VERIFY_TOKEN = 'contact-documents-verify'
    PAGE_ID = '106123456789012'
    IG_ACCOUNT_ID = '17841400000000001'
    EVENTS_SECRET = 'events-secret-for-tests'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.media_server = MediaServer.start_for_class(cls)
        cls.company = cls.env.company
        cls.company.write({
            'contact_documents_twilio_account_sid': cls.TWILIO_SID,
            'contact_documents_twilio_auth_token': cls.TWILIO_TOKEN,
            'contact_documents_meta_app_secret': cls.META_SECRET,
            'contact_documents_meta_verify_token': cls.VERIFY_TOKEN,
            'contact_documents_meta_page_ids': cls.PAGE_ID,
            'contact_documents_instagram_account_ids': cls.IG_ACCOUNT_ID,
            'contact_documents_webhook_secret': cls.EVENTS_SECRET,
            'contact_documents_create_unknown': True,
            'contact_documents_media_hosts': f'127.0.0.1, {DEFAULT_ALLOWED_HOSTS}',
        })
        cls.env['ir.config_parameter'].sudo().set_param(HTTP_HOSTS_PARAM, '127.0.0.1')
        cls.png = make_image('PNG', color=(10, 120, 200))
        cls.jpeg = make_image('JPEG', color=(200, 120, 10))
        cls.pdf = make_pdf('channel sync')
        cls.media_server.files.update({
            '/media/photo.png': ('image/png', cls.png),
            '/media/photo.jpg': ('image/jpeg', cls.jpeg),
            '/media/invoice.pdf': ('application/pdf', cls.pdf),
        })
        Partner = cls.env['res.partner']
        cls.sms_contact = Partner.create({'name': 'Sam Texter', 'phone': '+1 555-0100'})
        cls.email_contact = Partner.create({'name': 'Ella Mailer', 'email': 'ella@customer.example.com'})
        cls.messenger_contact = Partner.create({'name': 'Mia Messenger'})
        cls.messenger_psid = '6798001234567890'
        cls.env['res.partner.channel.identity'].create({
            'partner_id': cls.messenger_contact.id, 'channel': 'facebook',
            'account_id': cls.PAGE_ID, 'identity': cls.messenger_psid, 'company_id': cls.company.id,
        })

    def setUp(self):
        super().setUp()
        # The media server lives for the class: each test starts with a healthy one.
        self.media_server.failures.clear()
        self.media_server.redirects.clear()
        self.media_server.requests.clear()

    # -- media ---------------------------------------------------------

    def media_url(self, path):
        return self.media_server.url(path)

    def run_media_cron(self):
        """Run the download cron now, as if every queued attempt were due."""
        Media = self.env['contact.document.media'].sudo()
        Media.search([('state', '=', 'queued')]).next_attempt = datetime.now() - timedelta(seconds=1)
        Media._cron_fetch_media()

    def documents_of(self, partner):
        return self.env['contact.document'].sudo().search([('partner_id', '=', partner.id)])

    # -- Twilio --------------------------------------------------------

    def twilio_params(self, message_sid='MM0123456789abcdef0123456789abcdef', sender='+15550100', media=()):
        """An inbound MMS as Twilio posts it (its documented parameters)."""
        params = {
            'ToCountry': 'US', 'ToState': 'CA', 'SmsMessageSid': message_sid, 'NumMedia': str(len(media)),
            'ToCity': 'SAN FRANCISCO', 'FromZip': '94105', 'SmsSid': message_sid, 'FromState': 'CA',
            'SmsStatus': 'received', 'FromCity': 'SAN FRANCISCO', 'Body': 'Here are the photos',
            'FromCountry': 'US', 'To': '+14155550199', 'ToZip': '94105', 'NumSegments': '1',
            'MessageSid': message_sid, 'AccountSid': self.TWILIO_SID, 'From': sender, 'ApiVersion': '2010-04-01',
        }
        for index, (url, content_type) in enumerate(media):
            params[f'MediaUrl{index}'] = url
            params[f'MediaContentType{index}'] = content_type
        return params

    def twilio_url(self):
        return self.env['ir.config_parameter'].sudo().get_param('web.base.url') + '/contact_documents/webhook/twilio'

    def twilio_signature(self, params, url=None, token=None):
        from twilio.request_validator import RequestValidator
        return RequestValidator(token or self.TWILIO_TOKEN).compute_signature(url or self.twilio_url(), params)

    def post_twilio(self, params, signature=None, data=None, headers=None):
        headers = dict(headers or {})
        if signature is None:
            signature = self.twilio_signature(params)
        if signature:
            headers['X-Twilio-Signature'] = signature
        return self.url_open('/contact_documents/webhook/twilio', data=params if data is None else data,
                             headers=headers)

    # -- Meta ----------------------------------------------------------

    def meta_payload(self, object_type, account_id, customer_id, mid, attachments, is_echo=False, key='messaging'):
        """A Messenger (``page``) or Instagram webhook batch, as Meta documents it."""
        message = {'mid': mid, 'attachments': attachments}
        if is_echo:
            message.update(is_echo=True, app_id=1517776481860111)
        sender, recipient = (account_id, customer_id) if is_echo else (customer_id, account_id)
        return {
            'object': object_type,
            'entry': [{
                'id': account_id,
                'time': 1700000000000,
                key: [{
                    'sender': {'id': sender},
                    'recipient': {'id': recipient},
                    'timestamp': 1700000000000,
                    'message': message,
                }],
            }],
        }

    def meta_signature(self, raw_body, secret=None):
        return 'sha256=' + hmac.new((secret or self.META_SECRET).encode(), raw_body, hashlib.sha256).hexdigest()

    def post_meta(self, payload, signature=None):
        raw_body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {'Content-Type': 'application/json'}
        if signature is None:
            signature = self.meta_signature(raw_body)
        if signature:
            headers['X-Hub-Signature-256'] = signature
        return self.url_open('/contact_documents/webhook/meta', data=raw_body, headers=headers)

    # -- events webhook ------------------------------------------------

    def events_signature(self, raw_body, secret=None):
        return 'sha256=' + hmac.new((secret or self.EVENTS_SECRET).encode(), raw_body, hashlib.sha256).hexdigest()

    def post_event(self, payload, signature=None):
        raw_body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {'Content-Type': 'application/json'}
        if signature is None:
            signature = self.events_signature(raw_body)
        if signature:
            headers['X-Contact-Documents-Signature'] = signature
        return self.url_open('/contact_documents/webhook/events', data=raw_body, headers=headers)
