import functools
import logging
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, create_index, email_normalize

from odoo.addons.phone_validation.models.mail_thread_phone import PHONE_REGEX_PATTERN

try:
    import phonenumbers
except ImportError:
    phonenumbers = None

_logger = logging.getLogger(__name__)

# What phone_sanitized holds when phonenumbers normalised it; anything else was saved without it.
E164_PATTERN = r'^\+[0-9]+$'
# The name Odoo gives the index of res.partner's phone_sanitized field (index='btree_not_null').
PHONE_SANITIZED_INDEX = 'res_partner__phone_sanitized_index'
# Shorter numbers written as they are (no phonenumbers, or invalid) match too much to be trusted.
MIN_PHONE_DIGITS = 6
CHANNEL_NAMES = {'sms': "SMS", 'facebook': "Facebook", 'instagram': "Instagram"}
# By email, the company's own contacts before shared ones (company-less contacts sort last), then
# the oldest: a shared contact created later with the same email does not capture the sender.
# By phone, see _phone_match_query.
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
        help="Page, Instagram account or gateway account the identity belongs to: "
                        "a Messenger PSID only means something for its Page.")
    identity = fields.Char(required=True, help="The contact's id on the channel (PSID, IGSID, phone number...)")
    # The company whose channel account the identity was seen on: a webhook of
    # another company never finds it, so nobody can route another company's
    # messages to a contact of their choice.
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company)

    _identity_uniq = models.UniqueIndex(
        "(company_id, channel, COALESCE(account_id, ''), identity)",
        "This channel identity already belongs to a contact.",
    )

    def init(self):
        res = super().init()
        # Senders are looked up by phone_sanitized (_phone_match_query), which Odoo 19
        # stores on res.partner without an index.
        create_index(self.env.cr, PHONE_SANITIZED_INDEX, 'res_partner', ['phone_sanitized'],
                     where='phone_sanitized IS NOT NULL')
        self._recompute_phone_sanitized_saved_without_phonenumbers()
        return res

    @api.constrains('partner_id', 'company_id')
    def _check_partner_company(self):
        for identity in self:
            if identity.partner_id.company_id not in (identity.company_id, self.env['res.company']):
                raise ValidationError(self.env._(
                    "%(contact)s belongs to another company than the channel identity %(identity)s.",
                    contact=identity.partner_id.display_name, identity=identity.identity))

    @api.model
    def _find_or_create_partner(self, company, message):
        """The contact a :class:`ChannelMessage` was exchanged with.

        Looked up by channel identity, then phone (the most recently active
        contact when several have the number, see :meth:`_phone_match_query`),
        then email; an unknown sender is created when the company allows it.
        The identity is remembered on the contact found or created.

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
        """The contact whose phone is ``number``: the best of them when several share it.

        See :meth:`_match_phone` for how numbers compare and which contact is best.
        """
        return self._match_phone(company, number)[0]

    @api.model
    def _match_phone(self, company, number):
        """The best contact whose phone is ``number``, and how many share it with it.

        :return: (res.partner record, empty when none matches; how many
            contacts of its rank, see :meth:`_phone_match_query`, have the number)
        """
        query = self._phone_match_query(company, number)
        rows = self.env.execute_query(query.select(
            SQL.identifier(query.table, 'id'),
            SQL("count(*) OVER (PARTITION BY %s IS NULL)", self._partner_company_sql(query)),
        )) if query is not None else []
        if not rows:
            return self.env['res.partner'], 0
        partner_id, count = rows[0]
        return self.env['res.partner'].browse(partner_id), count

    @api.model
    def _phone_match_query(self, company, number):
        """The query of the contacts whose phone is ``number``, best first (limit 1), or None.

        The number is normalised to E.164 the way Odoo stores ``phone_sanitized``
        (a national number in the company's country), then looked up through
        that column's index, so ``(415) 555-0142`` saved on a contact matches a
        message from ``+14155550142``. A number that cannot be normalised (not
        a valid number, or ``phonenumbers`` missing) is looked up as written,
        separators aside, through Odoo's ``phone_mobile_search`` and its index
        on each phone field.

        Best: the company's own contacts before shared ones, then the most
        recently active one, the contact whose chatter got the latest message
        (the highest ``mail_message.id``, read through the (model, res_id, id)
        index: one index probe per candidate), the newest contact on a tie.
        """
        Partner = self.env['res.partner']
        number = (number or '').strip()
        sanitized = self._phone_e164(company, number)
        if sanitized:
            phone_domain = Domain('phone_sanitized', '=', sanitized)
        elif len(re.sub(PHONE_REGEX_PATTERN, '', number)) >= MIN_PHONE_DIGITS:
            phone_domain = Domain('phone_mobile_search', '=', number)
        else:
            return None
        query = Partner._search(self._company_partner_domain(company) & phone_domain)
        if query.is_empty():
            return None
        partner_id = SQL.identifier(query.table, 'id')
        query.order = SQL(
            "%s IS NULL, (SELECT max(message.id) FROM mail_message message"
            " WHERE message.model = %s AND message.res_id = %s) DESC NULLS LAST, %s DESC",
            self._partner_company_sql(query), Partner._name, partner_id, partner_id)
        query.limit = 1
        return query

    @api.model
    def _partner_company_sql(self, query):
        return self.env['res.partner']._field_to_sql(query.table, 'company_id', query)

    @api.model
    def _phone_e164(self, company, number):
        """``number`` in E.164 (``+14155550142``), or False when it is no valid number.

        Without the ``phonenumbers`` package Odoo cannot normalise anything:
        say so once, and let the caller look the number up as written.
        """
        if phonenumbers is None:
            _log_phonenumbers_missing()
            return False
        # The company's country is its partner's: read it there, without computing the company's whole address.
        return self.env['res.partner']._phone_format(number=number, country=company.partner_id.country_id)

    @api.model
    def _phone_match_note(self, company, document):
        """What the chatter line of a synced ``document`` says of a shared number: '' if nothing.

        SMS documents are filed on the contact found by the sender's number:
        when other contacts of the same rank have that number too, the line
        tells how many, so that someone can check the choice (the most
        recently active one, see :meth:`_phone_match_query`).
        """
        partner = document.partner_id
        number = partner.phone_sanitized or partner.phone
        if document.channel != 'sms' or not number:
            return ''
        best, count = self._match_phone(company, number)
        if count < 2 or best.company_id != partner.company_id:
            return ''
        return self.env._("matched by phone among %(count)s contacts, the most recently active", count=count)

    @api.model
    def _recompute_phone_sanitized_saved_without_phonenumbers(self):
        """Normalise again the numbers Odoo saved while ``phonenumbers`` was missing.

        Without the package ``phone_sanitized`` holds each number as typed
        (``(415) 555-0142``), which no E.164 lookup finds; with it, E.164 or
        nothing. Run on each install and update of the addon: a single query
        once every number is E.164.
        """
        if phonenumbers is None:
            return
        self.env['res.partner'].flush_model(['phone_sanitized'])
        self.env.cr.execute(SQL(
            "SELECT id FROM res_partner WHERE phone_sanitized IS NOT NULL AND phone_sanitized !~ %s", E164_PATTERN))
        partners = self.env['res.partner'].browse([row[0] for row in self.env.cr.fetchall()])
        if partners:
            _logger.info("Normalising the phone numbers of %s contacts saved without phonenumbers", len(partners))
            self.env.add_to_compute(partners._fields['phone_sanitized'], partners)

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
            or self.env._("%(channel)s user %(identity)s", channel=channel_name, identity=contact.get('identity'))
        )
        return self.env['res.partner'].create({
            'name': name,
            'phone': contact.get('phone') or False,
            'email': contact.get('email') or False,
            'company_id': company.id,
        })


@functools.cache
def _log_phonenumbers_missing():
    _logger.warning(
        "The phonenumbers Python package is missing: contacts are matched by phone only as written "
        "(spaces, dots, dashes and parentheses aside), so a national number no longer matches its "
        "international form. Install phonenumbers (pip install phonenumbers).")
