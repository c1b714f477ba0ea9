import glob
import io
import os
import socket
import time
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo import fields
from odoo.tests import BaseCase, TransactionCase, tagged
from odoo.tests.common import _super_send

from odoo.addons.contact_documents.models.contact_document_media import HTTP_HOSTS_PARAM
from odoo.addons.contact_documents.tests.common import (
    ChannelSyncCommon,
    MediaServer,
    make_image,
)
from odoo.addons.contact_documents.tools import safe_fetch
from odoo.addons.contact_documents.tools.channel_message import (
    ChannelAttachment,
    ChannelMessage,
)
from odoo.addons.contact_documents.tools.safe_fetch import FetchError


@tagged('post_install', '-at_install')
class TestMediaFetch(ChannelSyncCommon, TransactionCase):
    """The download cron: retries with back-off, a failed state with its reason, safe fetching."""

    def queue(self, path, mimetype='', message_id=None, provider='meta', channel='facebook', url=None):
        message = ChannelMessage(
            channel=channel, direction='received', external_id=message_id or f'mid-{path}',
            account=self.PAGE_ID, contact={'identity': self.messenger_psid}, provider=provider,
            attachments=[ChannelAttachment(index=0, url=url or self.media_url(path), mimetype=mimetype)],
            identity_channel='facebook',
        )
        self.env['contact.document.media'].sudo()._ingest_channel_messages(self.company, [message])
        return self.env['contact.document.media'].sudo().search([('external_message_id', '=', message.external_id)])

    def assert_failed(self, media, reason, attempts=1):
        self.assertEqual(media.state, 'failed')
        self.assertEqual(media.attempts, attempts)
        self.assertIn(reason, media.last_error)
        self.assertFalse(self.documents_of(self.messenger_contact), "nothing is half-stored")
        self.assertFalse(self.env['ir.attachment'].sudo().search([('res_model', '=', 'contact.document')]))
        filestore = self.env['ir.attachment']._filestore()
        self.assertFalse(glob.glob(os.path.join(filestore, '.incoming-*')))

    def test_media_host_down_then_up_is_retried_and_filed_once(self):
        self.media_server.failures['/media/photo.png'] = 2
        media = self.queue('/media/photo.png', 'image/png')
        for attempt, delay in ((1, 1), (2, 5)):
            before = fields.Datetime.now()
            self.run_media_cron()
            self.assertEqual((media.state, media.attempts), ('queued', attempt))
            self.assertIn('HTTP 503', media.last_error)
            self.assertAlmostEqual(media.next_attempt, before + timedelta(minutes=delay), delta=timedelta(seconds=5))
        self.run_media_cron()
        self.assertEqual((media.state, media.attempts, media.last_error), ('done', 3, False))
        self.assertEqual(media.document_id.attachment_id.raw, self.png)
        self.run_media_cron()
        self.assertEqual(len(self.documents_of(self.messenger_contact)), 1)

    def test_media_host_down_forever_fails_with_its_reason(self):
        self.media_server.failures['/media/photo.jpg'] = float('inf')
        media = self.queue('/media/photo.jpg', 'image/jpeg')
        for _attempt in range(4):
            self.run_media_cron()
        self.assert_failed(media, 'HTTP 503', attempts=4)
        self.assertTrue(self.messenger_contact.message_ids.filtered(
            lambda message: 'could not be downloaded' in (message.body or '')))
        media.action_retry()
        self.assertEqual((media.state, media.attempts), ('queued', 0))

    def test_unreachable_host_is_retried(self):
        closed_port_url = 'http://127.0.0.1:9/media/photo.png'
        media = self.queue('/closed', url=closed_port_url)
        self.run_media_cron()
        self.assertEqual((media.state, media.attempts), ('queued', 1))
        self.assertIn('cannot connect', media.last_error)

    def test_slow_host_is_cut_at_the_deadline_and_retried(self):
        media = self.queue('/slow', 'image/png')
        with patch.object(safe_fetch, 'DEADLINE', 0.5):
            self.run_media_cron()
        self.assertEqual((media.state, media.attempts), ('queued', 1))
        self.assertIn('took more than', media.last_error)
        self.assertFalse(self.documents_of(self.messenger_contact))

    def test_wrong_content_type_header_is_corrected_from_the_content(self):
        self.media_server.files['/media/mislabelled'] = ('text/html', self.png)
        media = self.queue('/media/mislabelled', 'image/png')
        self.run_media_cron()
        self.assertEqual(media.state, 'done')
        self.assertEqual(media.document_id.mimetype, 'image/png')
        self.assertTrue(media.document_id.name.endswith('.png'))

    def test_content_contradicting_the_announced_type_is_refused(self):
        self.media_server.files['/media/error-page.jpg'] = ('image/jpeg', b'<!DOCTYPE html><html><body>Sign in</body></html>')
        media = self.queue('/media/error-page.jpg', 'image/jpeg')
        self.run_media_cron()
        self.assert_failed(media, 'text/html where image/jpeg was expected')

    def test_redirect_to_a_private_address_is_refused(self):
        self.media_server.redirects['/to-metadata'] = 'https://169.254.169.254/latest/meta-data/'
        self.assert_failed_download('/to-metadata', 'not an allowed media host')
        # An allowed CDN name that resolves inside the network is refused too (DNS rebinding).
        self.media_server.redirects['/to-cdn'] = 'https://scontent.xx.fbcdn.net/v/photo.jpg'
        with patch.object(safe_fetch, '_resolve', return_value=['10.1.2.3']):
            self.assert_failed_download('/to-cdn', 'resolves to a non-public address (10.1.2.3)')

    def assert_failed_download(self, path, reason):
        media = self.queue(path)
        self.run_media_cron()
        self.assertEqual(media.state, 'failed', "a refused redirect is not retried")
        self.assertIn(reason, media.last_error)

    def test_redirect_keeps_twilio_credentials_on_twilio_only(self):
        self.company.contact_documents_media_hosts += ', localhost'
        self.env['ir.config_parameter'].set_param(HTTP_HOSTS_PARAM, '127.0.0.1, localhost')
        self.media_server.redirects['/twilio/Media/ME1'] = self.media_url('/twilio/Media/ME2')
        self.media_server.redirects['/twilio/Media/ME2'] = self.media_url('/media/photo.jpg').replace('127.0.0.1', 'localhost')
        media = self.queue('/twilio/Media/ME1', 'image/jpeg', provider='twilio', channel='sms')
        self.run_media_cron()
        self.assertEqual(media.state, 'done', media.last_error)
        self.assertEqual(media.document_id.name, 'photo.jpg')
        self.assertTrue(self.media_server.requests_to('/twilio/Media/ME2')[-1].get('Authorization'))
        self.assertFalse(self.media_server.requests_to('/media/photo.jpg')[-1].get('Authorization'),
                         "credentials never follow a redirect to another host")

    def test_more_than_250_mb_is_refused_while_streaming(self):
        media = self.queue('/huge')
        self.run_media_cron()
        self.assert_failed(media, 'larger than 250 MB')

    def test_announced_size_above_250_mb_is_refused_before_downloading(self):
        media = self.queue('/huge-declared')
        self.run_media_cron()
        self.assert_failed(media, 'larger than 250 MB')

    def test_plain_http_needs_an_explicit_allowance(self):
        self.env['ir.config_parameter'].set_param(HTTP_HOSTS_PARAM, '')
        media = self.queue('/media/photo.png')
        self.run_media_cron()
        self.assert_failed(media, 'only HTTPS is allowed')

    def test_queue_is_unique_per_message_attachment(self):
        first = self.queue('/media/photo.png', message_id='mid-unique')
        second = self.queue('/media/photo.png', message_id='mid-unique')
        self.assertEqual(first, second)
        self.assertEqual(len(first), 1)


