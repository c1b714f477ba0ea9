import glob
import os
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import BaseCase, TransactionCase, tagged

from odoo.addons.contact_documents.models.contact_document_media import HTTP_HOSTS_PARAM
from odoo.addons.contact_documents.tests.common import ChannelSyncCommon
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
            self.assertFalse(safe_fetch.check_url('https://scontent.xx.fbcdn.net/a.jpg', self.ALLOWED))
        with patch.object(safe_fetch, '_resolve', return_value=['157.240.1.35', '127.0.0.1']):
            with self.assertRaisesRegex(FetchError, 'non-public'):
                safe_fetch.check_url('https://scontent.xx.fbcdn.net/a.jpg', self.ALLOWED)
        # Listed explicitly: trusted as is, without resolving.
        self.assertTrue(safe_fetch.check_url('https://media.local/a.jpg', self.ALLOWED))
        for url, reason in (
            ('http://api.twilio.com/a', 'only HTTPS'),
            ('ftp://api.twilio.com/a', 'only HTTPS'),
            ('https://user:pass@api.twilio.com/a', 'credentials'),
            ('https://example.com/a', 'not an allowed media host'),
            ('https:///a', 'invalid URL'),
        ):
            with self.subTest(url=url), self.assertRaisesRegex(FetchError, reason):
                safe_fetch.check_url(url, self.ALLOWED)
        self.assertTrue(safe_fetch.check_url('http://media.local/a', self.ALLOWED, http_hosts=('media.local',)))
