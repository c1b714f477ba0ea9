from odoo import fields, models

from .contact_document import CHANNELS, DIRECTIONS

AUDIT_ACTIONS = [
    ('filed', "Filed"),
    ('moved', "Moved"),
    ('trashed', "Moved to Trash"),
    ('restored', "Restored"),
    ('deleted', "Deleted"),
    ('downloaded', "Downloaded"),
    ('shared', "Shared on Portal"),
    ('unshared', "Sharing Stopped"),
    # Document requests (models/contact_document_request.py): the line names the documents asked for.
    ('request_requested', "Documents Requested"),
    ('request_reminded', "Request Reminded"),
    ('request_cancelled', "Request Cancelled"),
]


class ContactDocumentLog(models.Model):
    """Audit trail of contact documents; kept when the document itself is deleted."""
    _name = 'contact.document.log'
    _description = "Contact Document Audit Log"
    _order = 'create_date desc, id desc'
    _rec_name = 'document_name'

    action = fields.Selection(AUDIT_ACTIONS, required=True, readonly=True)
    document_id = fields.Many2one('contact.document', ondelete='set null', readonly=True)
    document_name = fields.Char("File Name", required=True, readonly=True)
    partner_id = fields.Many2one('res.partner', string="Contact", ondelete='set null', index=True, readonly=True)
    # Kept as text: the line must still name the contact once the contact is deleted.
    partner_name = fields.Char("Contact Name", readonly=True)
    company_id = fields.Many2one('res.company', index=True, readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    direction = fields.Selection(DIRECTIONS, readonly=True)
    file_size = fields.Integer(readonly=True)
    checksum = fields.Char(readonly=True)
    user_id = fields.Many2one('res.users', string="By", required=True, readonly=True)
    note = fields.Char(readonly=True, help="Why, when the action was not the user's own (contact merged or deleted, purge).")
    create_date = fields.Datetime("Date", readonly=True)
    request_id = fields.Many2one(
        'contact.document.request', string="Document Request", ondelete='set null', readonly=True,
        index='btree_not_null', help="The request this line is about, or the file came through.")
