import json
import threading

import requests

from odoo.tests import BaseCase, HttpCase, tagged

from odoo.addons.contact_documents.tests.common import ChannelSyncCommon
from odoo.addons.contact_documents.tools import meta, signatures
from odoo.addons.contact_documents.tools.channel_message import PayloadError


@tagged('post_install', '-at_install')
class TestWebhookMeta(ChannelSyncCommon, HttpCase):

    def image(self, path='/media/photo.jpg', kind='image'):
        return {'type': kind, 'payload': {'url': self.media_url(path)}}

    def queued_for(self, mid):
        return self.env['contact.document.media'].sudo().search([('external_message_id', '=', mid)])

    def assert_refused(self, response, status, mid):
        self.assertEqual(response.status_code, status, response.text)
        self.assertFalse(self.queued_for(mid), "a refused request queues nothing")

    def test_verification_handshake(self):
        def verify(**params):
            return self.url_open('/contact_documents/webhook/meta', params=params)

        response = verify(**{'hub.mode': 'subscribe', 'hub.verify_token': self.VERIFY_TOKEN, 'hub.challenge': '1158201444'})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, '1158201444')
        for params in (
            {'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1158201444'},
            {'hub.mode': 'unsubscribe', 'hub.verify_token': self.VERIFY_TOKEN, 'hub.challenge': '1158201444'},
            {'hub.challenge': '1158201444'},
        ):
            with self.subTest(params=params):
                self.assertEqual(verify(**params).status_code, 403)

    def test_messenger_attachment_is_received_on_the_contact_of_the_psid(self):
        mid = 'm_messenger-received-1'
        payload = self.meta_payload('page', self.PAGE_ID, self.messenger_psid, mid, [
            self.image('/media/photo.jpg'), {'type': 'file', 'payload': {'url': self.media_url('/media/invoice.pdf')}}])
        response = self.post_meta(payload)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()['queued'], 2)
        self.run_media_cron()
        documents = self.documents_of(self.messenger_contact).sorted('attachment_index')
        self.assertEqual(documents.mapped('name'), ['photo.jpg', 'invoice.pdf'])
        self.assertEqual(set(documents.mapped('direction')), {'received'})
        self.assertEqual(set(documents.mapped('channel')), {'facebook'})
        self.assertEqual(documents[1].attachment_id.raw, self.pdf)
        self.assertFalse(self.media_server.requests_to('/media/photo.jpg')[-1].get('Authorization'),
                         "Meta media is public: no credentials are sent")
        self.assertIn('Facebook Messenger: received', documents[0].message_id.body)
        self.assertEqual(documents[0].message_id.author_id, self.messenger_contact)

    def test_echo_is_sent_to_the_recipient(self):
        mid = 'm_messenger-echo-1'
        response = self.post_meta(self.meta_payload(
            'page', self.PAGE_ID, self.messenger_psid, mid, [self.image('/media/photo.png')], is_echo=True))
        self.assertEqual(response.status_code, 200, response.text)
        self.run_media_cron()
        document = self.documents_of(self.messenger_contact)
        self.assertEqual((document.name, document.direction, document.channel), ('photo.png', 'sent', 'facebook'))

    def test_standby_events_are_filed_too(self):
        response = self.post_meta(self.meta_payload(
            'page', self.PAGE_ID, self.messenger_psid, 'm_standby-1', [self.image()], key='standby'))
        self.assertEqual(response.json()['queued'], 1)

    def test_unknown_instagram_sender_is_created_once_with_its_identity(self):
        igsid = '1789000000000042'
        for mid in ('ig_mid-new-1', 'ig_mid-new-2'):
            response = self.post_meta(self.meta_payload('instagram', self.IG_ACCOUNT_ID, igsid, mid, [self.image()]))
            self.assertEqual(response.status_code, 200, response.text)
        identity = self.env['res.partner.channel.identity'].search([('identity', '=', igsid)])
        self.assertEqual(len(identity), 1)
        self.assertEqual((identity.channel, identity.account_id), ('instagram', self.IG_ACCOUNT_ID))
        self.assertEqual(identity.partner_id.name, f'Instagram user {igsid}')
        self.assertEqual(identity.partner_id.channel_identity_ids, identity)
        self.run_media_cron()
        documents = self.documents_of(identity.partner_id)
        self.assertEqual(len(documents), 2)
        self.assertEqual(set(documents.mapped('channel')), {'instagram'})
        self.assertIn('Instagram: received', documents[0].message_id.body)

    def test_unknown_sender_is_ignored_when_configured(self):
        self.company.contact_documents_create_unknown = False
        response = self.post_meta(self.meta_payload('instagram', self.IG_ACCOUNT_ID, '1789000000000099', 'ig_mid-ignored', [self.image()]))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()['ignored'], 1)
        self.assertFalse(self.queued_for('ig_mid-ignored'))
        self.assertFalse(self.env['res.partner.channel.identity'].search([('identity', '=', '1789000000000099')]))

    def test_attachments_that_are_not_files_are_skipped_and_counted(self):
        mid = 'm_mixed-attachments'
        payload = self.meta_payload('page', self.PAGE_ID, self.messenger_psid, mid, [
            {'type': 'fallback', 'payload': None, 'title': 'A link', 'URL': 'https://example.com'},
            {'type': 'template', 'payload': {'template_type': 'generic'}},
            {'type': 'sticker'},
            {'type': 'ig_reel', 'payload': {'reel_video_id': '1', 'url': self.media_url('/media/photo.jpg')}},
            self.image('/media/photo.png'),
        ])
        response = self.post_meta(payload)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual((response.json()['skipped'], response.json()['queued']), (4, 1))
        self.run_media_cron()
        document = self.documents_of(self.messenger_contact)
        self.assertEqual((document.name, document.attachment_index), ('photo.png', 4))

    def test_events_without_message_are_ignored(self):
        payload = {'object': 'page', 'entry': [{'id': self.PAGE_ID, 'time': 1, 'messaging': [
            {'sender': {'id': self.messenger_psid}, 'recipient': {'id': self.PAGE_ID}, 'delivery': {'mids': ['m_1']}},
            {'sender': {'id': self.messenger_psid}, 'recipient': {'id': self.PAGE_ID}, 'read': {'watermark': 1}},
        ]}]}
        response = self.post_meta(payload)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()['ignored_events'], 2)

    def test_wrong_missing_or_replayed_signatures_are_refused(self):
        mid = 'm_forged-1'
        payload = self.meta_payload('page', self.PAGE_ID, self.messenger_psid, mid, [self.image()])
        raw_body = json.dumps(payload).encode()
        with self.subTest("wrong secret"):
            self.assert_refused(self.post_meta(raw_body, signature=self.meta_signature(raw_body, secret='nope')), 403, mid)
        with self.subTest("missing"):
            self.assert_refused(self.post_meta(raw_body, signature=''), 403, mid)
        with self.subTest("replayed with a changed body"):
            tampered = raw_body.replace(b'photo.jpg', b'photo.png')
            self.assert_refused(self.post_meta(tampered, signature=self.meta_signature(raw_body)), 403, mid)
        with self.subTest("same JSON, other bytes"):
            reserialised = json.dumps(payload, indent=2).encode()
            self.assert_refused(self.post_meta(reserialised, signature=self.meta_signature(raw_body)), 403, mid)

    def test_unknown_page_is_refused(self):
        mid = 'm_other-page'
        response = self.post_meta(self.meta_payload('page', '999999', self.messenger_psid, mid, [self.image()]))
        self.assert_refused(response, 403, mid)

    def test_malformed_bodies_are_refused(self):
        for raw_body in (b'{"object": "page", "entry": [', b'\xff\xfe', b'[]', b'{"object": "page", "entry": {}}',
                         json.dumps({'object': 'page', 'entry': [{'id': self.PAGE_ID, 'messaging': [
                             {'message': {'mid': 'm_no-sender', 'attachments': [self.image()]}}]}]}).encode()):
            with self.subTest(body=raw_body[:40]):
                self.assert_refused(self.post_meta(raw_body), 400, 'm_no-sender')
        self.assertFalse(self.env['contact.document.media'].sudo().search([]))

    def test_duplicate_and_concurrent_deliveries_file_once(self):
        mid = 'm_delivered-thrice'
        raw_body = json.dumps(self.meta_payload('page', self.PAGE_ID, self.messenger_psid, mid, [self.image()])).encode()
        headers = {'Content-Type': 'application/json', 'X-Hub-Signature-256': self.meta_signature(raw_body)}
        url = self.base_url() + '/contact_documents/webhook/meta'
        statuses = []

        def deliver():
            # Bypass Opener.request, which would wait for the test lock the other delivery holds.
            response = requests.Session.request(self.opener, 'POST', url, data=raw_body, headers=headers, timeout=30)
            statuses.append(response.status_code)

        racing = [threading.Thread(target=deliver) for _thread in range(2)]
        self.env.cr.flush()
        self.env.cr.clear()
        with self.allow_requests():
            for thread in racing:
                thread.start()
            for thread in racing:
                thread.join()
        self.assertEqual(statuses, [200, 200])
        self.run_media_cron()
        self.assertEqual(self.post_meta(raw_body).json()['duplicates'], 1, "a late retry is recognised")
        self.run_media_cron()
        self.assertEqual(len(self.queued_for(mid)), 1)
        self.assertEqual(len(self.documents_of(self.messenger_contact)), 1)


