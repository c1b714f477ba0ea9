import logging
import re
from datetime import timedelta

from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, consteq, format_date

_logger = logging.getLogger(__name__)

# The link keeps working this long after the due date: a late answer is still welcome.
GRACE_DAYS = 7
# portal.mixin's access token: a uuid4 in its text form.
ACCESS_TOKEN_RE = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
# Uploads through one link, per sliding hour: the link is a public door, it must not fill the disk.
MAX_UPLOADS_PARAM = 'contact_documents.request_max_uploads_per_hour'
DEFAULT_MAX_UPLOADS = 20
MAX_BYTES_PARAM = 'contact_documents.request_max_bytes_per_hour'
DEFAULT_MAX_BYTES = 500 * 1024 * 1024
RATE_WINDOW = timedelta(hours=1)
# What a user may set on a request; everything else is the product's (state, token, documents...).
USER_WRITABLE_FIELDS = frozenset({'name', 'due_date', 'message'})
USER_CREATABLE_FIELDS = USER_WRITABLE_FIELDS | {'partner_id'}
REQUEST_STATES = [('open', "Open"), ('done', "Done"), ('cancelled', "Cancelled"), ('expired', "Expired")]
TAB_REQUEST_FIELDS = ['name', 'partner_id', 'due_date', 'expiry_date', 'message', 'state', 'user_id',
                      'reminder_count', 'last_reminder_date', 'received_count', 'create_date']


class RequestLinkClosed(UserError):
    """The request's link no longer accepts files: it expired or was cancelled."""


class RequestRateLimited(UserError):
    """Too many uploads through one link within the hour."""