@tagged('post_install', '-at_install')
class TestSafeFetchPolicy(BaseCase):

    ALLOWED = safe_fetch.parse_hosts('api.twilio.com, *.fbcdn.net,\n media.local ')

    def test_host_patterns(self):
        self.assertEqual(self.ALLOWED, ('api.twilio.com', '*.fbcdn.net', 'media.local'))
        self.assertEqual(safe_fetch.host_match('API.twilio.com', self.ALLOWED), 'explicit')
        self.assertEqual(safe_fetch.host_match('scontent.xx.fbcdn.net', self.ALLOWED), 'wildcard')
        self.assertIsNone(safe_fetch.host_match('fbcdn.net', self.ALLOWED))
        self.assertIsNone(safe_fetch.host_match('evilfbcdn.net', self.ALLOWED))
        self.assertIsNone(safe_fetch.host_match('api.twilio.com.evil.example', self.ALLOWED))

    def test_public_addresses(self):
        for address in ('127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '0.0.0.0',
                        '100.64.0.1', '::1', 'fe80::1%eth0', 'fd00::1', '::ffff:127.0.0.1', '224.0.0.1'):
            with self.subTest(address=address):
                self.assertFalse(safe_fetch.is_public_address(address))
        for address in ('8.8.8.8', '157.240.1.35', '2a03:2880:f10c:83:face:b00c:0:25de'):
            with self.subTest(address=address):
                self.assertTrue(safe_fetch.is_public_address(address))

    def test_check_url(self):
        with patch.object(safe_fetch, '_resolve', return_value=['157.240.1.35']):
            self.assertEqual(safe_fetch.check_url('https://scontent.xx.fbcdn.net/a.jpg', self.ALLOWED), ['157.240.1.35'])
        with patch.object(safe_fetch, '_resolve', return_value=['157.240.1.35', '127.0.0.1']):
            with self.assertRaisesRegex(FetchError, 'non-public'):
                safe_fetch.check_url('https://scontent.xx.fbcdn.net/a.jpg', self.ALLOWED)
        # Listed explicitly: trusted as is, without resolving.
        self.assertIsNone(safe_fetch.check_url('https://media.local/a.jpg', self.ALLOWED))
        for url, reason in (
            ('http://api.twilio.com/a', 'only HTTPS'),
            ('ftp://api.twilio.com/a', 'only HTTPS'),
            ('https://user:pass@api.twilio.com/a', 'credentials'),
            ('https://example.com/a', 'not an allowed media host'),
            ('https:///a', 'invalid URL'),
        ):
            with self.subTest(url=url), self.assertRaisesRegex(FetchError, reason):
                safe_fetch.check_url(url, self.ALLOWED)
        self.assertIsNone(safe_fetch.check_url('http://media.local/a', self.ALLOWED, http_hosts=('media.local',)))


