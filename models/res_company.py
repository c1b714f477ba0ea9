from odoo import api, fields, models

from ..tools import meta
from ..tools.safe_fetch import DEFAULT_ALLOWED_HOSTS
from ..tools.signatures import check_sha256_signature


def _split_ids(text):
    return {part.strip() for part in (text or '').replace('\n', ',').split(',') if part.strip()}


class ResCompany(models.Model):
    _inherit = 'res.company'

    contact_documents_twilio_account_sid = fields.Char("Twilio Account SID", groups='base.group_system')
    contact_documents_twilio_auth_token = fields.Char("Twilio Auth Token", groups='base.group_system')
    contact_documents_meta_app_secret = fields.Char("Meta App Secret", groups='base.group_system')
    contact_documents_meta_verify_token = fields.Char("Meta Verify Token", groups='base.group_system')
    contact_documents_meta_page_ids = fields.Char(
        "Facebook Page IDs", groups='base.group_system',
        help="Ids of the Facebook Pages whose Messenger conversations are synced, comma-separated.")
    contact_documents_instagram_account_ids = fields.Char(
        "Instagram Account IDs", groups='base.group_system',
        help="Ids of the Instagram professional accounts whose conversations are synced, comma-separated.")
    contact_documents_webhook_secret = fields.Char(
        "Events Webhook Secret", groups='base.group_system',
        help="Key of the HMAC-SHA256 signature of requests to the generic events webhook.")
    contact_documents_create_unknown = fields.Boolean(
        "Create Unknown Senders", default=True,
        help="A file from a sender matching no contact creates the contact; otherwise it is ignored.")
    contact_documents_media_hosts = fields.Char(
        "Allowed Media Hosts", default=DEFAULT_ALLOWED_HOSTS, groups='base.group_system',
        help="Hosts media may be downloaded from, comma-separated; '*.example.com' covers its subdomains. "
             "A host listed without wildcard is trusted even on an internal address.")

    def _contact_documents_twilio_credentials(self):
        """(Account SID, Auth Token): this addon's own, else those ``sms_twilio`` stores."""
        self.ensure_one()
        company = self.sudo()
        if company.contact_documents_twilio_account_sid:
            return company.contact_documents_twilio_account_sid, company.contact_documents_twilio_auth_token or ''
        if 'sms_twilio_account_sid' in company._fields and company.sms_twilio_account_sid:
            return company.sms_twilio_account_sid, company.sms_twilio_auth_token or ''
        return '', ''

    @api.model
    def _contact_documents_company_for_twilio(self, account_sid):
        """The company whose Twilio account is ``account_sid``, or an empty recordset."""
        if not account_sid:
            return self.browse()
        Company = self.sudo()
        company = Company.search([('contact_documents_twilio_account_sid', '=', account_sid)], limit=1)
        if not company and 'sms_twilio_account_sid' in Company._fields:
            company = Company.search([
                ('sms_twilio_account_sid', '=', account_sid),
                ('contact_documents_twilio_account_sid', '=', False),
            ], limit=1)
        return company

    @api.model
    def _contact_documents_companies_signing(self, raw_body, signature, secret_field, check):
        """Companies whose secret in ``secret_field`` makes ``signature`` valid for ``raw_body``."""
        companies = self.sudo().search([(secret_field, '!=', False)])
        return companies.filtered(lambda company: check(company[secret_field], raw_body, signature))

    @api.model
    def _contact_documents_companies_for_meta(self, raw_body, signature):
        return self._contact_documents_companies_signing(
            raw_body, signature, 'contact_documents_meta_app_secret', check_sha256_signature)

    @api.model
    def _contact_documents_company_for_events(self, raw_body, signature):
        return self._contact_documents_companies_signing(
            raw_body, signature, 'contact_documents_webhook_secret', check_sha256_signature)[:1]

    @api.model
    def _contact_documents_meta_challenge(self, params):
        """The challenge to answer Meta's subscription handshake, when a company's verify token matches."""
        for company in self.sudo().search([('contact_documents_meta_verify_token', '!=', False)]):
            challenge = meta.check_verification(params, company.contact_documents_meta_verify_token)
            if challenge:
                return challenge
        return None

    def _contact_documents_meta_account(self, channel, account_id):
        """True when ``account_id`` is one of this company's Pages ('facebook') or Instagram accounts."""
        self.ensure_one()
        company = self.sudo()
        ids = company.contact_documents_meta_page_ids if channel == 'facebook' else company.contact_documents_instagram_account_ids
        return account_id in _split_ids(ids)
