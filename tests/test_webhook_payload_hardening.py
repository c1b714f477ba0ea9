import base64
import copy
import json

from odoo.tests import BaseCase, HttpCase, tagged

from odoo.addons.contact_documents.tests.common import ChannelSyncCommon
from odoo.addons.contact_documents.tools import meta, twilio, webhook_events
from odoo.addons.contact_documents.tools.channel_message import (
    ChannelAttachment,
    ChannelMessage,
    PayloadError,
    clean_message,
)

# 100000 nested lists: json.loads gives up with a RecursionError.
DEEPLY_NESTED = b'[' * 100000 + b']' * 100000
META_NESTED = b'{"object": "page", "entry": ' + DEEPLY_NESTED + b'}'


def meta_batch(mid='m_hostile', sender='6798001234567890', account='106123456789012', attachments=None):
    """A Messenger batch as Meta documents it, for the parsers and the webhook alike."""
    return {'object': 'page', 'entry': [{'id': account, 'time': 1700000000000, 'messaging': [{
        'sender': {'id': sender}, 'recipient': {'id': account}, 'timestamp': 1700000000000,
        'message': {'mid': mid, 'attachments': attachments if attachments is not None else [
            {'type': 'image', 'payload': {'url': 'https://scontent.xx.fbcdn.net/v/photo.jpg'}}]},
    }]}]}


def meta_variants(batch):
    """Signed batches whose values have another type than Meta documents, or a control character.

    :return: (label, payload) pairs, each payload changed from a deep copy of ``batch``
    """
    def changed(change):
        payload = copy.deepcopy(batch)
        entry = payload['entry'][0]
        event = entry['messaging'][0]
        change(payload, entry, event, event['message'])
        return payload

    def standby(entry, value):
        entry['standby'] = value
        del entry['messaging']

    return [
        ("messaging is a string", changed(lambda p, entry, e, m: entry.update(messaging='events'))),
        ("messaging is an object", changed(lambda p, entry, e, m: entry.update(messaging=entry['messaging'][0]))),
        ("standby is a string", changed(lambda p, entry, e, m: standby(entry, 'events'))),
        ("standby is an object", changed(lambda p, entry, e, m: standby(entry, entry['messaging'][0]))),
        ("event is a string", changed(lambda p, entry, e, m: entry.update(messaging=['event']))),
        ("message is a list", changed(lambda p, entry, event, m: event.update(message=[event['message']]))),
        ("sender is a string", changed(lambda p, e, event, m: event.update(sender=event['sender']['id']))),
        ("recipient of an echo is a string", changed(
            lambda p, e, event, message: (event.update(recipient='6798001234567890'), message.update(is_echo=True)))),
        ("sender id is an object", changed(lambda p, e, event, m: event.update(sender={'id': {'id': '1'}}))),
        ("entry id is a list", changed(lambda p, entry, e, m: entry.update(id=[entry['id']]))),
        ("mid is a number", changed(lambda p, e, ev, message: message.update(mid=12345))),
        ("mid is a list", changed(lambda p, e, ev, message: message.update(mid=['m_1']))),
        ("attachments is an object", changed(
            lambda p, e, ev, message: message.update(attachments=message['attachments'][0]))),
        ("attachment is a string", changed(lambda p, e, ev, message: message.update(attachments=['photo.jpg']))),
        ("payload is a string", changed(
            lambda p, e, ev, message: message['attachments'][0].update(payload='https://scontent.xx.fbcdn.net/a.jpg'))),
        ("type is a list", changed(lambda p, e, ev, message: message['attachments'][0].update(type=['image']))),
        ("url is an object", changed(
            lambda p, e, ev, message: message['attachments'][0]['payload'].update(url={'href': 'x'}))),
        ("NUL in the mid", changed(lambda p, e, ev, message: message.update(mid='m_\x00hostile'))),
        ("lone surrogate in the mid", changed(lambda p, e, ev, message: message.update(mid='m_\ud800'))),
        ("NUL in the sender id", changed(lambda p, e, event, m: event.update(sender={'id': '6798\x00001'}))),
        ("NUL in the page id", changed(lambda p, entry, e, m: entry.update(id=entry['id'] + '\x00'))),
        ("NUL in the media URL", changed(
            lambda p, e, ev, message: message['attachments'][0]['payload'].update(url='https://a.fbcdn.net/\x00.jpg'))),
    ]


