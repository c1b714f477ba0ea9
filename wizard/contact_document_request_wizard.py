from datetime import timedelta

from odoo import api, fields, models

DEFAULT_DUE_DAYS = 14


class ContactDocumentRequestWizard(models.TransientModel):
    """Request Documents: what to ask a contact for, by when, and a message; Send emails the link."""
    _name = 'contact.document.request.wizard'
    _description = "Request Documents"

    partner_id = fields.Many2one('res.partner', string="Contact", required=True, readonly=True)
    # Read as the user: a related field is read as superuser by default, which would show
    # the email of any contact to whoever creates a wizard for it.
    partner_email = fields.Char(related='partner_id.email', string="Email", compute_sudo=False)
    name = fields.Char(
        "Requested Documents", required=True,
        help="What the contact is asked for, as they will read it, e.g. \"Signed contract, ID card\".")
    due_date = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self) + timedelta(days=DEFAULT_DUE_DAYS))
    message = fields.Text(help="A personal message, shown in the email and on the upload page.")
    expiry_date = fields.Date("Link Valid Until", compute='_compute_expiry_date')

    @api.model_create_multi
    def create(self, vals_list):
        # Only for contacts the user may request documents for (may add documents to).
        partners = self.env['res.partner'].browse({vals.get('partner_id') for vals in vals_list} - {None, False})
        self.env['contact.document']._check_can_add(partners)
        return super().create(vals_list)

    @api.depends('due_date')
    def _compute_expiry_date(self):
        Request = self.env['contact.document.request']
        for wizard in self:
            wizard.expiry_date = wizard.due_date and Request._expiry_for(wizard.due_date)

    def action_send(self):
        """Create the request, which emails the contact its link, and close the dialog."""
        self.ensure_one()
        doc_request = self.env['contact.document.request'].create({
            'partner_id': self.partner_id.id,
            'name': self.name,
            'due_date': self.due_date,
            'message': self.message,
        })
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'success',
                'message': self.env._("Request sent to %(contact)s.", contact=doc_request.partner_id.display_name),
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }
