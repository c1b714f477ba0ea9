from odoo.tests import TransactionCase, tagged

from odoo.addons.contact_documents.tools.safe_fetch import DEFAULT_ALLOWED_HOSTS


@tagged('post_install', '-at_install')
class TestChannelSettings(TransactionCase):

    def test_settings_are_saved_per_company_and_show_the_webhook_urls(self):
        self.env['ir.config_parameter'].set_param('web.base.url', 'https://odoo.example.com')
        self.assertTrue(self.env.company.contact_documents_create_unknown, "unknown senders become contacts by default")
        self.assertEqual(self.env.company.contact_documents_media_hosts, DEFAULT_ALLOWED_HOSTS)
        settings = self.env['res.config.settings'].create({
            'contact_documents_twilio_account_sid': 'AC' + '1' * 32,
            'contact_documents_twilio_auth_token': 'token',
            'contact_documents_meta_page_ids': '1061, 1062',
            'contact_documents_create_unknown': False,
        })
        settings.execute()
        company = self.env.company
        self.assertEqual(company._contact_documents_twilio_credentials(), ('AC' + '1' * 32, 'token'))
        self.assertFalse(company.contact_documents_create_unknown)
        self.assertTrue(company._contact_documents_meta_account('facebook', '1062'))
        self.assertFalse(company._contact_documents_meta_account('instagram', '1062'))
        self.assertEqual(self.env['res.company']._contact_documents_company_for_twilio('AC' + '1' * 32), company)
        self.assertEqual(settings.contact_documents_twilio_webhook_url,
                         'https://odoo.example.com/contact_documents/webhook/twilio')
        self.assertEqual(settings.contact_documents_meta_webhook_url,
                         'https://odoo.example.com/contact_documents/webhook/meta')
        self.assertEqual(settings.contact_documents_events_webhook_url,
                         'https://odoo.example.com/contact_documents/webhook/events')

    def test_views_render(self):
        settings_arch = self.env['res.config.settings'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('contact_documents_twilio_webhook_url', settings_arch)
        partner_arch = self.env['res.partner'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('channel_identity_ids', partner_arch)
        media_arch = self.env['contact.document.media'].get_views([(False, 'list')])['views']['list']['arch']
        self.assertIn('last_error', media_arch)
