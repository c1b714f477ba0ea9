import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, email_normalize

# Characters mail.thread.phone strips before comparing numbers; its indexes use the same expression.
PHONE_STRIP_RE = r'[\s\\./\(\)\-]'
CHANNEL_NAMES = {'sms': "SMS", 'facebook': "Facebook", 'instagram': "Instagram"}
# The company's own contacts before shared ones (company-less contacts sort last), then the
# oldest: a shared contact created later with the same email or phone does not capture the sender.
CONTACT_MATCH_ORDER = 'company_id, id'


class ResPartnerChannelIdentity(models.Model):
    """Who a contact is on a messaging channel.

    Meta identifies a customer by an id scoped to the Page or Instagram account
    (PSID / IGSID), a gateway by its own ids: the contact keeps them here so
    that the next message finds it again.
    """
    _name = 'res.partner.channel.identity'
    _description = "Contact Channel Identity"
    _order = 'channel, id'
    _rec_name = 'identity'

    partner_id = fields.Many2one('res.partner', string="Contact", required=True, index=True, ondelete='cascade')
    channel = fields.Char(required=True, help="Technical name of the channel: facebook, instagram, sms, whatsapp...")
    account_id = fields.Char(
        "Account", help="Page, Instagram account or gateway account the identity belongs to: "
                        "a Messenger PSID only means something for its Page.")
    identity = fields.Char(required=True, help="The contact's id on the channel (PSID, IGSID, phone number...)")
    # The company whose channel account the identity was seen on: a webhook of
    # another company never finds it, so nobody can route another company's
    # messages to a contact of their choice.
    company_id = fields.Many2one(
        'res.company', string="Company", required=True, index=True, default=lambda self: self.env.company)

    _identity_uniq = models.UniqueIndex(
        "(company_id, channel, COALESCE(account_id, ''), identity)",
        "This channel identity already belongs to a contact.",
    )

    @api.constrains('partner_id', 'company_id')
    def _check_partner_company(self):
        for identity in self:
            if identity.partner_id.company_id not in (identity.company_id, self.env['res.company']):
                raise ValidationError(_(
                    "%(contact)s belongs to another company than the channel identity %(identity)s.",
                    contact=identity.partner_id.display_name, identity=identity.identity))

    @api.model
    def _find_or_create_partner(self, company, message):
        """The contact a :class:`ChannelMessage` was exchanged with.

        Looked up by channel identity, then phone, then email; an unknown sender
        is created when the company allows it. The identity is remembered on the
        contact found or created.

        :return: res.partner record, empty when the sender is unknown and ignored
        """
        contact = message.contact
        channel = message.identity_channel or message.channel
        identity_value = contact.get('identity')
        # Two deliveries from the same new sender racing each other create one contact.
        self._lock_contact_key(company, channel, message.account, identity_value or contact.get('phone') or contact.get('email'))
        identity = self._find_identity(company, channel, message.account, identity_value) if identity_value else self
        partner = identity.partner_id
        if not partner and contact.get('phone'):
            partner = self._find_contact_by_phone(company, contact['phone'])
        if not partner and contact.get('email'):
            partner = self._find_contact_by_email(company, contact['email'])
        if not partner:
            if not company.contact_documents_create_unknown:
                return self.env['res.partner']
            partner = self._create_contact(company, message)
        if identity_value and not identity:
            self.create({
                'partner_id': partner.id,
                'channel': channel,
                'account_id': message.account or False,
                'identity': identity_value,
                'company_id': company.id,
            })
        return partner

    @api.model
    def _lock_contact_key(self, company, channel, account, key):
        if key:
            self.env['contact.document.media']._claim_sync_key(f'{company.id}:{channel}:{account or ""}:{key}')

    @api.model
    def _find_identity(self, company, channel, account, identity):
        return self.search([
            ('channel', '=', channel),
            ('account_id', '=', account or False),
            ('identity', '=', identity),
            ('company_id', '=', company.id),
            ('partner_id.active', '=', True),
        ], limit=1)

    @api.model
    def _company_partner_domain(self, company):
        # Colleagues (partners of internal users) are never contacts to file documents on.
        return Domain('company_id', 'in', [company.id, False]) & Domain('partner_share', '=', True)

    @api.model
    def _find_contact_by_phone(self, company, number):
        """The contact whose phone is ``number``.

        Odoo's normalisation first (``phone_sanitized``, E.164 in the company's
        country); then the digits, so that ``+1 555-0100`` and ``15550100``
        match even when the number cannot be validated.
        """
        Partner = self.env['res.partner'].with_company(company)
        sanitized = Partner._phone_format(number=number, country=company.country_id or self.env.company.country_id)
        domain = self._company_partner_domain(company)
        if sanitized:
            partner = Partner.search(domain & Domain('phone_sanitized', '=', sanitized), limit=1, order=CONTACT_MATCH_ORDER)
            if partner:
                return partner
        digits = re.sub(r'\D', '', number.strip().removeprefix('00'))
        if len(digits) < 6:
            return Partner.browse()
        phone_fields = [
            fname for fname in Partner._phone_get_number_fields()
            if fname in Partner._fields and Partner._fields[fname].store
        ]
        if not phone_fields:
            return Partner.browse()
        candidates = (digits, f'+{digits}', f'00{digits}')
        Partner.flush_model(phone_fields)
        self.env.cr.execute(SQL(
            "SELECT id FROM res_partner WHERE %s",
            SQL(' OR ').join(
                SQL("regexp_replace(%s, %s, '', 'g') IN %s", SQL.identifier(fname), PHONE_STRIP_RE, candidates)
                for fname in phone_fields
            ),
        ))
        matching_ids = [row[0] for row in self.env.cr.fetchall()]
        if not matching_ids:
            return Partner.browse()
        return Partner.search(domain & Domain('id', 'in', matching_ids), limit=1, order=CONTACT_MATCH_ORDER)

    @api.model
    def _find_contact_by_email(self, company, email):
        normalized = email_normalize(email)
        if not normalized:
            return self.env['res.partner']
        return self.env['res.partner'].search(
            self._company_partner_domain(company) & Domain('email_normalized', '=', normalized),
            limit=1, order=CONTACT_MATCH_ORDER)

    @api.model
    def _create_contact(self, company, message):
        contact = message.contact
        channel_name = CHANNEL_NAMES.get(message.channel) or (message.label or message.channel).capitalize()
        name = (
            contact.get('name') or contact.get('email') or contact.get('phone')
            or _("%(channel)s user %(identity)s", channel=channel_name, identity=contact.get('identity'))
        )
        return self.env['res.partner'].create({
            'name': name,
            'phone': contact.get('phone') or False,
            'email': contact.get('email') or False,
            'company_id': company.id,
        })