@tagged('post_install', '-at_install')
class TestSafeFetchConnection(BaseCase):
    """Where fetch_to_file connects and for how long, against the media server on 127.0.0.1.

    ``media.cdn.example`` is allowed by a wildcard: it is resolved and
    checked, and its answers come from a patched ``getaddrinfo``.
    """

    HOST = 'media.cdn.example'
    PUBLIC_ADDRESS = '93.184.216.34'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.media_server = MediaServer.start_for_class(cls)
        cls.media_server.files['/media/photo.png'] = ('image/png', make_image('PNG'))
        cls.port = cls.media_server.httpd.server_port

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).hostname == cls.HOST:
            # The test guard would answer in safe_fetch's place: let it connect where it chose,
            # which is what these tests check (the name only resolves through the patched getaddrinfo).
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    def setUp(self):
        super().setUp()
        self.media_server.requests.clear()
        self.media_server.redirects.clear()
        self.resolved = []

    def resolving(self, *answers):
        """Patch DNS: each lookup of HOST gets the next answer (the last one repeats); addresses resolve to themselves."""
        real_getaddrinfo = socket.getaddrinfo
        answers = list(answers)

        def getaddrinfo(host, port, *args, **kwargs):
            self.resolved.append(host)
            if host == self.HOST:
                addresses = answers.pop(0) if len(answers) > 1 else answers[0]
                return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, '', (address, port))
                        for address in addresses]
            return real_getaddrinfo(host, port, *args, **kwargs)
        return patch.object(safe_fetch.socket, 'getaddrinfo', getaddrinfo)

    def fetch(self, url, **kwargs):
        return safe_fetch.fetch_to_file(
            url, io.BytesIO(), allowed_hosts=('127.0.0.1', '*.cdn.example'),
            http_hosts=('127.0.0.1', self.HOST), **kwargs)

    def cdn_url(self, path):
        return f'http://{self.HOST}:{self.port}{path}'

    def test_trickling_server_is_cut_at_the_deadline(self):
        for path in ('/trickle', '/trickle-headers'):
            with self.subTest(path=path):
                started = time.monotonic()
                with self.assertRaisesRegex(FetchError, 'took more than 2 seconds') as caught:
                    self.fetch(self.media_server.url(path), deadline=2)
                self.assertLess(time.monotonic() - started, 3, "one byte every half second does not stretch the deadline")
                self.assertTrue(caught.exception.retryable)

    def test_host_resolving_to_an_internal_address_is_never_requested(self):
        for answer in (['127.0.0.1'], [self.PUBLIC_ADDRESS, '127.0.0.1']):
            with self.subTest(answer=answer), self.resolving(answer):
                with self.assertRaisesRegex(FetchError, r'non-public address \(127\.0\.0\.1\)') as caught:
                    self.fetch(self.cdn_url('/media/photo.png'))
                self.assertFalse(caught.exception.retryable)
        self.assertFalse(self.media_server.requests, "no request reaches an internal address")

    def test_connection_goes_to_the_checked_address_whatever_dns_answers_next(self):
        # DNS rebinding: checked as public, then resolved again to the media server's address.
        with self.resolving([self.PUBLIC_ADDRESS], ['127.0.0.1']), \
                self.assertRaisesRegex(FetchError, 'cannot connect') as caught:
            self.fetch(self.cdn_url('/media/photo.png'), timeout=1)
        self.assertTrue(caught.exception.retryable)
        self.assertEqual(self.resolved, [self.HOST, self.PUBLIC_ADDRESS],
                         "the name is resolved once, the connection made to the address checked")
        self.assertFalse(self.media_server.requests, "the second DNS answer is never used")

    def test_pinned_connection_keeps_the_host_name(self):
        # 127.0.0.1 plays a public CDN here; the redirect hop is resolved and checked on its own.
        self.media_server.redirects['/to-cdn'] = self.cdn_url('/media/photo.png')
        with self.resolving(['127.0.0.1']), patch.object(safe_fetch, 'is_public_address', return_value=True):
            fetched = self.fetch(self.media_server.url('/to-cdn'))
        self.assertEqual((fetched.url, fetched.content_type), (self.cdn_url('/media/photo.png'), 'image/png'))
        self.assertEqual(self.media_server.requests_to('/media/photo.png')[0]['Host'], f'{self.HOST}:{self.port}')
