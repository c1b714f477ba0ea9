import base64
import io
import logging
import re
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_list
from odoo.tools.mimetypes import MIMETYPE_HEAD_SIZE

from ..tools.content_typing import is_markup_name, type_by_content
from ..tools.file_names import clean_file_name
from ..tools.file_types import (
    ACCEPTED_EXTENSIONS,
    ACCEPTED_TYPES,
    MAX_UPLOAD_SIZE,
    PREVIEW_KINDS,
    RefusedFile,
    check_upload,
    type_label,
)
from ..tools.office_conversion import (
    OFFICE_EXTENSIONS,
    ConversionFailed,
    convert_to_pdf,
    libreoffice_path,
)
from ..tools.sizes import format_file_size
from ..tools.text_extraction import ExtractionRefused, checked_read, run_bounded
from ..tools.thumbnails import (
    THUMBNAIL_SIZE,
    ThumbnailFailed,
    image_thumbnail,
    pdf_thumbnail,
)
from ..tools.upload_stream import HashingFile
from ..tools.zip_stream import unique_names

_logger = logging.getLogger(__name__)

TAB_PAGE_SIZE = 40
# The Add Documents modal asks about the files it was given, at most this many at once.
MAX_CHECKED_CHECKSUMS = 200
SHA1_RE = re.compile(r'[0-9a-f]{40}')
MAX_TAB_PAGE_SIZE = 1000
TAB_FIELDS = [
    'name', 'partner_id', 'mimetype', 'file_size', 'direction', 'channel',
    'create_date', 'create_uid', 'is_previewable', 'attachment_id', 'active', 'trashed_date', 'trashed_uid',
    'content_mismatch', 'preview_kind', 'preview_state', 'has_thumbnail', 'sender_partner_id', 'source_label', 'type_label', 'is_shared',
]
OUTGOING_MESSAGE_TYPES = ('comment', 'email_outgoing', 'auto_comment')
# Images embedded in a message body (signatures, logos) are rewritten by
# mail.thread into links to their attachment: they are not documents.
INLINE_IMAGE_RE = re.compile(r'/web/image/(\d+)')

# Content search: what attachment_indexation can read, and how much of it.
INDEXABLE_MIMETYPES = frozenset({
    'application/pdf',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
})
MAX_INDEXED_FILE_SIZE = 64 * 1024 * 1024
MAX_CONTENT_TEXT_LENGTH = 500_000
# One document per commit: each may take up to the extraction's time limit (30 s).
CONTENT_INDEX_BATCH_SIZE = 1
# Previews: an Office file larger than this is not converted (nor a picture or PDF
# thumbnailed); one conversion per commit, each up to LibreOffice's time limit.
MAX_PREVIEW_SOURCE_SIZE = 64 * 1024 * 1024
PREVIEW_TIME_LIMIT = 90
# A claim older than this was left by a worker that died mid-conversion: taken again.
PREVIEW_CLAIM_EXPIRY = 5 * PREVIEW_TIME_LIMIT
# What the background job works on: a PDF rendition (and its thumbnail) for Office
# files, a thumbnail for pictures and PDF. Video, audio and text are shown as they are.
PREPARED_MIMETYPES = frozenset(OFFICE_EXTENSIONS) | frozenset(
    mimetype for mimetype, kind in PREVIEW_KINDS.items() if kind in ('image', 'pdf'))
PREVIEW_KIND_SELECTION = [
    ('image', "Image"), ('pdf', "PDF"), ('office', "Office (PDF rendition)"), ('video', "Video"),
    ('audio', "Audio"), ('text', "Text"), ('none', "None"),
]
PREVIEW_STATES = [
    ('none', "Nothing to Prepare"),
    ('pending', "Being Prepared"),
    ('done', "Ready"),
    ('failed', "Could Not Be Converted"),
    ('unavailable', "LibreOffice Not Installed"),
]
# Odoo's cloud_storage (an optional companion) keeps large chatter files in a cloud bucket: such
# an attachment holds the object's URL, no bytes. A document of one references the same object.
CLOUD_STORAGE_TYPE = 'cloud_storage'
TRASH_DAYS_PARAM = 'contact_documents.trash_days'
DEFAULT_TRASH_DAYS = 30
MANAGER_GROUP = 'contact_documents.group_contact_documents_manager'
# A contact may take back a file they uploaded from the portal for this long (into the trash).
PORTAL_DELETE_DELAY = timedelta(hours=24)
# What a user may change on a document: everything else is set by the product
# when it files the document (origin, file, message) and never changes after.
USER_WRITABLE_FIELDS = frozenset({'name', 'partner_id'})

DIRECTIONS = [('internal', "Internal"), ('sent', "Sent"), ('received', "Received")]
CHANNELS = [
    ('upload', "Upload"),
    ('email', "Email"),
    ('note', "Note"),
    ('sms', "SMS/MMS"),
    ('facebook', "Facebook Messenger"),
    ('instagram', "Instagram"),
    ('other', "Other Channel"),
    ('portal', "Client Portal"),
]


