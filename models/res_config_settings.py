from odoo import api, fields, models

WEBHOOK_PATHS = {
    'twilio': '/contact_documents/webhook/twilio',
    'meta': '/contact_documents/webhook/meta',
    'events': '/contact_documents/webhook/events',
}


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    contact_documents_twilio_account_sid = fields.Char(
        related='company_id.contact_documents_twilio_account_sid', readonly=False)
    contact_documents_twilio_auth_token = fields.Char(
        related='company_id.contact_documents_twilio_auth_token', readonly=False)
    contact_documents_meta_app_secret = fields.Char(
        related='company_id.contact_documents_meta_app_secret', readonly=False)
    contact_documents_meta_verify_token = fields.Char(
        related='company_id.contact_documents_meta_verify_token', readonly=False)
    contact_documents_meta_page_ids = fields.Char(
        related='company_id.contact_documents_meta_page_ids', readonly=False)
    contact_documents_instagram_account_ids = fields.Char(
        related='company_id.contact_documents_instagram_account_ids', readonly=False)
    contact_documents_webhook_secret = fields.Char(
        related='company_id.contact_documents_webhook_secret', readonly=False)
    contact_documents_create_unknown = fields.Boolean(
        "Create contacts for unknown senders", related='company_id.contact_documents_create_unknown', readonly=False,
        help="A file from a phone number or account that matches no contact creates that contact; "
             "when unticked, such files are not kept.")
    contact_documents_media_hosts = fields.Char(
        "Allowed download sites", related='company_id.contact_documents_media_hosts', readonly=False)
    contact_documents_twilio_webhook_url = fields.Char(compute='_compute_contact_documents_webhook_urls')
    contact_documents_meta_webhook_url = fields.Char(compute='_compute_contact_documents_webhook_urls')
    contact_documents_events_webhook_url = fields.Char(compute='_compute_contact_documents_webhook_urls')
    contact_documents_office_preview = fields.Boolean(
        "Office previews", compute='_compute_contact_documents_office_preview',
        help="LibreOffice is installed on the server: Word, PowerPoint and Excel files are previewed as PDF.")

    def _compute_contact_documents_office_preview(self):
        available = self.env['contact.document']._office_preview_available()
        for settings in self:
            settings.contact_documents_office_preview = available

    @api.depends('company_id')
    def _compute_contact_documents_webhook_urls(self):
        """The public URLs to paste into Twilio and Meta: built on ``web.base.url``,
        which is also the URL Twilio's signature is checked against."""
        base_url = self.env['ir.config_parameter'].sudo().get_param('web.base.url', '').rstrip('/')
        for settings in self:
            settings.contact_documents_twilio_webhook_url = base_url + WEBHOOK_PATHS['twilio']
            settings.contact_documents_meta_webhook_url = base_url + WEBHOOK_PATHS['meta']
            settings.contact_documents_events_webhook_url = base_url + WEBHOOK_PATHS['events']
