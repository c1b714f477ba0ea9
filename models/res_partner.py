from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = 'res.partner'

    contact_document_ids = fields.One2many('contact.document', 'partner_id', string="Documents")
    contact_document_count = fields.Integer(compute='_compute_contact_document_count', string="Document Count")
    channel_identity_ids = fields.One2many(
        'res.partner.channel.identity', 'partner_id', string="Channel Identities",
        help="Who this contact is on messaging channels, to file the files it exchanges there.")

    @api.depends('contact_document_ids')
    def _compute_contact_document_count(self):
        """Count each contact's documents, a company's including those of its people."""
        companies = self.filtered('is_company')
        people = self - companies
        Document = self.env['contact.document']
        counts = dict(Document._read_group(
            [('commercial_partner_id', 'in', companies._origin.ids)], ['commercial_partner_id'], ['__count']))
        counts.update(Document._read_group(
            [('partner_id', 'in', people._origin.ids)], ['partner_id'], ['__count']))
        for partner in self:
            partner.contact_document_count = counts.get(partner._origin, 0)

    def _phone_get_country(self):
        """The contact's country, else its company's, to read a number typed in national format.

        Odoo falls back to the country of the company the user is working in,
        which says nothing of a contact of another company.
        """
        countries = super()._phone_get_country()
        for partner in self:
            if partner.id not in countries and partner.company_id.country_id:
                countries[partner.id] = partner.company_id.country_id
        return countries

    def _phone_get_sanitize_triggers(self):
        return super()._phone_get_sanitize_triggers() + ['company_id']

    def write(self, vals):
        if 'company_id' not in vals:
            return super().write(vals)
        # A contact changing company takes its documents along (they follow their contact):
        # each of them gets a line in the audit log, as any move does.
        Document = self.env['contact.document'].sudo().with_context(active_test=False)
        documents = Document.search([('commercial_partner_id', 'in', self.commercial_partner_id.ids)])
        companies_before = {document: document.company_id for document in documents}
        result = super().write(vals)
        moved = documents.filtered(lambda document: document.company_id != companies_before[document])
        for company, company_documents in moved.grouped('company_id').items():
            company_documents.with_env(self.env)._log_activity('moved', note=self.env._(
                "The contact moved to %(company)s", company=company.display_name or self.env._("no company")))
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_contact_documents(self):
        """A contact's documents go with it only through the audited deletion, or the contact stays."""
        self.env['contact.document']._delete_with_contacts(self)

    def _contact_document_domain(self):
        self.ensure_one()
        if self.is_company:
            return [('commercial_partner_id', '=', self.id)]
        return [('partner_id', '=', self.id)]

    def action_view_contact_documents(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('contact_documents.contact_document_action')
        name = self.env._("Documents of %s", self.display_name)
        action.update({
            # The web client titles the breadcrumb with display_name.
            'name': name,
            'display_name': name,
            'domain': self._contact_document_domain(),
            'context': {
                'default_partner_id': self.id,
                'contact_documents_show_contact': self.is_company,
            },
        })
        return action