class ContactDocument(models.Model):
    """A file exchanged with a contact.

    The bytes live in an ``ir.attachment`` owned by the document, so Odoo's
    filestore, checksum deduplication and storage backends apply; two
    documents with the same content share one file on disk.
    """
    _name = 'contact.document'
    _description = "Contact Document"
    _order = 'create_date desc, id desc'
    _rec_names_search = ['name']

    name = fields.Char(required=True, index='trigram')
    # Restrict, not cascade: a contact is only deleted through res.partner.unlink,
    # which first deletes its documents with an audit line or refuses.
    partner_id = fields.Many2one(
        'res.partner', string="Contact", required=True, index=True, ondelete='restrict')
    commercial_partner_id = fields.Many2one(
        related='partner_id.commercial_partner_id', string="Commercial Entity", store=True, index=True)
    company_id = fields.Many2one(related='partner_id.company_id', store=True, index='btree_not_null')
    attachment_id = fields.Many2one(
        'ir.attachment', string="File", required=True, ondelete='restrict', index=True)
    # The trash: a deleted document stays recoverable until it is purged.
    active = fields.Boolean(default=True, readonly=True)
    trashed_date = fields.Datetime("Deleted on", readonly=True, copy=False, groups='base.group_user')
    trashed_uid = fields.Many2one('res.users', string="Deleted by", readonly=True, copy=False, groups='base.group_user')
    direction = fields.Selection(DIRECTIONS, required=True, default='internal', index=True)
    channel = fields.Selection(CHANNELS, required=True, default='upload')
    mimetype = fields.Char(related='attachment_id.mimetype', store=True)
    file_size = fields.Integer(related='attachment_id.file_size', store=True)
    checksum = fields.Char(related='attachment_id.checksum', store=True)
    message_id = fields.Many2one(
        'mail.message', index='btree_not_null', ondelete='set null', groups='base.group_user')
    external_message_id = fields.Char(
        "External Message ID", groups='base.group_user',
        help="Identifier of the message on its channel, to file each file once.")
    attachment_index = fields.Integer(help="Position of the file in its message.", groups='base.group_user')
    is_previewable = fields.Boolean(compute='_compute_is_previewable')
    # Set by the product only, when it files the document (see tools/content_typing.py).
    content_mismatch = fields.Boolean(
        readonly=True, copy=False,
        help="The content of this file does not match the name it came with: it was renamed after its content, "
             "is never previewed and can only be downloaded.")
    # Who a synced file came from, set by the product when it files it: the author of
    # the email (the contact, or the colleague who sent it), the contact or the company
    # on a messaging channel. Empty for uploads, whose author is create_uid.
    sender_partner_id = fields.Many2one(
        'res.partner', string="From", readonly=True, copy=False, ondelete='set null', index='btree_not_null',
        groups='base.group_user')
    source_label = fields.Char(
        "Source", compute='_compute_source_label', groups='base.group_user',
        help="Where the file came from: its sender and channel, or who added it.")
    type_label = fields.Char("Type", compute='_compute_type_label')
    # Set by action_share / action_unshare only: who may see a document on the portal is audited.
    is_shared = fields.Boolean(
        "Shared on Portal", readonly=True, copy=False,
        help="The contact sees this document on the customer portal (My Documents).")
    # Portal users read the documents shared with them: who inside the company added a file is
    # not theirs to read (groups), as with the other internal fields below.
    create_uid = fields.Many2one('res.users', string="Added by", readonly=True, groups='base.group_user')
    write_uid = fields.Many2one('res.users', string="Last Updated by", readonly=True, groups='base.group_user')
    create_date = fields.Datetime(string="Added on", readonly=True)
    # Filled by a background job where attachment_indexation is installed; never read with the list.
    content_text = fields.Text(
        "Content", readonly=True, copy=False, prefetch=False, index='trigram', groups='base.group_user',
        help="Words extracted from the file, so that the search finds it by its content.")
    content_index_pending = fields.Boolean(readonly=True, copy=False, groups='base.group_user')
    # Previews, made by a background job (_cron_prepare_previews) and set by the product only.
    preview_kind = fields.Selection(
        PREVIEW_KIND_SELECTION, compute='_compute_preview_kind',
        help="How the file viewer shows this document; Office files once their PDF rendition exists.")
    preview_state = fields.Selection(
        PREVIEW_STATES, string="Preview", default='none', readonly=True, copy=False,
        help="Where the PDF rendition and the thumbnail of this document are.")
    preview_attachment_id = fields.Many2one(
        'ir.attachment', string="PDF Rendition", readonly=True, copy=False, ondelete='set null',
        groups='base.group_user')
    preview_claimed_at = fields.Datetime(readonly=True, copy=False, groups='base.group_user')
    thumbnail = fields.Image(
        attachment=True, readonly=True, copy=False, max_width=THUMBNAIL_SIZE, max_height=THUMBNAIL_SIZE)
    has_thumbnail = fields.Boolean(readonly=True, copy=False)

    # A retried delivery, a replayed email or two racing webhooks file nothing twice.
    _sync_uniq = models.UniqueIndex(
        '(partner_id, channel, external_message_id, attachment_index) WHERE external_message_id IS NOT NULL',
        "This file of this message is already filed on this contact.",
    )
    # The Documents tab lists one contact's (or company's) documents, newest first.
    _partner_date_idx = models.Index('(partner_id, create_date DESC, id DESC)')
    _commercial_date_idx = models.Index('(commercial_partner_id, create_date DESC, id DESC)')
    _content_index_pending_idx = models.Index('(id) WHERE content_index_pending')
    _trash_idx = models.Index('(trashed_date) WHERE active IS NOT TRUE')
    # Few documents are shared: the Shared filter's count and the portal's list read this small index.
    _shared_idx = models.Index('(partner_id, commercial_partner_id) WHERE is_shared')

    @api.depends('preview_kind')
    def _compute_is_previewable(self):
        for document in self:
            document.is_previewable = document.preview_kind != 'none'

    @api.depends('name', 'mimetype', 'content_mismatch', 'preview_state', 'attachment_id.type')
    def _compute_preview_kind(self):
        for document in self:
            kind = PREVIEW_KINDS.get(document.mimetype, 'none')
            if document.content_mismatch or document._is_cloud_file():
                # A file in the cloud is only downloaded, from the cloud: Odoo has none of its bytes to show.
                # A file whose name lied about its content is only ever downloaded, whatever it is.
                kind = 'none'
            elif document.mimetype in OFFICE_EXTENSIONS:
                kind = 'office' if document.preview_state == 'done' else 'none'
            elif kind == 'text' and is_markup_name(document.name):
                # A page or a drawing stored as text (Odoo types HTML as text for most users) is only downloaded.
                kind = 'none'
            document.preview_kind = kind

    @api.depends('channel', 'sender_partner_id', 'create_uid')
    @api.depends_context('lang')
    def _compute_source_label(self):
        channel_labels = dict(self._fields['channel']._description_selection(self.env))
        for document in self:
            if document.channel == 'upload':
                document.source_label = self.env._("Added by %(user)s", user=document.create_uid.sudo().name or '')
            elif document.sender_partner_id:
                # The sender may be a contact the reader cannot open (another company's page): its name is shown anyway.
                document.source_label = self.env._(
                    "From %(sender)s · %(channel)s",
                    sender=document.sender_partner_id.sudo().name or document.sender_partner_id.sudo().display_name,
                    channel=channel_labels[document.channel])
            else:
                document.source_label = channel_labels.get(document.channel, '')

    @api.depends('mimetype')
    @api.depends_context('lang')
    def _compute_type_label(self):
        for document in self:
            # A lazy translation of tools/file_types.py's TYPE_LABELS, each marked there with _lt.
            document.type_label = self.env._(type_label(document.mimetype))  # pylint: disable=gettext-variable

    # ------------------------------------------------------------------
    # Access: a document is visible exactly when its contact is
    # ------------------------------------------------------------------

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, *, active_test=True, bypass_access=False):
        if not self.env.su and not bypass_access:
            readable_partners = self.env['res.partner'].with_context(active_test=False)._search([])
            domain = Domain(domain) & Domain('partner_id', 'any!', readable_partners)
        return super()._search(
            domain, offset=offset, limit=limit, order=order,
            active_test=active_test, bypass_access=bypass_access,
        )

    def _check_access(self, operation):
        """Reading or deleting a document needs reading its contact; changing it, editing its contact.

        Deleting is otherwise reserved to managers (access rights): whoever
        sees the contact sees its documents, and a manager may delete them.
        """
        result = super()._check_access(operation)
        if self.env.su:
            return result
        forbidden = result[0] if result else self.browse()
        remaining = (self - forbidden).sudo()
        partners = remaining.partner_id
        partner_operation = 'read' if operation in ('read', 'unlink') else 'write'
        denied_partners = partners - partners.with_env(self.env)._filtered_access(partner_operation).sudo()
        if not denied_partners:
            return result
        forbidden |= remaining.filtered(lambda doc: doc.partner_id in denied_partners).with_env(self.env)
        if partner_operation == 'read':
            message = self.env._("You cannot access these documents because you cannot see their contact.")
        else:
            message = self.env._("You cannot change these documents because you cannot edit their contact.")
        return forbidden, lambda: AccessError(message)

    @api.model
    def _check_can_add(self, partner):
        """Raise AccessError unless the current user may add documents to ``partner``."""
        if not self.env.su:
            partner.with_env(self.env).check_access('write')

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Only the product's own filing paths create documents, with attachments they just created.

        Creating a document over an existing attachment would hand its bytes
        (another record's file, another company's contract) to whoever can
        read the document, and take the file away from its real owner.
        """
        if not self.env.su:
            raise AccessError(self.env._(
                "Documents are added by uploading files or by syncing messages, not created directly."))
        self._check_new_attachments(vals_list)
        documents = super().create(vals_list)
        if not documents:
            return documents
        # Attachments are created before their document: link them back in one query.
        self.env.cr.execute(SQL("""
            UPDATE ir_attachment SET res_id = document.id
              FROM contact_document document
             WHERE document.attachment_id = ir_attachment.id AND document.id IN %s
        """, tuple(documents.ids)))
        documents.attachment_id.invalidate_recordset(['res_id'])
        documents._log_activity('filed')
        documents._queue_content_index()
        documents._queue_previews()
        return documents

    @api.model
    def _check_new_attachments(self, vals_list):
        """Each document gets a binary (or cloud) attachment created for it and not yet owned by any record."""
        attachment_ids = [vals.get('attachment_id') for vals in vals_list]
        attachments = self.env['ir.attachment'].sudo().browse(attachment_ids).exists()
        types = self._file_attachment_types()
        owned = attachments.filtered(lambda attachment: (
            attachment.res_model != self._name or attachment.res_id or attachment.type not in types))
        if owned or len(attachments) != len(set(attachment_ids)) or len(attachment_ids) != len(set(attachment_ids)):
            raise AccessError(self.env._("A document can only be filed with a file added for it."))

    def write(self, vals):
        """Users may rename a document or move it to another contact they can edit, in the same company."""
        if self.env.su:
            return super().write(vals)
        forbidden = set(vals) - USER_WRITABLE_FIELDS
        if forbidden:
            raise AccessError(self.env._(
                "Only the application sets these fields of a document: %(fields)s.",
                fields=", ".join(sorted(forbidden))))
        if 'name' in vals:
            vals = {**vals, 'name': self._clean_name(vals['name'])}
        moved = self.browse()
        if 'partner_id' in vals:
            moved = self._check_move(self.env['res.partner'].browse(vals['partner_id']))
        result = super().write(vals)
        if moved:
            moved._log_activity('moved')
            # Shared with the contact it left: the new contact is not told of it unless shared again.
            moved.filtered('is_shared')._set_shared(False, note=self.env._("Moved to another contact"))
        return result

    def _check_move(self, partner):
        """The documents of ``self`` that move to ``partner``, once the move is allowed."""
        moved = self.filtered(lambda document: document.partner_id != partner)
        if not moved:
            return moved
        self.check_access('write')
        partner.check_access('write')
        if any(document.partner_id.company_id != partner.company_id for document in moved.sudo()):
            raise UserError(self.env._("Documents can only be moved to a contact of the same company."))
        return moved

    # pylint-odoo and Odoo's checker want unlink() to call super() and never raise: here it
    # refuses to skip the trash (deleting is recoverable until the purge), and deletes
    # through _delete(), which calls super().unlink() after writing the audit line.
    def unlink(self):  # pylint: disable=method-required-super
        """Permanently delete documents from the trash; their file goes once nothing else uses it.

        Active documents are moved to the trash first (``action_trash``):
        deleting is recoverable until the purge.
        """
        self.check_access('unlink')
        if not self.env.su and any(self.mapped('active')):
            raise UserError(self.env._("Move documents to the trash before deleting them for good."))  # pylint: disable=no-raise-unlink,raise-unlink-override
        return self._delete()

    def _delete(self, note=None):
        """Delete for good, each document with a *Deleted* audit line saying why (``note``)."""
        self._log_activity('deleted', note=note)
        # The ORM deletes the attachments owned by these records with them; the
        # filestore keeps their content while another attachment shares its checksum.
        return super().unlink()  # pylint: disable=super-method-mismatch

    # ------------------------------------------------------------------
    # Sharing on the customer portal
    # ------------------------------------------------------------------

    def action_share(self):
        """Share on Portal: the contact of each document sees it on the portal (My Documents).

        Only users who can edit the contact may share its documents.
        """
        self._check_share_access()
        self.filtered(lambda document: not document.is_shared)._set_shared(True)
        return True

    def action_unshare(self):
        """Stop Sharing: the document leaves the contact's portal."""
        self._check_share_access()
        self.filtered('is_shared')._set_shared(False)
        return True

    def _check_share_access(self):
        if not self.env.su and not self.env.user._is_internal():
            raise AccessError(self.env._("Only users of the company can share documents on the portal."))
        self.check_access('write')

    def _set_shared(self, shared, note=None):
        """Share or unshare documents whose access was checked, with an audit line each."""
        if not self:
            return
        self.sudo().write({'is_shared': shared})
        self._log_activity('shared' if shared else 'unshared', note=note)

    # ------------------------------------------------------------------
    # The customer portal (controllers/portal.py): what a portal user sees of their documents
    # ------------------------------------------------------------------

    @api.model
    def _portal_domain(self):
        """The documents of the current user's own contact on the portal.

        Those shared with their contact or with their company itself (never
        with a colleague), and the files they uploaded from the portal. The
        record rule of portal users says the same: this domain keeps the page
        of an internal user who opens /my to their own contact too.
        """
        user = self.env.user
        shared_with = (user.partner_id | user.commercial_partner_id).ids
        return Domain('active', '=', True) & (
            (Domain('is_shared', '=', True) & Domain('partner_id', 'in', shared_with))
            | (Domain('channel', '=', 'portal') & Domain('partner_id', '=', user.partner_id.id))
        )

    @api.model
    def _portal_search_domain(self, search=None):
        domain = self._portal_domain()
        # PostgreSQL refuses NUL in text: a search for it finds nothing rather than failing.
        if search := (search or '').replace('\x00', '').strip():
            domain &= Domain('name', 'ilike', search)
        return domain

    @api.model
    def _portal_count(self, search=None):
        """How many documents the current user has on the portal, narrowed by name."""
        return self.search_count(self._portal_search_domain(search)) if self.has_access('read') else 0

    @api.model
    def _portal_page(self, search=None, order=None, offset=0, limit=None):
        """One page of the current user's documents on the portal, narrowed by name."""
        if not self.has_access('read'):
            return self.browse()
        return self.search(self._portal_search_domain(search), order=order, offset=offset, limit=limit)

    def _portal_rows(self):
        """What the portal shows of each document: never who inside the company added it, nor how.

        Read as superuser once the current user's own search returned them.
        """
        now = fields.Datetime.now()
        partner = self.env.user.partner_id
        rows = []
        for document in self.sudo():
            uploaded_by_contact = document.channel == 'portal' and document.partner_id == partner
            rows.append({
                'id': document.id,
                'name': document.name,
                'mimetype': document.mimetype,
                'is_previewable': document.is_previewable,
                'has_thumbnail': document.has_thumbnail,
                'size': format_file_size(document.file_size),
                'date': document.create_date,
                'uploaded_by_you': uploaded_by_contact,
                'can_delete': uploaded_by_contact and now - document.create_date < PORTAL_DELETE_DELAY,
            })
        return rows

    def _portal_trash(self):
        """A contact deletes a file they uploaded from the portal, within a day: into the trash, audited.

        Nothing else: not a file shared with them, not a colleague's, not an older one.
        """
        self.ensure_one()
        user = self.env.user
        document = self.sudo()
        if (self.env.su or not user._is_portal() or not document.active or document.channel != 'portal'
                or document.partner_id != user.partner_id
                or fields.Datetime.now() - document.create_date >= PORTAL_DELETE_DELAY):
            raise AccessError(self.env._("You can only delete the files you uploaded, within a day."))
        document.write({'active': False, 'trashed_date': fields.Datetime.now(), 'trashed_uid': user.id})
        self._log_activity('trashed', note=self.env._("Deleted by the contact on the portal"))

    def _notify_portal_upload(self):
        """Tell whoever looks after the contact that these files came from the portal.

        The contact's salesperson, else the Contact Documents managers of the
        contact's company: a chatter message that notifies them (it also tells
        the files, in place of the usual note) and a to-do activity each,
        unless one is still open.
        """
        summary = self.env._("Review the documents uploaded on the portal")
        for partner, documents in self.sudo().grouped('partner_id').items():
            recipients = documents._portal_upload_recipients(partner)
            body = Markup('<p>%s</p>%s') % (
                self.env._("%(contact)s uploaded files on the portal.", contact=partner.display_name),
                documents._audit_chatter_body('filed'),
            )
            partner.message_post(
                body=body, message_type='comment', subtype_xmlid='mail.mt_note',
                author_id=self.env.user.partner_id.id, partner_ids=recipients.partner_id.ids,
            )
            open_for = partner.activity_ids.filtered(lambda activity: activity.summary == summary).user_id
            for user in recipients - open_for:
                partner.activity_schedule('mail.mail_activity_data_todo', summary=summary, user_id=user.id)

    @api.model
    def _portal_upload_recipients(self, partner):
        salesperson = partner.user_id or partner.commercial_partner_id.user_id
        if salesperson.active and salesperson._is_internal():
            return salesperson
        company = partner.company_id or self.env.company
        return self.env['res.users'].sudo().search([
            ('all_group_ids', 'in', self.env.ref(MANAGER_GROUP).id),
            ('share', '=', False),
            ('company_ids', 'in', company.ids),
        ])

    # ------------------------------------------------------------------
    # Trash
    # ------------------------------------------------------------------

    def action_trash(self):
        """Delete File: move the documents to the trash, where managers can restore them."""
        self._check_trash_access()
        documents = self.filtered('active').sudo()
        documents.write({'active': False, 'trashed_date': fields.Datetime.now(), 'trashed_uid': self.env.uid})
        documents.with_env(self.env)._log_activity('trashed')
        return True

    def action_restore(self):
        """Put documents back from the trash on their contact."""
        self._check_trash_access()
        documents = self.filtered(lambda document: not document.active).sudo()
        documents.write({'active': True, 'trashed_date': False, 'trashed_uid': False})
        documents.with_env(self.env)._log_activity('restored')
        return True

    def _check_trash_access(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only Contact Documents managers can delete or restore documents."))
        self.check_access('unlink')

    @api.model
    def _trash_retention_days(self):
        value = self.env['ir.config_parameter'].sudo().get_param(TRASH_DAYS_PARAM)
        try:
            return max(int(value), 0) if value else DEFAULT_TRASH_DAYS
        except ValueError:
            _logger.warning("Ignoring %s=%r: not a number of days", TRASH_DAYS_PARAM, value)
            return DEFAULT_TRASH_DAYS

    @api.model
    def _cron_purge_trash(self):
        """Delete for good the documents that have been in the trash for longer than the retention."""
        limit = fields.Datetime.subtract(fields.Datetime.now(), days=self._trash_retention_days())
        expired = self.sudo().with_context(active_test=False).search(
            [('active', '=', False), ('trashed_date', '<', limit)])
        if expired:
            expired._delete(note=self.env._("Purged from the trash"))
        _logger.info("Purged %s contact documents from the trash", len(expired))

    @api.model
    def _delete_with_contacts(self, partners):
        """Delete the documents of contacts being deleted, trash included, each with an audit line.

        Only users who may delete documents may remove them this way;
        everyone else is told to archive the contact instead.
        """
        documents = self.sudo().with_context(active_test=False).search([('partner_id', 'in', partners.ids)])
        if not documents:
            return
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(self.env._(
                "%(contact)s has documents: only Contact Documents managers can delete it. "
                "Archive the contact instead.", contact=documents[:1].partner_id.display_name))
        documents._delete(note=self.env._("The contact was deleted"))

    @api.model
    def _merge_contacts(self, source_partners, destination):
        """Move the documents of merged contacts to the one they are merged into.

        A document the destination already holds (the same file of the same
        message, on the same channel) is dropped rather than filed twice; both
        moves and drops are audited.
        """
        Document = self.sudo().with_context(active_test=False)
        documents = Document.search([('partner_id', 'in', source_partners.ids)], order='id')
        if not documents:
            return
        held = {
            document._sync_key(): document
            for document in Document.search([('partner_id', '=', destination.id)]) if document.external_message_id
        }
        duplicates = Document.browse()
        for document in documents:
            key = document._sync_key()
            holder = held.get(key) if document.external_message_id else None
            if not holder:
                held[key] = document
            elif holder.active or not document.active:
                duplicates |= document
            else:
                # Only a deleted copy was held: the one in use is kept.
                duplicates |= holder
                held[key] = document
        if duplicates:
            duplicates._delete(note=self.env._(
                "Already on %(contact)s, which this contact was merged into", contact=destination.display_name))
        moved = documents - duplicates
        if moved:
            moved.write({'partner_id': destination.id})
            moved._log_activity('moved', note=self.env._("Merged into %(contact)s", contact=destination.display_name))

    def _sync_key(self):
        self.ensure_one()
        return (self.channel, self.external_message_id, self.attachment_index)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    @api.model
    @api.readonly
    def get_documents_tab_data(self, partner_id, direction=None, search=None, offset=0, limit=TAB_PAGE_SIZE):
        """Everything the Documents tab shows for one contact, in one call.

        A page of documents (optionally one direction, optionally narrowed by
        name) and the count of each filter, computed with one grouped query.
        ``direction='trash'`` pages the contact's deleted documents instead
        (managers only); managers also get the count of the trash.
        """
        if not self.env.su and not self.env.user._is_internal():
            # Portal users have their own page, which shows them only what is theirs to see.
            raise AccessError(self.env._("Your documents are on the portal, under My Documents."))
        partner = self.env['res.partner'].browse(partner_id)
        partner.check_access('read')
        offset, limit = max(int(offset or 0), 0), min(max(int(limit or 0), 0), MAX_TAB_PAGE_SIZE)
        can_delete = self.env.user.has_group(MANAGER_GROUP)
        in_trash = direction == 'trash'
        # Not a direction either: the documents shared on the portal, whatever their direction.
        in_shared = direction == 'shared'
        if in_trash and not can_delete:
            raise AccessError(self.env._("Only Contact Documents managers can see deleted documents."))
        domain = self._tab_domain(partner, search)
        page_direction, page_limit = (None, 0) if in_trash or in_shared else (direction, limit)
        if search:
            direction_counts, documents = self._searched_tab_page(domain, page_direction, offset, page_limit)
        else:
            direction_counts = self._read_group(domain, ['direction'], ['__count'])
            if page_direction:
                domain &= Domain('direction', '=', page_direction)
            documents = self.search_fetch(domain, TAB_FIELDS, offset=offset, limit=page_limit) if page_limit else self
        counts = dict.fromkeys(('internal', 'sent', 'received'), 0)
        counts.update(direction_counts)
        counts['all'] = sum(counts.values())
        if can_delete:
            Trash = self.with_context(active_test=False)
            trash_domain = self._tab_domain(partner, search) & Domain('active', '=', False)
            counts['trash'] = Trash.search_count(trash_domain)
            if in_trash:
                documents = Trash.search_fetch(trash_domain, TAB_FIELDS, offset=offset, limit=limit)
        shared_domain = self._tab_domain(partner, search) & Domain('is_shared', '=', True)
        counts['shared'] = self.search_count(shared_domain)
        if in_shared:
            documents = self.search_fetch(shared_domain, TAB_FIELDS, offset=offset, limit=limit)
        return {
            'documents': documents.read(TAB_FIELDS),
            'counts': counts,
            'can_delete': can_delete,
            'show_contact': partner.is_company,
            # The Add Documents modal refuses what the server would refuse, before uploading.
            'accepted_extensions': list(ACCEPTED_EXTENSIONS),
            # The type icon of each chosen file.
            'accepted_mimetypes': {extension: ACCEPTED_TYPES[extension][0] for extension in ACCEPTED_EXTENSIONS},
            'max_upload_size': MAX_UPLOAD_SIZE,
            'can_upload': partner.has_access('write'),
            # Sharing on the portal needs the same right as adding documents: editing the contact.
            'can_share': partner.has_access('write'),
            # The labels of the selections, translated: the tab shows them, never retypes them.
            'direction_labels': dict(self._fields['direction']._description_selection(self.env)),
            'channel_labels': dict(self._fields['channel']._description_selection(self.env)),
        }

    @api.model
    @api.readonly
    def get_filed_copies(self, partner_id, checksums):
        """Which of these files are already filed on the contact, for the Add Documents modal.

        :param checksums: SHA-1 checksums (hexadecimal) of the files the user chose,
            as ir.attachment computes them
        :return: {checksum: {'name', 'date'}}: the first document of the contact's tab
            with that content, among those the user can see (the trash excluded)
        """
        partner = self.env['res.partner'].browse(partner_id)
        partner.check_access('read')
        wanted = list({
            checksum for checksum in checksums or () if isinstance(checksum, str) and SHA1_RE.fullmatch(checksum)
        })[:MAX_CHECKED_CHECKSUMS]
        if not wanted:
            return {}
        copies = self.search_fetch(
            self._tab_domain(partner) & Domain('checksum', 'in', wanted), ['checksum', 'name', 'create_date'],
            order='create_date, id')
        filed = {}
        for document in copies:
            filed.setdefault(document.checksum, {
                'name': document.name, 'date': fields.Datetime.to_string(document.create_date)})
        return filed

    @api.model
    def _searched_tab_page(self, domain, direction, offset, limit):
        """The counts per direction and one page of a searched tab, from a single scan.

        Finding the documents that match a search costs a trigram index scan
        over the whole table, and a search leaves few documents: counting and
        paging them from one materialized result pays for that scan once, not twice.

        :return: ([(direction, count)], documents of the page)
        """
        self.env.cr.execute(self._searched_tab_query(domain, direction, offset, limit))
        rows = self.env.cr.fetchall()
        page_ids = next(ids for _direction, count, ids in rows if count is None)
        return [(row_direction, count) for row_direction, count, _ids in rows if count is not None], self.browse(page_ids)

    @api.model
    def _searched_tab_query(self, domain, direction, offset, limit):
        """One row (direction, count, NULL) per direction, and one (NULL, NULL, ids of the page)."""
        query = self._search(domain)
        return SQL("""
            WITH matches AS MATERIALIZED (%(matches)s)
            SELECT direction, count(*), NULL FROM matches GROUP BY direction
             UNION ALL
            SELECT NULL, NULL, ARRAY(
                SELECT id FROM matches WHERE %(direction)s::varchar IS NULL OR direction = %(direction)s
                 ORDER BY create_date DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s)
        """,
            matches=query.select(*(SQL.identifier(self._table, name) for name in ('id', 'direction', 'create_date'))),
            direction=direction or None, limit=limit, offset=offset,
        )

    @api.model
    def _tab_domain(self, partner, search=None):
        """The documents of ``partner``'s tab, narrowed by a search on their name or content."""
        domain = Domain(partner._contact_document_domain())
        # PostgreSQL refuses NUL in text: a search for it finds nothing rather than failing.
        search = (search or '').replace('\x00', '')
        if search:
            # Both columns have a trigram index: PostgreSQL combines the two index scans.
            # The extracted text is the company's users' only (portal users search by name).
            matches = Domain('name', 'ilike', search)
            if self.env.su or self.env.user._is_internal():
                matches |= Domain('content_text', 'ilike', search)
            domain &= matches
        return domain

    def _stored_file(self):
        """This document's own attachment, as superuser, once checked to be the file filed with it.

        Callers have checked that the user may read the document; the
        attachment is read as superuser only because it is the document's own.
        """
        self.ensure_one()
        attachment = self.sudo().attachment_id
        if (attachment.res_model != self._name or attachment.res_id != self.id
                or attachment.type not in self._file_attachment_types()):
            raise MissingError(self.env._("The file of %(name)s is missing.", name=self.name))
        return attachment

    @api.model
    def _file_attachment_types(self):
        """The attachment types a document's file may have: binary, and cloud_storage where that module is installed."""
        if CLOUD_STORAGE_TYPE in self.env['ir.attachment']._fields['type'].get_values(self.env):
            return ('binary', CLOUD_STORAGE_TYPE)
        return ('binary',)

    def _is_cloud_file(self):
        """Whether this document's file is an object in cloud_storage's bucket (no bytes in Odoo)."""
        self.ensure_one()
        return self.sudo().attachment_id.type == CLOUD_STORAGE_TYPE

    def _cloud_download_url(self):
        """The signed URL cloud_storage's provider gives to download this document's file, for a few minutes.

        Callers have checked that the user may read the document. Without a
        configured provider (removed since) the file cannot be reached: missing.
        """
        attachment = self._stored_file()
        if (attachment.type != CLOUD_STORAGE_TYPE
                or not self.env['res.config.settings'].sudo()._get_cloud_storage_configuration()):
            raise MissingError(self.env._("The file of %(name)s is missing.", name=self.name))
        return attachment._generate_cloud_storage_download_info()['url']

    def action_download(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_url',
            'url': f'/contact_documents/{self.id}/download',
            'target': 'download',
        }

    # ------------------------------------------------------------------
    # Filing: the single path every channel goes through
    # ------------------------------------------------------------------

    @api.model
    def _file_documents(self, partners, files, direction, channel, message=None, external_message_id=None, sender=None):
        """File ``files`` on each of ``partners`` and return the new documents.

        :param partners: res.partner recordset
        :param files: list of dicts with ``name``, the content as ``raw`` (bytes),
            ``stream`` (seekable binary file, copied in chunks), ``path`` with its
            SHA-1 ``checksum`` (a file on the filestore's file system, moved into
            it) or ``attachment`` (an ir.attachment whose stored file is shared), and optionally
            ``mimetype`` and ``index`` (position in the source message)
        :param message: the mail.message the files came with, if any
        :param external_message_id: identifier of the message on its channel;
            a file already filed for the same partner, message and index is skipped
        :param sender: res.partner who sent the files (synced files only; an
            upload's author is the user who added it)
        """
        return self._file_documents_batch([{
            'partners': partners, 'files': files, 'direction': direction, 'channel': channel,
            'message': message, 'external_message_id': external_message_id, 'sender': sender,
        }])[0]

    @api.model
    def _file_documents_batch(self, batches):
        """File several sets of files as :meth:`_file_documents` does each, in one create.

        Channel sync files the media of many messages at once: one query for
        what is already filed and one create (with its audit lines) for all
        of them cost far less than one of each per message.

        :param batches: list of dicts of :meth:`_file_documents`'s arguments
            (``partners``, ``files``, ``direction``, ``channel`` and optionally
            ``message``, ``external_message_id``, ``sender``)
        :return: the new documents of each batch, in order (a list of recordsets)
        """
        prepared = [(batch, [
            self._typed_by_content(dict(file, name=self._clean_name(file['name']), index=file.get('index', position)))
            for position, file in enumerate(batch['files'])
        ] if batch['partners'] else []) for batch in batches]
        already_filed = self._already_filed_batch([
            (batch['partners'], batch['channel'], batch.get('external_message_id')) for batch, files in prepared if files])
        to_file = [
            (position, batch, partner, file)
            for position, (batch, files) in enumerate(prepared) for partner in batch['partners'] for file in files
            if (partner.id, batch['channel'], batch.get('external_message_id') or False, file['index']) not in already_filed
        ]
        attachments = self._create_attachments([file for *_batch, file in to_file])
        documents = self.sudo().create([{
            'name': file['name'],
            'partner_id': partner.id,
            'attachment_id': attachment.id,
            'direction': batch['direction'],
            'channel': batch['channel'],
            'message_id': batch['message'].id if batch.get('message') else False,
            'external_message_id': batch.get('external_message_id') or False,
            'attachment_index': file['index'],
            'content_mismatch': file['content_mismatch'],
            'sender_partner_id': batch['sender'].id if batch.get('sender') else False,
        } for (_position, batch, partner, file), attachment in zip(to_file, attachments)])
        ids_by_batch = [[] for _batch in batches]
        for (position, *_file), document_id in zip(to_file, documents.ids):
            ids_by_batch[position].append(document_id)
        return [self.browse(ids) for ids in ids_by_batch]

    @api.model
    def _typed_by_content(self, file):
        """``file`` named and typed after its content, whatever its name or sender says.

        A name whose extension contradicts the content gets the content's
        extension added, and the document is marked (``content_mismatch``).
        """
        if self._is_cloud_source(file):
            # No bytes to read: the name's type, as cloud_storage recorded it, and nothing to contradict it.
            return dict(file, name=self._clean_name(file['name']), mimetype=file['attachment'].mimetype, content_mismatch=False)
        name, mimetype, mismatch = type_by_content(file['name'], self._file_head(file), file.get('mimetype'))
        return dict(file, name=self._clean_name(name), mimetype=mimetype, content_mismatch=mismatch)

    @api.model
    def _is_cloud_source(self, file):
        """Whether a file to file is a cloud_storage attachment (see ``_message_files``)."""
        return 'attachment' in file and file['attachment'].sudo().type == CLOUD_STORAGE_TYPE

    @api.model
    def _file_head(self, file):
        """The first bytes of a file to file, without reading the rest of it where it can be avoided."""
        if 'raw' in file:
            return file['raw'][:MIMETYPE_HEAD_SIZE]
        if 'stream' in file:
            stream = file['stream']
            stream.seek(0)
            head = stream.read(MIMETYPE_HEAD_SIZE)
            stream.seek(0)
            return head
        if 'path' in file:
            with open(file['path'], 'rb') as stream:
                return stream.read(MIMETYPE_HEAD_SIZE)
        attachment = file['attachment'].sudo()
        if attachment.store_fname:
            return attachment._file_read(attachment.store_fname, MIMETYPE_HEAD_SIZE)
        return (attachment.raw or b'')[:MIMETYPE_HEAD_SIZE]

    @api.model
    def _clean_name(self, name):
        """A name safe to show and to extract: no bidi tricks or control characters, at most 255 characters."""
        return clean_file_name(name or '') or self.env._("Unnamed file")

    @api.model
    def _file_message_attachments(self, message, from_gateway=False, not_attached=None):
        """File the attachments of a posted mail.message on the contacts it concerns.

        An incoming email files them as received on its author; a message sent
        from Odoo as sent on each recipient contact; a note in a contact's own
        chatter as internal on that contact. Colleagues (partners of internal
        users) are never contacts. Inline images (signatures, logos) are skipped.

        :param from_gateway: the message was posted by the mail gateway, which
            posts as superuser. Only then is it an incoming email, and only then
            is its Message-Id (the key that files a replayed email once) trusted:
            any user can call ``message_post`` with a message type and an id of
            their choice.
        :param not_attached: attachments of the message that its sender did
            not attach: what the gateway extracted from a message attached to
            the email, or from nameless parts (see tools/email_parts.py)
        """
        direction, partners = self._message_direction_and_partners(message, from_gateway)
        files = self._message_files(message, not_attached)
        if not partners or not files:
            return self.browse()
        if message.message_type == 'sms':
            channel = 'sms'
        elif direction == 'internal':
            channel = 'note'  # a note in the contact's chatter: it was never sent
        else:
            channel = 'email'
        return self._file_documents(
            partners, files, direction=direction, channel=channel,
            message=message,
            external_message_id=(from_gateway and message.message_id) or f'mail.message-{message.id}',
            # The author: the contact for an email received, the colleague for one sent or a note.
            sender=message.author_id,
        )

    @api.model
    def _message_direction_and_partners(self, message, from_gateway=False):
        def contacts(partners):
            return partners.filtered('partner_share')

        if message.message_type == 'email' and from_gateway:
            return 'received', contacts(message.author_id)
        if message.message_type == 'sms':
            # An SMS with media is an MMS to its recipients, though logged as a note.
            return 'sent', contacts((message.partner_ids | message.notification_ids.res_partner_id) - message.author_id)
        if message.message_type not in OUTGOING_MESSAGE_TYPES + ('email',):
            return None, self.env['res.partner']
        if message.is_internal or message.subtype_id.internal:
            if message.model == 'res.partner' and message.res_id:
                return 'internal', self.env['res.partner'].browse(message.res_id).exists()
            return None, self.env['res.partner']
        recipients = message.partner_ids | message.notification_ids.res_partner_id
        return 'sent', contacts(recipients - message.author_id)

    @api.model
    def _message_files(self, message, not_attached=None):
        skipped_ids = {int(found) for found in INLINE_IMAGE_RE.findall(message.body or '')}
        skipped_ids.update(not_attached.ids if not_attached else ())
        types = self._file_attachment_types()
        return [
            {'name': attachment.name, 'attachment': attachment, 'mimetype': attachment.mimetype, 'index': index}
            for index, attachment in enumerate(message.attachment_ids.sorted('id'))
            if attachment.id not in skipped_ids and attachment.type in types
        ]

    @api.model
    def _already_filed_batch(self, keys):
        """(partner id, channel, external message id, index) of each document filed under these keys.

        :param keys: list of (partners, channel, external message id); a key
            without an external message id finds nothing
        """
        keys = [(partners, channel, external_id) for partners, channel, external_id in keys if external_id]
        if not keys:
            return set()
        # A trashed document still holds its place: a replay must not file it again. One query
        # for all keys; the few rows it finds beyond them (another key's partner) are dropped.
        filed = self.sudo().with_context(active_test=False).search_fetch([
            ('partner_id', 'in', list({partner_id for partners, *_key in keys for partner_id in partners.ids})),
            ('channel', 'in', list({channel for _partners, channel, _external_id in keys})),
            ('external_message_id', 'in', list({external_id for *_key, external_id in keys})),
        ], ['partner_id', 'channel', 'external_message_id', 'attachment_index'])
        wanted = {(partner_id, channel, external_id) for partners, channel, external_id in keys for partner_id in partners.ids}
        return {
            (doc.partner_id.id, doc.channel, doc.external_message_id, doc.attachment_index) for doc in filed
            if (doc.partner_id.id, doc.channel, doc.external_message_id) in wanted
        }

    @api.model
    def _create_attachments(self, files):
        """One attachment per file, in order, through ir.attachment's storage API.

        A file given as an existing ``attachment`` gets its content (in the
        local filestore, by sharing its stored file); a ``stream`` is copied
        and a ``path`` handed over (in chunks, in the local filestore); see
        ir.attachment's ``_create_from_streams``, ``_create_from_file`` and
        ``_create_sharing_content``.
        """
        Attachment = self.env['ir.attachment'].sudo()
        values_list = []
        for file in files:
            values = {'name': file['name'], 'res_model': self._name, 'res_id': 0}
            if file.get('mimetype'):
                values['mimetype'] = file['mimetype']
            if 'raw' in file:
                values['raw'] = file['raw']
            values_list.append(values)
        for file, values in zip(files, values_list):
            if self._is_cloud_source(file):
                # A reference to the same cloud object, never its bytes (they may weigh gigabytes).
                source = file['attachment'].sudo()
                values.update(type=CLOUD_STORAGE_TYPE, url=source.url, file_size=source.file_size)
        in_batch = [(file, values) for file, values in zip(files, values_list)
                    if 'stream' not in file and 'path' not in file and not self._is_cloud_source(file)]
        batch = iter(Attachment._create_sharing_content(
            [values for _file, values in in_batch], [file.get('attachment') for file, _values in in_batch]))
        streamed = [(file, values) for file, values in zip(files, values_list) if 'stream' in file]
        from_streams = iter(Attachment._create_from_streams(
            [file['stream'] for file, _values in streamed], [values for _file, values in streamed]))
        attachments = Attachment.browse()
        for file, values in zip(files, values_list):
            if 'stream' in file:
                attachments |= next(from_streams)
            elif 'path' in file:
                attachments |= Attachment._create_from_file(file['path'], file['checksum'], values)
            elif self._is_cloud_source(file):
                attachments |= Attachment.create(values)
            else:
                attachments |= next(batch)
        return attachments

    @api.model
    def _upload_files(self, partner, uploaded_files, share=False):
        """File files uploaded by the current user on ``partner`` as internal (see ``_file_uploads``).

        :param uploaded_files: werkzeug FileStorage objects (seekable streams)
        :param share: share the documents on the portal as well
        :return: (documents, errors) where errors lists a reason per refused file
        """
        self._upload_destination(partner)
        documents, errors = self.browse(), []
        if not uploaded_files:
            raise UserError(self.env._("Choose at least one file to upload."))
        for uploaded in uploaded_files:
            try:
                mimetype = check_upload(uploaded.filename, uploaded.stream)
            except RefusedFile as refusal:
                errors.append(self._refusal_message(uploaded.filename, refusal.args[0]))
                continue
            documents |= self._file_uploads(partner, [self._uploaded_file(uploaded, mimetype)], share=share)
        return documents, errors

    @api.model
    def _uploaded_file(self, uploaded, mimetype):
        """An uploaded file as ``_file_documents`` takes it: moved into the filestore when it was written
        there as it arrived (see ``ir.http._stream_files_to_filestore``), else copied from its stream."""
        stream = uploaded.stream
        if isinstance(stream, HashingFile) and stream.movable():
            return {'name': uploaded.filename, 'path': stream.name, 'checksum': stream.checksum, 'mimetype': mimetype}
        return {'name': uploaded.filename, 'stream': stream, 'mimetype': mimetype}

    @api.model
    def _upload_destination(self, partner):
        """Where the current user's upload on ``partner`` is filed: (contact, direction, channel).

        A portal user's files always land on their own contact, received on the
        Client Portal channel, whatever contact the request named; anyone else
        must be able to edit ``partner``, and uploads internal documents.
        """
        user = self.env.user
        if not self.env.su and user._is_portal():
            return user.partner_id, 'received', 'portal'
        self._check_can_add(partner)
        return partner, 'internal', 'upload'

    @api.model
    def _file_uploads(self, partner, files, share=False):
        """File files the current user uploaded (see ``_upload_destination`` and ``_file_documents``).

        Files from the portal are told to whoever looks after the contact;
        ``share`` shares the others on the portal as they are filed.
        """
        partner, direction, channel = self._upload_destination(partner)
        if channel == 'portal':
            # Told by the message that notifies the salesperson, in place of the usual note.
            Filing = self.sudo().with_context(contact_documents_skip_audit_chatter=True)
            documents = Filing._file_documents(partner, files, direction=direction, channel=channel).with_env(self.env)
            documents._notify_portal_upload()
            return documents
        documents = self._file_documents(partner, files, direction=direction, channel=channel)
        if share:
            documents.action_share()
        return documents

    @api.model
    def _refusal_message(self, filename, reason):
        """Why ``filename`` was refused, for the user: ``reason`` is a RefusedFile reason."""
        name = filename or self.env._("(no name)")
        if reason == 'type':
            types = format_list(self.env, [extension.upper() for extension in ACCEPTED_EXTENSIONS])
            return self.env._("%(name)s was refused: only %(types)s files can be added.", name=name, types=types)
        if reason == 'size':
            return self.env._("%(name)s was refused: it is larger than %(limit)s.",
                              name=name, limit=f'{MAX_UPLOAD_SIZE // (1024 * 1024)} MB')
        if reason == 'empty':
            return self.env._("%(name)s was refused: the file is empty.", name=name)
        if reason == 'macros':
            return self.env._("%(name)s was refused: it contains macros, which could run harmful code when opened.", name=name)
        return self.env._("%(name)s was refused: its content does not match its extension.", name=name)

    def _zip_members(self):
        """The members of a ZIP of these documents, and the download recorded in the audit log.

        The ZIP is streamed after the request's cursor is closed: each
        member's content is opened through the storage API only when the
        archive reaches it (ir.attachment ``_content_opener``), read in blocks
        from the local filestore or an object storage, and from the database
        one member at a time.
        """
        self.check_access('read')
        documents = self.sudo()
        members = []
        # Files in the cloud are not in the ZIP (Odoo has none of their bytes): a text member lists them.
        in_cloud = documents.filtered(lambda document: document._is_cloud_file())
        listing_name = self.env._("Files stored in the cloud.txt")
        names = unique_names((documents - in_cloud).mapped('name') + ([listing_name] if in_cloud else []))
        for document, name in zip(documents - in_cloud, names, strict=False):
            members.append({
                'name': name,
                'open': document._stored_file()._content_opener(),
                'size': document.file_size,
                'date_time': document.create_date.timetuple()[:6],
            })
        if in_cloud:
            members.append(self._cloud_listing_member(names[-1], in_cloud))
        (self - in_cloud).with_env(self.env)._log_download()
        return members

    def _cloud_listing_member(self, name, documents):
        """A text member of a ZIP naming the documents left out of it because their file is in the cloud."""
        lines = [self.env._("These files are stored in the cloud and are not in this archive. "
                            "Download each one from the Documents tab of its contact:"), '']
        lines += [f'- {document.name} ({document.partner_id.display_name})' for document in documents]
        content = ('\n'.join(lines) + '\n').encode()
        return {'name': name, 'open': lambda: io.BytesIO(content), 'size': len(content),
                'date_time': fields.Datetime.now().timetuple()[:6]}

    # ------------------------------------------------------------------
    # Content search
    # ------------------------------------------------------------------

    @api.model
    def _content_index_available(self):
        """Whether Odoo's attachment_indexation is installed: it gives ``_index`` its PDF/DOCX/PPTX readers."""
        return hasattr(self.env.registry['ir.attachment'], '_index_pdf')

    def _queue_content_index(self):
        """Have the background job extract the text of these documents: never during the upload request."""
        to_index = self.filtered(lambda document: document.mimetype in INDEXABLE_MIMETYPES and not document._is_cloud_file())
        if not to_index or not self._content_index_available():
            return
        to_index.sudo().content_index_pending = True
        cron = self.env.ref('contact_documents.ir_cron_contact_document_content_index', raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _cron_index_content(self):
        """Extract the text of pending documents, a batch per commit, while the cron has time."""
        in_cron = bool(self.env.context.get('cron_id'))
        pending = Domain('content_index_pending', '=', True)
        while documents := self.sudo().search(pending, limit=CONTENT_INDEX_BATCH_SIZE):
            for document in documents:
                document._index_content()
            if in_cron:
                remaining = self.sudo().search_count(pending)
                if not self.env['ir.cron']._commit_progress(len(documents), remaining=remaining):
                    break

    def _index_content(self):
        """Store the text of this document's file; a file that cannot be read is simply not searchable.

        attachment_indexation's readers inflate what they read without any limit:
        they run in a child process bounded in memory and time, and a file beyond
        the limits (a ZIP bomb, a PDF stream inflating without end) is skipped.
        """
        self.ensure_one()
        text = None
        if self.file_size <= MAX_INDEXED_FILE_SIZE:
            attachment = self.attachment_id
            # The bytes are read here, the child only parses them: _index reaches no database
            # for these types. No checksum: the readers' cache would take a lock of this process there.
            try:
                text = run_bounded(
                    checked_read, attachment._index, attachment.raw, self.mimetype,
                    max_text_length=MAX_CONTENT_TEXT_LENGTH,
                )
            except ExtractionRefused as refusal:
                _logger.warning("Skipped the content of contact document %s: %s", self.id, refusal)
        self.write({
            'content_text': (text or '')[:MAX_CONTENT_TEXT_LENGTH] or False,
            'content_index_pending': False,
        })

    # ------------------------------------------------------------------
    # Previews: PDF renditions of Office files, thumbnails
    # ------------------------------------------------------------------

    @api.model
    def _office_preview_available(self):
        """Whether LibreOffice is installed on this server, to make PDF renditions of Office files."""
        return bool(libreoffice_path())

    def _queue_previews(self):
        """Have the background job make the rendition or thumbnail of these documents: never in the request."""
        to_prepare = self.filtered(
            lambda document: document.mimetype in PREPARED_MIMETYPES and not document.content_mismatch
            and not document._is_cloud_file())
        if not to_prepare:
            return
        to_prepare.sudo().write({'preview_state': 'pending', 'preview_claimed_at': False})
        cron = self.env.ref('contact_documents.ir_cron_contact_document_preview', raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _cron_prepare_previews(self):
        """Make the pending renditions and thumbnails, one document per commit, while the cron has time.

        Each worker claims a document (row lock, SKIP LOCKED) and commits the
        claim before converting it, so several workers never convert the same
        file and nobody waits on the document's row while LibreOffice runs.
        """
        in_cron = bool(self.env.context.get('cron_id'))
        if self._office_preview_available():
            # LibreOffice was installed since: the Office files it was missing for get their turn.
            unavailable = self.sudo().search([('preview_state', '=', 'unavailable')])
            unavailable.write({'preview_state': 'pending', 'preview_claimed_at': False})
        while document := self._claim_next_preview():
            if in_cron:
                self.env['ir.cron']._commit_progress(0)
            try:
                with self.env.cr.savepoint():
                    document._prepare_preview()
            except Exception:
                # Whatever went wrong, the file stays downloadable and the queue moves on.
                _logger.warning("Could not prepare the preview of contact document %s", document.id, exc_info=True)
                document.exists().write({'preview_state': 'failed', 'preview_claimed_at': False})
            if in_cron:
                remaining = self.sudo().search_count([('preview_state', '=', 'pending')])
                if not self.env['ir.cron']._commit_progress(1, remaining=remaining):
                    break

    @api.model
    def _claim_next_preview(self):
        """The next pending document nobody is working on, claimed for this transaction's worker."""
        expired = fields.Datetime.subtract(fields.Datetime.now(), seconds=PREVIEW_CLAIM_EXPIRY)
        self.env.flush_all()
        self.env.cr.execute(SQL("""
            UPDATE contact_document SET preview_claimed_at = %(now)s
             WHERE id = (SELECT id FROM contact_document
                          WHERE preview_state = 'pending'
                            AND (preview_claimed_at IS NULL OR preview_claimed_at < %(expired)s)
                          ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING id
        """, now=fields.Datetime.now(), expired=expired))
        row = self.env.cr.fetchone()
        self.invalidate_model(['preview_claimed_at'])
        return self.sudo().browse(row[0]) if row else self.sudo().browse()

    def _prepare_preview(self):
        """Make this document's PDF rendition (Office files) and thumbnail; a failure leaves it downloadable."""
        self.ensure_one()
        values = {'preview_state': 'done', 'preview_claimed_at': False}
        source = None
        if self.file_size > MAX_PREVIEW_SOURCE_SIZE:
            _logger.info("No preview for contact document %s: larger than %s bytes", self.id, MAX_PREVIEW_SOURCE_SIZE)
            values['preview_state'] = 'failed' if self.mimetype in OFFICE_EXTENSIONS else 'done'
        elif self.mimetype in OFFICE_EXTENSIONS:
            values['preview_state'], source = self._make_rendition()
        else:
            source = self._stored_file().raw
        thumbnail = self._make_thumbnail(source) if source else None
        values.update({'thumbnail': base64.b64encode(thumbnail) if thumbnail else False, 'has_thumbnail': bool(thumbnail)})
        self.sudo().write(values)

    def _make_rendition(self):
        """(preview state, PDF bytes): convert this Office document and keep the PDF as its rendition."""
        if not self._office_preview_available():
            return 'unavailable', None
        try:
            pdf = convert_to_pdf(
                self._stored_file().raw, OFFICE_EXTENSIONS[self.mimetype], timeout=PREVIEW_TIME_LIMIT)
        except ConversionFailed as failure:
            _logger.warning("Could not make the PDF rendition of contact document %s: %s", self.id, failure)
            return 'failed', None
        previous = self.sudo().preview_attachment_id
        # Owned by the document like its file: read through its routes and access only
        # (see ir_binary.py), deleted with it.
        rendition = self.env['ir.attachment'].sudo().create({
            'name': f'{self.name}.pdf',
            'raw': pdf,
            'mimetype': 'application/pdf',
            'res_model': self._name,
            'res_id': self.id,
        })
        self.sudo().preview_attachment_id = rendition
        previous.unlink()
        return 'done', pdf

    def _make_thumbnail(self, source):
        """PNG thumbnail of the picture, or of the first page of the PDF or rendition ``source``; None if it fails."""
        try:
            if PREVIEW_KINDS.get(self.mimetype) == 'image':
                return image_thumbnail(source)
            return pdf_thumbnail(source)
        except ThumbnailFailed as failure:
            _logger.info("No thumbnail for contact document %s: %s", self.id, failure)
            return None

    def _preview_file(self):
        """The attachment the preview route serves: the PDF rendition of an Office file, else the file itself."""
        self.ensure_one()
        if self.preview_kind == 'office':
            rendition = self.sudo().preview_attachment_id
            if rendition.res_model == self._name and rendition.res_id == self.id:
                return rendition
            raise MissingError(self.env._("The preview of %(name)s is missing.", name=self.name))
        return self._stored_file()

    # ------------------------------------------------------------------
    # Audit
    # ------------------------------------------------------------------

    def _log_activity(self, action, note=None, chatter=True):
        """Record ``action`` on these documents in the audit log and in each contact's chatter.

        The audit log gets a line per document, always. The chatter gets one
        note per contact and action; filed documents are told when the
        transaction commits, in one note per contact and message, and the files
        that came with no message (an upload of several files) in one note per
        contact. A message posted in the contact's own chatter already shows its
        files there: it gets no note, except for a file renamed after its content.

        :param note: why, when the action was not the user's own (a merge, a purge)
        :param chatter: False for actions too frequent for the chatter (downloads)
        """
        if not self:
            return
        documents = self.sudo()
        self.env['contact.document.log'].sudo().create([
            document._audit_values(action, note) for document in documents
        ])
        # Channel sync tells the chatter itself, one message per file. Only the product's
        # own superuser code may say so: a context is anybody's to set over RPC.
        if not chatter or (self.env.su and self.env.context.get('contact_documents_skip_audit_chatter')):
            return
        if action != 'filed':
            for partner, partner_documents in documents.grouped('partner_id').items():
                partner._message_log(body=partner_documents._audit_chatter_body(action))
            return
        untold = documents.filtered(lambda document: document.content_mismatch or not (
            document.message_id.model == 'res.partner' and document.message_id.res_id == document.partner_id.id))
        if not untold:
            return
        precommit = self.env.cr.precommit
        if 'contact_documents.filed' not in precommit.data:
            env = self.env

            @precommit.add
            def tell_filed():
                pending = precommit.data.pop('contact_documents.filed', {})
                for (uid, partner_id, _message_id), document_ids in sorted(pending.items()):
                    filed = env(user=uid, su=True)[self._name].browse(document_ids).exists()
                    if filed:
                        filed.partner_id._message_log(body=filed._audit_chatter_body('filed'))
        pending = precommit.data.setdefault('contact_documents.filed', {})
        for document in untold:
            key = (self.env.uid, document.partner_id.id, document.message_id.id or 0)
            pending.setdefault(key, []).append(document.id)

    def _log_download(self, preview=False):
        """One audit line per document downloaded; no chatter message for a mere download.

        A contact's downloads and previews on the portal say so: what the
        contact was given is theirs to prove.
        """
        note = None
        if not self.env.su and self.env.user._is_portal():
            note = (self.env._("Previewed by the contact on the portal") if preview
                    else self.env._("Downloaded by the contact on the portal"))
        self._log_activity('downloaded', note=note, chatter=False)

    def _log_preview(self):
        """Previews are recorded for portal users only; colleagues preview too often for the audit log."""
        if not self.env.su and self.env.user._is_portal():
            self._log_download(preview=True)

    def _audit_values(self, action, note=None):
        self.ensure_one()
        return {
            'action': action,
            'document_id': self.id,
            'document_name': self.name,
            'partner_id': self.partner_id.id,
            'partner_name': self.partner_id.display_name,
            'company_id': self.company_id.id,
            'channel': self.channel,
            'direction': self.direction,
            'file_size': self.file_size,
            'checksum': self.checksum,
            'user_id': self.env.uid,
            'note': note or False,
        }

    def _audit_chatter_body(self, action):
        """The chatter note telling ``action`` on these documents (all of one contact).

        One document is told in one line ("Document filed: x.pdf (2.8 KB, ...)"),
        several in a list under their count; the names of documents still there
        link to them.
        """
        direction_labels = dict(self._fields['direction']._description_selection(self.env))
        channel_labels = dict(self._fields['channel']._description_selection(self.env))
        mismatch_note = Markup(' \N{EM DASH} %s') % self._content_mismatch_note()

        def described(document):
            name = document.name
            if action in ('filed', 'moved', 'restored', 'shared', 'unshared'):
                route = 'preview' if document.is_previewable else 'download'
                name = Markup('<a href="/contact_documents/%s/%s" target="_blank">%s</a>') % (
                    document.id, route, document.name)
            return Markup('%s (%s, %s, %s)%s') % (
                name, format_file_size(document.file_size),
                channel_labels[document.channel], direction_labels[document.direction],
                mismatch_note if document.content_mismatch else '',
            )

        if len(self) == 1:
            title = {
                'filed': self.env._("Document filed:"),
                'moved': self.env._("Document moved here:"),
                'trashed': self.env._("Document moved to the trash:"),
                'restored': self.env._("Document restored from the trash:"),
                'deleted': self.env._("Document deleted:"),
                'downloaded': self.env._("Document downloaded:"),
                'shared': self.env._("Document shared on the portal:"),
                'unshared': self.env._("Document no longer shared on the portal:"),
            }[action]
            return Markup('<p>%s %s</p>') % (title, described(self))
        count = len(self)
        title = {
            'filed': self.env._("%(count)s documents filed:", count=count),
            'moved': self.env._("%(count)s documents moved here:", count=count),
            'trashed': self.env._("%(count)s documents moved to the trash:", count=count),
            'restored': self.env._("%(count)s documents restored from the trash:", count=count),
            'deleted': self.env._("%(count)s documents deleted:", count=count),
            'downloaded': self.env._("%(count)s documents downloaded:", count=count),
            'shared': self.env._("%(count)s documents shared on the portal:", count=count),
            'unshared': self.env._("%(count)s documents no longer shared on the portal:", count=count),
        }[action]
        lines = Markup('').join(Markup('<li>%s</li>') % described(document) for document in self)
        return Markup('<p>%s</p><ul>%s</ul>') % (title, lines)

    @api.model
    def _content_mismatch_note(self):
        """How the chatter marks a file whose content does not match its name."""
        return self.env._("content does not match its name")