@tagged('post_install', '-at_install')
class TestWebhookPayloadHardening(ChannelSyncCommon, HttpCase):
    """Signed but hostile payloads are answered 400, file nothing, and never crash the request."""

    def setUp(self):
        super().setUp()
        self.counts_before = self.counts()

    def counts(self):
        return {model: self.env[model].sudo().search_count([])
                for model in ('contact.document', 'contact.document.media', 'res.partner')}

    def assert_refused(self, response):
        self.assertEqual(response.status_code, 400, response.text)
        self.assertTrue(response.json().get('error'))
        self.assertEqual(self.counts(), self.counts_before, "a refused request files, queues and creates nothing")

    def test_meta_values_of_another_type_or_with_control_characters_are_refused(self):
        batch = meta_batch(sender=self.messenger_psid, account=self.PAGE_ID,
                           attachments=[{'type': 'image', 'payload': {'url': self.media_url('/media/photo.jpg')}}])
        self.assertEqual(self.post_meta(batch).json()['queued'], 1, "the batch the hostile ones derive from is fine")
        self.counts_before = self.counts()
        for label, payload in meta_variants(batch):
            with self.subTest(label):
                self.assert_refused(self.post_meta(payload))

    def test_meta_deeply_nested_json_is_refused(self):
        for raw_body in (DEEPLY_NESTED, META_NESTED):
            with self.subTest(body=raw_body[:30]):
                self.assert_refused(self.post_meta(raw_body))

    def event(self, **changes):
        payload = {
            'channel': 'whatsapp', 'direction': 'received', 'message_id': 'wamid.hostile',
            'contact': {'identity': 'wa-15550777', 'phone': '+15550777', 'email': 'walter@example.com'},
            'attachments': [{'name': 'contract.pdf', 'content': base64.b64encode(self.pdf).decode()}],
        }
        payload.update(changes)
        return payload

    def test_events_identifiers_with_control_characters_are_refused(self):
        contact = self.event()['contact']
        cases = [
            ("NUL in the message id", self.event(message_id='wamid.\x00')),
            ("lone surrogate in the message id", self.event(message_id='wamid.\udfff')),
            ("NUL in the identity", self.event(contact=dict(contact, identity='wa-\x00'))),
            ("NUL in the phone", self.event(contact={'phone': '+1555\x000777'})),
            ("NUL in the email", self.event(contact={'email': 'walter\x00@example.com'})),
            ("NUL in a media URL", self.event(attachments=[{'url': self.media_url('/media/\x00photo.jpg')}])),
            ("NUL in a media type", self.event(attachments=[
                {'url': self.media_url('/media/photo.jpg'), 'mimetype': 'image/\x00jpeg'}])),
        ]
        for label, payload in cases:
            with self.subTest(label):
                self.assert_refused(self.post_event(payload))

    def test_events_deeply_nested_json_is_refused(self):
        self.assert_refused(self.post_event(DEEPLY_NESTED))

    def test_events_names_lose_their_control_characters_and_are_filed(self):
        payload = self.event(
            contact={'identity': 'wa-15550888', 'name': '\x00Walter\x07 App\x1b'},
            attachments=[{'name': 'con\x00tract\x1f.pdf', 'content': base64.b64encode(self.pdf).decode()}])
        response = self.post_event(payload)
        self.assertEqual(response.status_code, 200, response.text)
        identity = self.env['res.partner.channel.identity'].search([('identity', '=', 'wa-15550888')])
        self.assertEqual(identity.partner_id.name, 'Walter App')
        self.assertEqual(self.documents_of(identity.partner_id).name, 'contract.pdf')

    def test_twilio_identifiers_with_control_characters_are_refused(self):
        media = [(self.media_url('/media/photo.png'), 'image/png')]
        cases = [
            ("NUL in MessageSid", self.twilio_params(message_sid='MM\x00' + '0' * 32, media=media)),
            ("NUL in From", self.twilio_params(sender='+1555\x000100', media=media)),
            ("NUL in MediaUrl0", self.twilio_params(media=[(self.media_url('/media/\x00photo.png'), 'image/png')])),
            ("NUL in MediaContentType0", self.twilio_params(media=[(self.media_url('/media/photo.png'), 'image/\x00png')])),
            ("NUL in AccountSid", dict(self.twilio_params(media=media), AccountSid=self.TWILIO_SID + '\x00')),
            ("AccountSid of another shape", dict(self.twilio_params(media=media), AccountSid='AC1')),
        ]
        for label, params in cases:
            with self.subTest(label):
                self.assert_refused(self.post_twilio(params))


