import base64
import json

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ChannelSyncCommon, make_pdf


@tagged('post_install', '-at_install')
class TestChannelIdentityIsolation(ChannelSyncCommon, HttpCase):
    """A company's webhooks file on that company's contacts: nobody can route them elsewhere."""

    OTHER_SECRET = 'other-company-events-secret'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env['res.company'].create({
            'name': 'Second Company', 'contact_documents_webhook_secret': cls.OTHER_SECRET,
            'contact_documents_create_unknown': True,
        })
        cls.own_contact = cls.env['res.partner'].create({'name': 'Own Contact', 'company_id': cls.company.id})
        cls.other_contact = cls.env['res.partner'].create({
            'name': 'Second Company Customer', 'email': 'customer@second.example.com', 'company_id': cls.other_company.id,
        })
        cls.partner_manager = new_test_user(
            cls.env, login='cd_identity_pm', groups='base.group_user,base.group_partner_manager',
            company_id=cls.company.id, company_ids=[cls.company.id])

    def post_other_company_event(self, contact, message_id):
        raw_body = json.dumps({
            'channel': 'whatsapp', 'direction': 'received', 'message_id': message_id, 'contact': contact,
            'attachments': [{'name': 'invoice.pdf', 'content': base64.b64encode(make_pdf(message_id)).decode()}],
        }).encode()
        return self.post_event(raw_body, signature=self.events_signature(raw_body, secret=self.OTHER_SECRET))

    def test_an_identity_cannot_point_at_another_companys_contact(self):
        Identity = self.env['res.partner.channel.identity'].with_user(self.partner_manager)
        with self.assertRaises(UserError):
            Identity.create({'partner_id': self.other_contact.id, 'channel': 'whatsapp', 'identity': 'wa-1'})
        with self.assertRaises(UserError):
            Identity.create({'partner_id': self.own_contact.id, 'channel': 'whatsapp', 'identity': 'wa-1',
                             'company_id': self.other_company.id})

    def test_an_identity_of_one_company_never_captures_another_companys_messages(self):
        squatted = self.env['res.partner.channel.identity'].with_user(self.partner_manager).create({
            'partner_id': self.own_contact.id, 'channel': 'whatsapp', 'identity': 'wa-4242'})
        self.assertEqual(squatted.company_id, self.company)
        response = self.post_other_company_event({'identity': 'wa-4242', 'name': 'Real Sender'}, 'wamid.squat-1')
        self.assertEqual(response.status_code, 200, response.text)
        self.assertFalse(self.documents_of(self.own_contact))
        own_identity = self.env['res.partner.channel.identity'].search(
            [('identity', '=', 'wa-4242'), ('company_id', '=', self.other_company.id)])
        self.assertEqual(own_identity.partner_id.name, 'Real Sender')
        self.assertEqual(own_identity.partner_id.company_id, self.other_company)
        self.assertEqual(self.documents_of(own_identity.partner_id).name, 'invoice.pdf')

    def test_a_newer_shared_contact_with_the_same_email_does_not_capture_the_sender(self):
        trap = self.env['res.partner'].with_user(self.partner_manager).create({
            'name': 'AAA trap', 'email': 'customer@second.example.com', 'company_id': False})
        response = self.post_other_company_event({'email': 'customer@second.example.com'}, 'wamid.trap-1')
        self.assertEqual(response.status_code, 200, response.text)
        self.assertFalse(self.documents_of(trap))
        self.assertEqual(self.documents_of(self.other_contact).name, 'invoice.pdf')