@tagged('post_install', '-at_install')
class TestMetaProtocol(BaseCase):

    def test_signature_is_checked_over_the_raw_bytes(self):
        raw_body = b'{"object":"page","entry":[]}'
        header = signatures.sha256_signature('secret', raw_body)
        self.assertTrue(header.startswith('sha256='))
        self.assertTrue(signatures.check_sha256_signature('secret', raw_body, header))
        self.assertFalse(signatures.check_sha256_signature('secret', raw_body + b' ', header))
        self.assertFalse(signatures.check_sha256_signature('other', raw_body, header))
        self.assertFalse(signatures.check_sha256_signature('secret', raw_body, header.removeprefix('sha256=')))
        self.assertFalse(signatures.check_sha256_signature('', raw_body, header))

    def test_parse_payload(self):
        payload = {'object': 'instagram', 'entry': [{'id': 'IG', 'time': 1, 'messaging': [
            {'sender': {'id': 'IGSID'}, 'recipient': {'id': 'IG'}, 'timestamp': 1,
             'message': {'mid': 'mid1', 'attachments': [
                 {'type': 'image', 'payload': {'url': 'https://cdninstagram.com/a.jpg'}},
                 {'type': 'share', 'payload': {'url': 'https://instagram.com/p/1'}}]}},
            {'sender': {'id': 'IG'}, 'recipient': {'id': 'IGSID'}, 'timestamp': 2,
             'message': {'mid': 'mid2', 'is_echo': True, 'text': 'hello'}},
        ]}]}
        (received, echo), ignored = meta.parse_payload(meta.load_payload(json.dumps(payload).encode()))
        self.assertEqual(ignored, 0)
        self.assertEqual((received.channel, received.direction, received.account, received.contact, received.skipped),
                         ('instagram', 'received', 'IG', {'identity': 'IGSID'}, 1))
        self.assertEqual([(a.index, a.kind) for a in received.attachments], [(0, 'image')])
        self.assertEqual((echo.direction, echo.contact, echo.attachments), ('sent', {'identity': 'IGSID'}, []))
        self.assertEqual(meta.parse_payload({'object': 'whatsapp_business_account', 'entry': [{}]}), ([], 1))
        with self.assertRaises(PayloadError):
            meta.load_payload(b'{"entry": "x"}')

    def test_verification(self):
        params = {'hub.mode': 'subscribe', 'hub.verify_token': 'token', 'hub.challenge': '42'}
        self.assertEqual(meta.check_verification(params, 'token'), '42')
        self.assertIsNone(meta.check_verification(params, 'other'))
        self.assertIsNone(meta.check_verification(params, ''))