class ContactDocumentRequest(models.Model):
    """Documents asked of a contact, who uploads them through a link, without an account.

    The link carries portal.mixin's access token and works until the due date
    plus a grace period. Files sent through it are filed on the contact as
    received through the Client Portal, and mark the request done. Public
    visitors never reach this model through the ORM: the routes of
    controllers/document_request.py find a request by its token, as
    superuser, and call the ``_link_*`` methods below.
    """
    _name = 'contact.document.request'
    _description = "Contact Document Request"
    _inherit = ('portal.mixin', 'mail.thread')
    _order = 'due_date, id'

    name = fields.Char(
        "Requested Documents", required=True,
        help="What the contact is asked for, as they will read it, e.g. \"Signed contract, ID card\".")
    partner_id = fields.Many2one(
        'res.partner', string="Contact", required=True, index=True, ondelete='cascade', readonly=True)
    company_id = fields.Many2one(related='partner_id.company_id', store=True, index='btree_not_null')
    due_date = fields.Date(required=True, tracking=True)
    expiry_date = fields.Date(
        "Link Valid Until", compute='_compute_expiry_date', store=True,
        help=f"The link stops accepting files after this day: the due date plus {GRACE_DAYS} days.")
    message = fields.Text(help="A personal message, shown in the email and on the upload page.")
    state = fields.Selection(REQUEST_STATES, required=True, default='open', readonly=True, index=True, tracking=True)
    user_id = fields.Many2one(
        'res.users', string="Requested by", required=True, readonly=True, default=lambda self: self.env.user)
    document_ids = fields.Many2many(
        'contact.document', 'contact_document_request_document_rel', 'request_id', 'document_id',
        string="Received Documents", readonly=True, copy=False)
    received_count = fields.Integer("Files Received", compute='_compute_received_count')
    reminder_count = fields.Integer("Reminders Sent", readonly=True, copy=False)
    last_reminder_date = fields.Datetime("Last Reminder", readonly=True, copy=False)
    request_url = fields.Char("Upload Link", compute='_compute_request_url')

    _access_token_uniq = models.UniqueIndex(
        '(access_token) WHERE access_token IS NOT NULL', "A document request's link is unique.")
    _partner_state_idx = models.Index('(partner_id, state)')

    @api.depends('due_date')
    def _compute_expiry_date(self):
        for doc_request in self:
            doc_request.expiry_date = doc_request.due_date and self._expiry_for(doc_request.due_date)

    @api.model
    def _expiry_for(self, due_date):
        """The last day a link due on ``due_date`` accepts files."""
        return due_date + timedelta(days=GRACE_DAYS)

    @api.depends('document_ids')
    def _compute_received_count(self):
        for doc_request in self:
            # Counted as superuser: a file received stays received when it goes to the trash.
            doc_request.received_count = len(doc_request.sudo().with_context(active_test=False).document_ids)

    def _compute_access_url(self):
        for doc_request in self:
            doc_request.access_url = f'/contact_documents/request/{doc_request.access_token}' \
                if doc_request.access_token else '#'

    @api.depends('access_token')
    def _compute_request_url(self):
        for doc_request in self:
            doc_request.request_url = doc_request.access_token and doc_request.get_base_url() + doc_request.access_url

    @api.constrains('due_date')
    def _check_due_date(self):
        today = fields.Date.context_today(self)
        for doc_request in self:
            if doc_request.state == 'open' and doc_request.due_date < today:
                raise UserError(self.env._("The due date of a document request cannot be in the past."))

    # ------------------------------------------------------------------
    # Access: a request is visible exactly when its contact is (as documents)
    # ------------------------------------------------------------------

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, *, active_test=True, bypass_access=False):
        if not self.env.su and not bypass_access:
            readable_partners = self.env['res.partner'].with_context(active_test=False)._search([])
            domain = Domain(domain) & Domain('partner_id', 'any!', readable_partners)
        return super()._search(
            domain, offset=offset, limit=limit, order=order, active_test=active_test, bypass_access=bypass_access)

    def _check_access(self, operation):
        """Reading a request needs reading its contact; anything else, editing its contact."""
        result = super()._check_access(operation)
        if self.env.su:
            return result
        forbidden = result[0] if result else self.browse()
        remaining = (self - forbidden).sudo()
        partners = remaining.partner_id
        partner_operation = 'read' if operation == 'read' else 'write'
        denied = partners - partners.with_env(self.env)._filtered_access(partner_operation).sudo()
        if not denied:
            return result
        forbidden |= remaining.filtered(lambda doc_request: doc_request.partner_id in denied).with_env(self.env)
        if partner_operation == 'write':
            message = self.env._("You cannot change document requests of a contact you cannot edit.")
        else:
            message = self.env._("You cannot see document requests of a contact you cannot see.")
        return forbidden, lambda: AccessError(message)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Create requests and email each contact its link; only the product sets state, token and files."""
        context = dict(self.env.context, mail_create_nosubscribe=True)
        if not self.env.su:
            for vals in vals_list:
                forbidden = set(vals) - USER_CREATABLE_FIELDS
                if forbidden:
                    raise AccessError(self.env._(
                        "Only the application sets these fields of a document request: %(fields)s.",
                        fields=", ".join(sorted(forbidden))))
            # Nor through the context's defaults, which anybody sets over RPC (a token of their choice...).
            context = {
                key: value for key, value in context.items()
                if not key.startswith('default_') or key.removeprefix('default_') in USER_CREATABLE_FIELDS
            }
        partners = self.env['res.partner'].browse([vals['partner_id'] for vals in vals_list if vals.get('partner_id')])
        self.env['contact.document']._check_can_add(partners)
        for partner in partners:
            if not partner.email:
                raise UserError(self.env._(
                    "%(contact)s has no email address: add one to send them a document request.",
                    contact=partner.display_name))
        # The requester is told of the files received by a message of their own, not as a follower.
        requests = super(ContactDocumentRequest, self.with_env(self.env(context=context))).create(vals_list)
        for doc_request in requests.sudo():
            doc_request._portal_ensure_token()
        requests._log_request('requested')
        requests._send_request_email()
        return requests.with_env(self.env)

    def write(self, vals):
        if not self.env.su:
            forbidden = set(vals) - USER_WRITABLE_FIELDS
            if forbidden:
                raise AccessError(self.env._(
                    "Only the application sets these fields of a document request: %(fields)s.",
                    fields=", ".join(sorted(forbidden))))
            if any(doc_request.state != 'open' for doc_request in self):
                raise UserError(self.env._("Only open document requests can be changed."))
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions of the Documents tab
    # ------------------------------------------------------------------

    def action_remind(self):
        """Remind: email the contact the link again; the request must still be open."""
        self.check_access('write')
        for doc_request in self:
            if doc_request.state != 'open' or doc_request._is_expired():
                raise UserError(self.env._(
                    "Only open requests can be reminded: %(request)s is %(state)s.",
                    request=doc_request.name, state=doc_request._state_label()))
        for doc_request in self.sudo():
            doc_request.write({
                'reminder_count': doc_request.reminder_count + 1,
                'last_reminder_date': fields.Datetime.now(),
            })
        self._log_request('reminded')
        self._send_request_email(reminder=True)
        return True

    def action_cancel(self):
        """Cancel: the link stops working at once and files nothing more (files received stay)."""
        self.check_access('write')
        to_cancel = self.filtered(lambda doc_request: doc_request.state != 'cancelled')
        to_cancel.sudo().write({'state': 'cancelled'})
        to_cancel._log_request('cancelled')
        return True

    @api.model
    @api.readonly
    def get_documents_tab_requests(self, partner_id):
        """The open requests the Documents tab lists for a contact (a company: with its people's)."""
        partner = self.env['res.partner'].browse(partner_id)
        partner.check_access('read')
        domain = Domain('state', '=', 'open')
        if partner.is_company:
            domain &= Domain('partner_id.commercial_partner_id', '=', partner.id)
        else:
            domain &= Domain('partner_id', '=', partner.id)
        requests = self.search(domain)
        return {
            'requests': requests.read(TAB_REQUEST_FIELDS),
            'can_request': partner.has_access('write'),
        }

    # ------------------------------------------------------------------
    # The public link (controllers/document_request.py), as superuser
    # ------------------------------------------------------------------

    @api.model
    def _link_find(self, token):
        """The request whose link carries ``token``, as superuser, or an empty recordset.

        The token is compared in constant time, as Odoo's portal compares
        access tokens; a token of the wrong shape is not even looked up.
        """
        if not isinstance(token, str) or not ACCESS_TOKEN_RE.match(token):
            return self.sudo().browse()
        # sudo: the token is the visitor's only credential; it is checked right here.
        doc_request = self.sudo().search([('access_token', '=', token)], limit=1)
        if not doc_request or not consteq(doc_request.access_token, token):
            return self.sudo().browse()
        return doc_request

    def _link_state(self):
        """What the link says: 'open', 'done' (files received, more still welcome), 'expired' or 'cancelled'."""
        self.ensure_one()
        if self.state == 'cancelled':
            return 'cancelled'
        if self.state == 'expired' or self._is_expired():
            return 'expired'
        return self.state

    def _link_check_open(self):
        """Raise RequestLinkClosed unless the link still accepts files."""
        self.ensure_one()
        state = self._link_state()
        if state == 'cancelled':
            raise RequestLinkClosed(self.env._("This document request was cancelled: it accepts no more files."))
        if state == 'expired':
            raise RequestLinkClosed(self.env._(
                "This document request expired on %(date)s: it accepts no more files.",
                date=format_date(self.env, self.expiry_date)))

    def _link_check_rate(self, file_size):
        """Refuse an upload past the link's uploads or bytes of the last hour (RequestRateLimited)."""
        self.ensure_one()
        max_uploads, max_bytes = self._configured_rate_limits()
        since = fields.Datetime.now() - RATE_WINDOW
        [(count, announced)] = self.env['contact.document.upload'].sudo()._read_group(
            [('request_id', '=', self.id), ('create_date', '>=', since)], [], ['__count', 'file_size:sum'])
        if count >= max_uploads or (announced or 0) + file_size > max_bytes:
            _logger.warning("Document request %s: upload refused by the rate limit (%s uploads, %s bytes this hour)",
                            self.id, count, announced)
            raise RequestRateLimited(self.env._(
                "Too many files were sent through this link in the last hour: please try again later."))

    @api.model
    def _configured_rate_limits(self):
        get_param = self.env['ir.config_parameter'].sudo().get_param
        limits = []
        for param, default in ((MAX_UPLOADS_PARAM, DEFAULT_MAX_UPLOADS), (MAX_BYTES_PARAM, DEFAULT_MAX_BYTES)):
            try:
                limits.append(int(get_param(param) or default))
            except ValueError:
                _logger.warning("Ignoring %s=%r: not a number", param, get_param(param))
                limits.append(default)
        return limits

    def _link_uploads(self):
        """Upload sessions of this link, in the environment they run in: the public user's, as superuser.

        Sessions of a link belong to it, not to whoever opened the page (a
        visitor, or a logged-in user following the link): every step finds
        them by this request, and the upload model refuses them to any other.
        """
        self.ensure_one()
        public_user = self.env.ref('base.public_user')
        return self.env['contact.document.upload'].with_user(public_user).sudo()

    def _link_open_upload(self, file_name, file_size, sha256):
        """Open (or resume) an upload session through the link, once the link and its rate allow it."""
        # Locked first: openings sent at once are counted one after the other by the rate limit.
        self._link_lock()
        self._link_check_open()
        self._link_check_rate(file_size)
        return self._link_uploads()._open_session(self.partner_id, file_name, file_size, sha256, request=self)

    def _link_get_upload(self, token, lock=False):
        """The open upload session ``token`` of this link; MissingError for any other session."""
        self._link_check_open()
        return self._link_uploads()._get_session(token, lock=lock, request=self)

    def _link_finish_upload(self, token):
        """Check and file the upload ``token`` of this link; the document is the contact's, received."""
        self._link_lock()
        self._link_check_open()
        return self._link_uploads()._finish_session(token, request=self)

    def _link_lock(self):
        """Lock this request's row until the end of the transaction, before any file is moved.

        Finishing marks the request done: two files finished at once, or a
        Cancel at the same moment, would otherwise collide on that write after
        the first file was already moved into the filestore, and Odoo's replay
        would find its upload gone. Locked first, the late one is replayed
        before it touches anything, and sees the request as it now is.
        """
        self.ensure_one()
        self.env.cr.execute(SQL(
            "SELECT id FROM contact_document_request WHERE id = %s FOR NO KEY UPDATE", self.id))
        self.invalidate_recordset()

    def _receive_document(self, document):
        """Record a file received through this link: on the request, in the audit log and for the requester.

        Called by the upload session once the file is filed on the contact
        (direction received, channel portal).
        """
        self.ensure_one()
        doc_request = self.sudo()
        values = {'document_ids': [fields.Command.link(document.id)]}
        if doc_request.state == 'open':
            values['state'] = 'done'
        doc_request.write(values)
        # The 'filed' line was written when the document was created: say how it came.
        self.env['contact.document.log'].sudo().search([
            ('document_id', '=', document.id), ('action', '=', 'filed'),
        ]).write({'note': self.env._("Received through a document request"), 'request_id': self.id})
        doc_request.message_post(
            body=Markup('<p>%s</p>') % self.env._(
                "%(contact)s sent %(file)s for this request.", contact=doc_request.partner_id.display_name,
                file=document.sudo().name),
            author_id=doc_request.partner_id.id,
            partner_ids=doc_request.user_id.partner_id.ids,
            message_type='comment', subtype_xmlid='mail.mt_note',
        )

    def _link_received_names(self):
        """Names of the files received through this link, which its visitor sent: nothing else of the contact."""
        self.ensure_one()
        return self.sudo().with_context(active_test=False).document_ids.sorted('id').mapped('name')

    # ------------------------------------------------------------------
    # Email, audit, cron
    # ------------------------------------------------------------------

    def _send_request_email(self, reminder=False):
        """Email each contact its link, with the translatable template, logged in the request's chatter."""
        template = self.env.ref('contact_documents.mail_template_document_request')
        # sudo: the requester may edit the contact but needs no right on mail templates
        # or on the request's chatter to send what the product composes.
        for doc_request in self.sudo():
            doc_request.with_context(contact_documents_reminder=reminder).message_post_with_source(
                template,
                author_id=self.env.user.partner_id.id,
                partner_ids=doc_request.partner_id.ids,
                subtype_xmlid='mail.mt_comment',
                email_layout_xmlid='mail.mail_notification_light',
            )

    def _notify_get_recipients_groups(self, message, model_description, msg_vals=False):
        """No "View" button in the emails: the request's own link is in the body, and the
        portal's button would carry a sign-up token the contact does not need."""
        groups = super()._notify_get_recipients_groups(message, model_description, msg_vals=msg_vals)
        for _name, _condition, group_data in groups:
            group_data['has_button_access'] = False
        return groups

    def _log_request(self, action):
        """An audit line per request (requested, reminded, cancelled), and a note in the contact's chatter."""
        if not self:
            return
        self.env['contact.document.log'].sudo().create([{
            'action': f'request_{action}',
            'request_id': doc_request.id,
            'document_name': doc_request.name,
            'partner_id': doc_request.partner_id.id,
            'partner_name': doc_request.partner_id.display_name,
            'company_id': doc_request.company_id.id,
            'user_id': self.env.uid,
            'note': doc_request._audit_note(action),
        } for doc_request in self.sudo()])
        titles = {
            'requested': self.env._("Documents requested:"),
            'reminded': self.env._("Document request reminded:"),
            'cancelled': self.env._("Document request cancelled:"),
        }
        for doc_request in self.sudo():
            doc_request.partner_id._message_log(body=Markup('<p>%s %s (%s)</p>') % (
                titles[action], doc_request.name,
                self.env._("due on %(date)s", date=format_date(self.env, doc_request.due_date))))

    def _audit_note(self, action):
        self.ensure_one()
        if action == 'requested':
            return self.env._("Due on %(date)s", date=fields.Date.to_string(self.due_date))
        if action == 'reminded':
            return self.env._("Reminder %(count)s", count=self.reminder_count)
        return False

    def _is_expired(self):
        self.ensure_one()
        return bool(self.expiry_date) and fields.Date.context_today(self) > self.expiry_date

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields['state']._description_selection(self.env))[self._link_state()]

    @api.model
    def _cron_expire_requests(self):
        """Mark open requests whose link is past its validity as expired (the link checks the date itself)."""
        today = fields.Date.context_today(self)
        expired = self.sudo().search([('state', '=', 'open'), ('expiry_date', '<', today)])
        expired.write({'state': 'expired'})
        _logger.info("Marked %s document requests as expired", len(expired))
