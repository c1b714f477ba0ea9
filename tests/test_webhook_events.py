import base64
import json

from odoo.tests import BaseCase, HttpCase, tagged

from odoo.addons.contact_documents.tests.common import ChannelSyncCommon
from odoo.addons.contact_documents.tools import signatures, webhook_events
from odoo.addons.contact_documents.tools.channel_message import PayloadError


@tagged('post_install', '-at_install')
class TestWebhookEvents(ChannelSyncCommon, HttpCase):

    def event(self, message_id, attachments, contact=None, channel='whatsapp', direction='received'):
        return {
            'channel': channel,
            'direction': direction,
            'message_id': message_id,
            'contact': contact or {'email': 'Ella Mailer <ella@customer.example.com>'},
            'attachments': attachments,
        }

    def inline(self, name, content, mimetype=None):
        attachment = {'name': name, 'content': base64.b64encode(content).decode()}
        if mimetype:
            attachment['mimetype'] = mimetype
        return attachment

    def test_inline_file_is_filed_at_once_on_the_contact_found_by_email(self):
        response = self.post_event(self.event('wamid.inline-1', [self.inline('contract.pdf', self.pdf, 'application/pdf')]))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()['filed'], 1)
        document = self.documents_of(self.email_contact)
        self.assertEqual((document.name, document.direction, document.channel, document.mimetype),
                         ('contract.pdf', 'received', 'other', 'application/pdf'))
        self.assertEqual(document.attachment_id.raw, self.pdf)
        self.assertIn('Whatsapp: received', document.message_id.body)

    def test_url_attachment_is_queued_and_sent_files_are_sent(self):
        response = self.post_event(self.event('helpdesk-42', [
            {'url': self.media_url('/media/invoice.pdf'), 'name': 'Invoice 42.pdf', 'mimetype': 'application/pdf'},
        ], channel='sms', direction='sent', contact={'phone': '+15550100'}))
        self.assertEqual(response.json()['queued'], 1)
        self.run_media_cron()
        document = self.documents_of(self.sms_contact)
        self.assertEqual((document.name, document.direction, document.channel), ('Invoice 42.pdf', 'sent', 'sms'))
        self.assertFalse(self.media_server.requests_to('/media/invoice.pdf')[-1].get('Authorization'),
                         "Twilio's credentials go to Twilio's media only")

    def test_identity_of_an_unknown_sender_is_kept(self):
        contact = {'identity': 'wa-15550333', 'name': 'Walter App'}
        for message_id in ('wamid.a', 'wamid.b'):
            self.post_event(self.event(message_id, [self.inline('note.png', self.png)], contact=contact))
        identity = self.env['res.partner.channel.identity'].search([('identity', '=', 'wa-15550333')])
        self.assertEqual((identity.channel, identity.partner_id.name), ('whatsapp', 'Walter App'))
        self.assertEqual(len(self.documents_of(identity.partner_id)), 2)
        self.assertEqual(self.documents_of(identity.partner_id)[0].mimetype, 'image/png')

    def test_duplicate_delivery_files_once(self):
        payload = self.event('wamid.twice', [self.inline('contract.pdf', self.pdf)])
        self.assertEqual(self.post_event(payload).json()['filed'], 1)
        self.assertEqual(self.post_event(payload).json()['duplicates'], 1)
        self.assertEqual(len(self.documents_of(self.email_contact)), 1)

    def test_unsigned_or_malformed_requests_are_refused(self):
        payload = self.event('wamid.refused', [self.inline('contract.pdf', self.pdf)])
        raw_body = json.dumps(payload).encode()
        cases = [
            (403, raw_body, ''),
            (403, raw_body, self.events_signature(raw_body, secret='wrong')),
            (403, raw_body.replace(b'contract', b'contrakt'), self.events_signature(raw_body)),
            (400, b'{"channel": ', None),
            (400, json.dumps(dict(payload, direction='sideways')).encode(), None),
            (400, json.dumps(dict(payload, attachments=[{'name': 'x.pdf', 'content': '%%%'}])).encode(), None),
            (400, json.dumps(dict(payload, contact={'name': 'Nobody'})).encode(), None),
        ]
        for status, body, signature in cases:
            with self.subTest(status=status, body=body[:60]):
                response = self.post_event(body, signature=signature)
                self.assertEqual(response.status_code, status, response.text)
        self.assertFalse(self.documents_of(self.email_contact))


@tagged('post_install', '-at_install')
class TestEventsProtocol(BaseCase):

    def test_parse_event(self):
        message = webhook_events.parse_event(json.dumps({
            'channel': 'instagram', 'direction': 'sent', 'message_id': ' m1 ',
            'contact': {'identity': 17841, 'email': ''},
            'attachments': [{'url': 'https://cdn.example.com/a.jpg'}, {'name': 'b.txt', 'content': 'aGk='}],
        }).encode())
        self.assertEqual((message.channel, message.direction, message.external_id, message.contact),
                         ('instagram', 'sent', 'm1', {'identity': '17841'}))
        self.assertEqual(message.attachments[1].content, b'hi')
        for broken in ({'channel': 'WhatsApp!'}, {'channel': 'x', 'direction': 'received'}):
            with self.subTest(payload=broken), self.assertRaises(PayloadError):
                webhook_events.parse_event(json.dumps(broken).encode())

    def test_signature(self):
        header = signatures.sha256_signature('key', b'{}')
        self.assertTrue(signatures.check_sha256_signature('key', b'{}', header))
        self.assertFalse(signatures.check_sha256_signature('key', b'{ }', header))
        self.assertFalse(signatures.check_sha256_signature('', b'{}', header))