@tagged('post_install', '-at_install')
class TestPayloadParsers(BaseCase):
    """The pure parsers refuse what the webhooks must answer 400, with a short reason."""

    def test_meta_parser_refuses_values_of_another_type(self):
        batch = meta_batch()
        (message,), ignored = meta.parse_payload(meta.load_payload(json.dumps(batch).encode()))
        self.assertEqual((message.external_id, message.contact, ignored), ('m_hostile', {'identity': '6798001234567890'}, 0))
        for label, payload in meta_variants(batch):
            with self.subTest(label), self.assertRaises(PayloadError) as caught:
                meta.parse_payload(meta.load_payload(json.dumps(payload).encode()))
            self.assertLess(len(caught.exception.args[0]), 60, "a short reason")

    def test_meta_parser_still_ignores_events_without_a_message(self):
        payload = meta_batch()
        events = payload['entry'][0]['messaging']
        events.append({'sender': {'id': '1'}, 'recipient': {'id': '2'}, 'read': {'watermark': 1}})
        events.append({'sender': {'id': '1'}, 'recipient': {'id': '2'}, 'message': {'text': 'no mid'}})
        messages, ignored = meta.parse_payload(payload)
        self.assertEqual((len(messages), ignored), (1, 2))

    def test_deeply_nested_json_is_malformed(self):
        for load in (meta.load_payload, webhook_events.parse_event):
            with self.subTest(load=load.__name__), self.assertRaisesRegex(PayloadError, 'malformed JSON'):
                load(DEEPLY_NESTED)

    def test_twilio_parser_refuses_control_characters(self):
        form = {'MessageSid': 'MM1', 'AccountSid': 'AC1', 'From': '+15550100', 'NumMedia': '1',
                'MediaUrl0': 'https://api.twilio.com/m/0', 'MediaContentType0': 'image/jpeg'}
        self.assertEqual(twilio.parse_inbound_message(form).external_id, 'MM1')
        for key in ('MessageSid', 'AccountSid', 'From', 'MediaUrl0', 'MediaContentType0'):
            with self.subTest(key=key), self.assertRaisesRegex(PayloadError, 'control characters'):
                twilio.parse_inbound_message(dict(form, **{key: form[key] + '\x00'}))

    def test_clean_message_refuses_identifiers_and_cleans_names(self):
        def message(**contact):
            return ChannelMessage(
                channel='other', direction='received', external_id='m1', contact=contact,
                attachments=[ChannelAttachment(index=0, content=b'x', name='invoice\x00.pdf')])

        cleaned = clean_message(message(identity='wa-1', name='\x00Jane\x85 Doe\t'))
        self.assertEqual(cleaned.contact, {'identity': 'wa-1', 'name': 'Jane Doe'})
        self.assertEqual(cleaned.attachments[0].name, 'invoice.pdf')
        self.assertEqual(clean_message(message(email='a@example.com', name='\x00\x01')).contact, {'email': 'a@example.com'})
        self.assertEqual(clean_message(message(phone='+33 1 23 45 67 89', name='Zoé Ümlaut')).contact['name'], 'Zoé Ümlaut')
        for contact in ({'identity': 'wa\x00'}, {'phone': '+1\x7f555'}, {'email': 'a@b.c\n'}, {'identity': '\ud800'}):
            with self.subTest(contact=contact), self.assertRaisesRegex(PayloadError, 'control characters'):
                clean_message(message(**contact))
