import base64

from twilio.request_validator import RequestValidator

from odoo.tests import BaseCase, HttpCase, tagged

from odoo.addons.contact_documents.tests.common import ChannelSyncCommon
from odoo.addons.contact_documents.tools import twilio
from odoo.addons.contact_documents.tools.channel_message import PayloadError


@tagged('post_install', '-at_install')
class TestWebhookTwilio(ChannelSyncCommon, HttpCase):

    def queued_for(self, message_sid):
        return self.env['contact.document.media'].sudo().search([('external_message_id', '=', message_sid)])

    def assert_refused(self, response, status, message_sid):
        self.assertEqual(response.status_code, status, response.text)
        self.assertFalse(self.queued_for(message_sid), "a refused request queues nothing")
        self.assertFalse(self.env['contact.document'].sudo().search([('external_message_id', '=', message_sid)]))

    def test_signed_mms_files_each_media_as_received_on_the_contact_found_by_phone(self):
        params = self.twilio_params(message_sid='MMfiled00000000000000000000000001', media=[
            (self.media_url('/media/photo.jpg'), 'image/jpeg'),
            (self.media_url('/media/invoice.pdf'), 'application/pdf'),
        ])
        response = self.post_twilio(params)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.headers['Content-Type'].split(';')[0], 'text/xml')
        self.assertIn('<Response/>', response.text)
        # The answer does not wait for the media: it is queued for the cron.
        self.assertFalse(self.media_server.requests_to('/media/photo.jpg'))
        self.assertEqual(self.queued_for(params['MessageSid']).mapped('state'), ['queued', 'queued'])
        self.assertTrue(self.env['ir.cron.trigger'].sudo().search([
            ('cron_id', '=', self.env.ref('contact_documents.ir_cron_contact_document_media_fetch').id)]))

        self.run_media_cron()
        documents = self.documents_of(self.sms_contact).sorted('attachment_index')
        self.assertEqual(documents.mapped('name'), ['photo.jpg', 'invoice.pdf'])
        self.assertEqual(documents.mapped('mimetype'), ['image/jpeg', 'application/pdf'])
        self.assertEqual(set(documents.mapped('direction')), {'received'})
        self.assertEqual(set(documents.mapped('channel')), {'sms'})
        self.assertEqual(documents[0].attachment_id.raw, self.jpeg)
        self.assertEqual(set(self.queued_for(params['MessageSid']).mapped('state')), {'done'})
        credentials = base64.b64encode(f'{self.TWILIO_SID}:{self.TWILIO_TOKEN}'.encode()).decode()
        self.assertEqual(self.media_server.requests_to('/media/photo.jpg')[-1].get('Authorization'), f'Basic {credentials}')
        chatter = self.sms_contact.message_ids.filtered(lambda message: 'received' in (message.body or ''))
        self.assertEqual(len(chatter), 2, "each file is told in the contact's chatter")
        self.assertIn('SMS/MMS: received', chatter[0].body)
        self.assertEqual(documents.message_id, chatter)

    def post_mms_from(self, sender, message_sid):
        response = self.post_twilio(self.twilio_params(message_sid=message_sid, sender=sender, media=[
            (self.media_url('/media/photo.png'), 'image/png')]))
        self.assertEqual(response.status_code, 200, response.text)
        return self.queued_for(message_sid)

    def test_mms_from_an_e164_number_finds_the_contact_whatever_the_format_it_was_saved_in(self):
        self.company.country_id = self.env.ref('base.us')
        Partner = self.env['res.partner']
        saved = {
            '(415) 555-0142': '+14155550142',
            '415.555.0143': '+14155550143',
            '415 555 0144': '+14155550144',
            '+1 415-555-0145': '+14155550145',
            '0014155550146': '+14155550146',
            '+14155550147': '+14155550147',
            '14155550148': '+14155550148',
        }
        contacts = {phone: Partner.create({'name': f'Saved as {phone}', 'phone': phone, 'company_id': self.company.id})
                    for phone in saved}
        contact_count = Partner.search_count([])
        for phone, sender in saved.items():
            with self.subTest(saved=phone):
                self.assertEqual(self.post_mms_from(sender, f'MMformat{sender[-4:]}00000000000000000000000').partner_id,
                                 contacts[phone])
        self.assertEqual(Partner.search_count([]), contact_count, "no contact is created")
        self.run_media_cron()
        for phone, contact in contacts.items():
            self.assertEqual(self.documents_of(contact).name, 'photo.png', phone)
            self.assertNotIn('matched by phone', self.documents_of(contact).message_id.body)

    def test_mms_from_another_country_finds_the_contact_saved_in_international_format(self):
        self.company.country_id = self.env.ref('base.us')
        london = self.env['res.partner'].create({'name': 'London Office', 'phone': '+44 20 7946 0958'})
        paris = self.env['res.partner'].create({
            'name': 'Paris Office', 'phone': '06 12 34 56 78', 'country_id': self.env.ref('base.fr').id})
        self.assertEqual(self.post_mms_from('+442079460958', 'MMlondon000000000000000000000001').partner_id, london)
        self.assertEqual(self.post_mms_from('+33612345678', 'MMparis0000000000000000000000001').partner_id, paris)

    def test_a_shared_number_files_on_the_most_recently_active_contact_and_says_so(self):
        self.company.country_id = self.env.ref('base.us')
        Partner = self.env['res.partner']
        older = Partner.create({'name': 'Pat Old', 'phone': '(415) 555-0150', 'company_id': self.company.id})
        newer = Partner.create({'name': 'Pat New', 'phone': '+1 415 555 0150', 'company_id': self.company.id})
        older.message_post(body="Called about the quote")  # the latest activity, though older is the older contact

        self.assertEqual(self.post_mms_from('+14155550150', 'MMshared00000000000000000000000001').partner_id, older)
        self.run_media_cron()
        line = self.documents_of(older).message_id
        self.assertIn('SMS/MMS: received', line.body)
        self.assertIn('matched by phone among 2 contacts, the most recently active', line.body)
        self.assertFalse(self.documents_of(newer))

        newer.message_post(body="Sent the contract")
        self.assertEqual(self.post_mms_from('+14155550150', 'MMshared00000000000000000000000002').partner_id, newer)

    def test_signature_covers_the_public_url_behind_a_proxy(self):
        self.env['ir.config_parameter'].sudo().set_param('web.base.url', 'https://odoo.example.com')
        params = self.twilio_params(message_sid='MMproxy000000000000000000000000001', media=[
            (self.media_url('/media/photo.png'), 'image/png')])
        request_url = self.base_url() + '/contact_documents/webhook/twilio'
        response = self.post_twilio(params, signature=self.twilio_signature(params, url=request_url))
        self.assert_refused(response, 403, params['MessageSid'])
        public_url = 'https://odoo.example.com/contact_documents/webhook/twilio'
        response = self.post_twilio(params, signature=self.twilio_signature(params, url=public_url))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(len(self.queued_for(params['MessageSid'])), 1)

    def test_wrong_missing_or_replayed_signatures_are_refused(self):
        params = self.twilio_params(message_sid='MMforged00000000000000000000000001', media=[
            (self.media_url('/media/photo.png'), 'image/png')])
        with self.subTest("wrong token"):
            self.assert_refused(self.post_twilio(params, signature=self.twilio_signature(params, token='x' * 32)),
                                403, params['MessageSid'])
        with self.subTest("missing"):
            self.assert_refused(self.post_twilio(params, signature=''), 403, params['MessageSid'])
        with self.subTest("replayed with another media"):
            signature = self.twilio_signature(params)
            tampered = dict(params, MediaUrl0=self.media_url('/media/invoice.pdf'))
            self.assert_refused(self.post_twilio(tampered, signature=signature), 403, params['MessageSid'])

    def test_unknown_account_is_refused(self):
        params = dict(self.twilio_params(message_sid='MMother0000000000000000000000000001', media=[
            (self.media_url('/media/photo.png'), 'image/png')]), AccountSid='AC' + 'f' * 32)
        self.assert_refused(self.post_twilio(params), 403, params['MessageSid'])

    def test_without_sms_twilio_the_addon_credentials_are_used_and_a_company_with_none_answers_403(self):
        # Runs in every install: without sms_twilio (``-i contact_documents`` alone), and with it
        # when no account is configured there, only the addon's own credentials count.
        if 'sms_twilio_account_sid' in self.company._fields:
            self.assertFalse(self.company.sms_twilio_account_sid)
        self.assertEqual(self.company._contact_documents_twilio_credentials(), (self.TWILIO_SID, self.TWILIO_TOKEN))
        params = self.twilio_params(message_sid='MMnoaccount0000000000000000000001', media=[
            (self.media_url('/media/photo.png'), 'image/png')])
        self.company.write({'contact_documents_twilio_account_sid': False, 'contact_documents_twilio_auth_token': False})
        self.assertEqual(self.company._contact_documents_twilio_credentials(), ('', ''))
        self.assert_refused(self.post_twilio(params), 403, params['MessageSid'])

    def test_account_configured_in_sms_twilio_is_used_when_the_addon_has_none(self):
        # sms_twilio is an optional companion, detected as the code does.
        if 'sms_twilio_account_sid' not in self.company._fields:
            self.skipTest("sms_twilio is not installed: "
                          "test_without_sms_twilio_the_addon_credentials_are_used_and_a_company_with_none_answers_403 runs instead")
        sms_sid, sms_token = 'AC' + 'ab' * 16, 'token-stored-by-sms-twilio'
        self.company.write({
            'contact_documents_twilio_account_sid': False, 'contact_documents_twilio_auth_token': False,
            'sms_twilio_account_sid': sms_sid, 'sms_twilio_auth_token': sms_token,
        })
        params = dict(self.twilio_params(message_sid='MMsmstwilio000000000000000000000001', media=[
            (self.media_url('/media/photo.png'), 'image/png')]), AccountSid=sms_sid)

        self.assert_refused(self.post_twilio(params), 403, params['MessageSid'])  # signed with the old token
        response = self.post_twilio(params, signature=self.twilio_signature(params, token=sms_token))
        self.assertEqual(response.status_code, 200, response.text)
        self.run_media_cron()
        self.assertEqual(self.documents_of(self.sms_contact).name, 'photo.png')
        credentials = base64.b64encode(f'{sms_sid}:{sms_token}'.encode()).decode()
        self.assertEqual(self.media_server.requests_to('/media/photo.png')[-1].get('Authorization'), f'Basic {credentials}')

    def test_malformed_form_bodies_are_refused(self):
        message_sid = 'MMmalformed000000000000000000000001'
        with self.subTest("no MessageSid"):
            params = self.twilio_params(message_sid=message_sid)
            del params['MessageSid'], params['SmsMessageSid']
            self.assert_refused(self.post_twilio(params), 400, message_sid)
        with self.subTest("NumMedia is not a number"):
            params = dict(self.twilio_params(message_sid=message_sid), NumMedia='many')
            self.assert_refused(self.post_twilio(params), 400, message_sid)
        with self.subTest("announced media missing"):
            params = dict(self.twilio_params(message_sid=message_sid), NumMedia='2')
            self.assert_refused(self.post_twilio(params), 400, message_sid)
        with self.subTest("not a form"):
            response = self.post_twilio({}, signature='x', data=b'{"MessageSid": "x"}',
                                        headers={'Content-Type': 'application/json'})
            self.assert_refused(response, 400, message_sid)

    def test_unknown_sender_is_created_or_ignored_as_configured(self):
        params = self.twilio_params(message_sid='MMnewsender0000000000000000000001', sender='+15557654321', media=[
            (self.media_url('/media/photo.png'), 'image/png')])
        self.company.contact_documents_create_unknown = False
        self.assertEqual(self.post_twilio(params).status_code, 200)
        self.assertFalse(self.queued_for(params['MessageSid']))
        self.assertFalse(self.env['res.partner'].search([('phone', '=', '+15557654321')]))

        self.company.contact_documents_create_unknown = True
        self.assertEqual(self.post_twilio(params).status_code, 200)
        self.run_media_cron()
        created = self.env['res.partner'].search([('phone', '=', '+15557654321')])
        self.assertEqual(created.name, '+15557654321')
        self.assertEqual(self.documents_of(created).name, 'photo.png')

    def test_duplicate_delivery_files_each_media_once(self):
        params = self.twilio_params(message_sid='MMtwice0000000000000000000000000001', media=[
            (self.media_url('/media/photo.png'), 'image/png')])
        self.post_twilio(params)
        self.run_media_cron()
        self.post_twilio(params)
        self.run_media_cron()
        self.assertEqual(len(self.queued_for(params['MessageSid'])), 1)
        self.assertEqual(len(self.documents_of(self.sms_contact)), 1)

    def test_mms_sent_from_odoo_files_its_media_as_sent_on_the_recipient(self):
        attachment = self.env['ir.attachment'].create({
            'name': 'quote.pdf', 'raw': self.pdf, 'res_model': 'mail.compose.message', 'res_id': 0,
        })
        # put_in_queue: the SMS stays in Odoo's outgoing queue, nothing is sent.
        self.sms_contact._message_sms(
            'Your quote', partner_ids=self.sms_contact.ids, attachment_ids=attachment.ids, put_in_queue=True)
        document = self.documents_of(self.sms_contact)
        self.assertEqual(document.name, 'quote.pdf')
        self.assertEqual((document.direction, document.channel), ('sent', 'sms'))


@tagged('post_install', '-at_install')
class TestTwilioProtocol(BaseCase):
    """The signature check against Twilio's own RequestValidator, and the form parsing."""

    TOKEN = '12345678901234567890123456789012'
    URL = 'https://odoo.example.com/contact_documents/webhook/twilio?company=1'

    def test_signature_matches_twilio_request_validator(self):
        validator = RequestValidator(self.TOKEN)
        params = {'MessageSid': 'MM1', 'Body': 'héllo & <b>', 'From': '+15550100', 'NumMedia': '0', 'A': ''}
        expected = validator.compute_signature(self.URL, params)
        self.assertEqual(twilio.compute_signature(self.TOKEN, self.URL, {k: [v] for k, v in params.items()}), expected)
        self.assertTrue(twilio.check_signature(self.TOKEN, self.URL, {k: [v] for k, v in params.items()}, expected))
        self.assertFalse(twilio.check_signature(self.TOKEN, self.URL, {'MessageSid': ['MM2']}, expected))
        self.assertFalse(twilio.check_signature(self.TOKEN, self.URL, {k: [v] for k, v in params.items()}, ''))
        # Twilio may sign with the default port spelled out, or not.
        with_port = 'https://odoo.example.com:443/contact_documents/webhook/twilio?company=1'
        signed_with_port = validator.compute_signature(with_port, params)
        self.assertTrue(twilio.check_signature(self.TOKEN, self.URL, {k: [v] for k, v in params.items()}, signed_with_port))

    def test_parse_inbound_message(self):
        message = twilio.parse_inbound_message({
            'MessageSid': 'MM1', 'AccountSid': 'AC1', 'From': '+15550100', 'NumMedia': '2',
            'MediaUrl0': 'https://api.twilio.com/m/0', 'MediaContentType0': 'image/jpeg',
            'MediaUrl1': 'https://api.twilio.com/m/1', 'MediaContentType1': 'application/pdf',
        })
        self.assertEqual((message.channel, message.direction, message.external_id, message.account),
                         ('sms', 'received', 'MM1', 'AC1'))
        self.assertEqual(message.contact, {'phone': '+15550100'})
        self.assertEqual([(a.index, a.url, a.mimetype) for a in message.attachments], [
            (0, 'https://api.twilio.com/m/0', 'image/jpeg'), (1, 'https://api.twilio.com/m/1', 'application/pdf')])
        for broken in ({'From': '+1'}, {'MessageSid': 'MM1'}, {'MessageSid': 'MM1', 'From': '+1', 'NumMedia': '11'}):
            with self.subTest(form=broken), self.assertRaises(PayloadError):
                twilio.parse_inbound_message(broken)
