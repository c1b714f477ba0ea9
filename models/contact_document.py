import functools
import io
import logging
import re

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_list
from odoo.tools.mimetypes import MIMETYPE_HEAD_SIZE

from ..tools.content_typing import type_by_content
from ..tools.file_names import clean_file_name
from ..tools.file_types import (
    ACCEPTED_EXTENSIONS,
    MAX_UPLOAD_SIZE,
    PREVIEWABLE_MIMETYPES,
    RefusedFile,
    check_upload,
)
from ..tools.sizes import format_file_size
from ..tools.text_extraction import ExtractionRefused, checked_read, run_bounded
from ..tools.zip_stream import unique_names

_logger = logging.getLogger(__name__)

TAB_PAGE_SIZE = 40
MAX_TAB_PAGE_SIZE = 1000
TAB_FIELDS = [
    'name', 'partner_id', 'mimetype', 'file_size', 'direction', 'channel',
    'create_date', 'create_uid', 'is_previewable', 'attachment_id', 'active', 'trashed_date', 'trashed_uid',
    'content_mismatch',
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
TRASH_DAYS_PARAM = 'contact_documents.trash_days'
DEFAULT_TRASH_DAYS = 30
MANAGER_GROUP = 'contact_documents.group_contact_documents_manager'
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
    trashed_date = fields.Datetime("Deleted on", readonly=True, copy=False)
    trashed_uid = fields.Many2one('res.users', string="Deleted by", readonly=True, copy=False)
    direction = fields.Selection(DIRECTIONS, required=True, default='internal', index=True)
    channel = fields.Selection(CHANNELS, required=True, default='upload')
    mimetype = fields.Char(related='attachment_id.mimetype', store=True)
    file_size = fields.Integer(related='attachment_id.file_size', store=True)
    checksum = fields.Char(related='attachment_id.checksum', store=True)
    message_id = fields.Many2one('mail.message', string="Message", index='btree_not_null', ondelete='set null')
    external_message_id = fields.Char(
        "External Message ID", help="Identifier of the message on its channel, to file each file once.")
    attachment_index = fields.Integer(help="Position of the file in its message.")
    is_previewable = fields.Boolean(compute='_compute_is_previewable')
    # Set by the product only, when it files the document (see tools/content_typing.py).
    content_mismatch = fields.Boolean(
        "Content Mismatch", readonly=True, copy=False,
        help="The content of this file does not match the name it came with: it was renamed after its content, "
             "is never previewed and can only be downloaded.")
    create_uid = fields.Many2one('res.users', string="Added by", readonly=True)
    create_date = fields.Datetime(string="Added on", readonly=True)
    # Filled by a background job where attachment_indexation is installed; never read with the list.
    content_text = fields.Text(
        "Content", readonly=True, copy=False, prefetch=False, index='trigram',
        help="Words extracted from the file, so that the search finds it by its content.")
    content_index_pending = fields.Boolean(readonly=True, copy=False)

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

    @api.depends('mimetype', 'content_mismatch')
    def _compute_is_previewable(self):
        for document in self:
            # A file whose name lied about its content is only ever downloaded, whatever it is.
            document.is_previewable = document.mimetype in PREVIEWABLE_MIMETYPES and not document.content_mismatch

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
        return documents

    @api.model
    def _check_new_attachments(self, vals_list):
        """Each document gets a binary attachment created for it and not yet owned by any record."""
        attachment_ids = [vals.get('attachment_id') for vals in vals_list]
        attachments = self.env['ir.attachment'].sudo().browse(attachment_ids).exists()
        owned = attachments.filtered(lambda attachment: (
            attachment.res_model != self._name or attachment.res_id or attachment.type != 'binary'))
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

    def unlink(self):
        """Permanently delete documents from the trash; their file goes once nothing else uses it.

        Active documents are moved to the trash first (``action_trash``):
        deleting is recoverable until the purge.
        """
        self.check_access('unlink')
        if not self.env.su and any(self.mapped('active')):
            raise UserError(self.env._("Move documents to the trash before deleting them for good."))
        return self._delete()

    def _delete(self, note=None):
        """Delete for good, each document with a *Deleted* audit line saying why (``note``)."""
        self._log_activity('deleted', note=note)
        # The ORM deletes the attachments owned by these records with them; the
        # filestore keeps their content while another attachment shares its checksum.
        return super().unlink()

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
            expired._delete(note=_("Purged from the trash"))
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
        documents._delete(note=_("The contact was deleted"))

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
            duplicates._delete(note=_(
                "Already on %(contact)s, which this contact was merged into", contact=destination.display_name))
        moved = documents - duplicates
        if moved:
            moved.write({'partner_id': destination.id})
            moved._log_activity('moved', note=_("Merged into %(contact)s", contact=destination.display_name))

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
        partner = self.env['res.partner'].browse(partner_id)
        partner.check_access('read')
        offset, limit = max(int(offset or 0), 0), min(max(int(limit or 0), 0), MAX_TAB_PAGE_SIZE)
        can_delete = self.env.user.has_group(MANAGER_GROUP)
        in_trash = direction == 'trash'
        if in_trash and not can_delete:
            raise AccessError(self.env._("Only Contact Documents managers can see deleted documents."))
        domain = self._tab_domain(partner, search)
        page_direction, page_limit = (None, 0) if in_trash else (direction, limit)
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
        return {
            'documents': documents.read(TAB_FIELDS),
            'counts': counts,
            'can_delete': can_delete,
            'show_contact': partner.is_company,
            # The Add Documents modal refuses what the server would refuse, before uploading.
            'accepted_extensions': list(ACCEPTED_EXTENSIONS),
            'max_upload_size': MAX_UPLOAD_SIZE,
            'can_upload': partner.has_access('write'),
            # The labels of the selections, translated: the tab shows them, never retypes them.
            'direction_labels': dict(self._fields['direction']._description_selection(self.env)),
            'channel_labels': dict(self._fields['channel']._description_selection(self.env)),
        }

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
            domain &= Domain('name', 'ilike', search) | Domain('content_text', 'ilike', search)
        return domain

    def _stored_file(self):
        """This document's own attachment, as superuser, once checked to be the file filed with it.

        Callers have checked that the user may read the document; the
        attachment is read as superuser only because it is the document's own.
        """
        self.ensure_one()
        attachment = self.sudo().attachment_id
        if attachment.res_model != self._name or attachment.res_id != self.id or attachment.type != 'binary':
            raise MissingError(self.env._("The file of %(name)s is missing.", name=self.name))
        return attachment

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
    def _file_documents(self, partners, files, direction, channel, message=None, external_message_id=None):
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
        """
        if not partners or not files:
            return self.browse()
        files = [
            self._typed_by_content(dict(file, name=self._clean_name(file['name']), index=file.get('index', position)))
            for position, file in enumerate(files)
        ]
        already_filed = self._already_filed(partners, channel, external_message_id)
        to_file = [
            (partner, file) for partner in partners for file in files
            if (partner.id, file['index']) not in already_filed
        ]
        attachments = self._create_attachments([file for _partner, file in to_file])
        return self.sudo().create([{
            'name': file['name'],
            'partner_id': partner.id,
            'attachment_id': attachment.id,
            'direction': direction,
            'channel': channel,
            'message_id': message.id if message else False,
            'external_message_id': external_message_id or False,
            'attachment_index': file['index'],
            'content_mismatch': file['content_mismatch'],
        } for (partner, file), attachment in zip(to_file, attachments)]).with_env(self.env)

    @api.model
    def _typed_by_content(self, file):
        """``file`` named and typed after its content, whatever its name or sender says.

        A name whose extension contradicts the content gets the content's
        extension added, and the document is marked (``content_mismatch``).
        """
        name, mimetype, mismatch = type_by_content(file['name'], self._file_head(file), file.get('mimetype'))
        return dict(file, name=self._clean_name(name), mimetype=mimetype, content_mismatch=mismatch)

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
        return [
            {'name': attachment.name, 'attachment': attachment, 'mimetype': attachment.mimetype, 'index': index}
            for index, attachment in enumerate(message.attachment_ids.sorted('id'))
            if attachment.id not in skipped_ids and attachment.type == 'binary'
        ]

    @api.model
    def _already_filed(self, partners, channel, external_message_id):
        if not external_message_id:
            return set()
        # A trashed document still holds its place: a replay must not file it again.
        filed = self.sudo().with_context(active_test=False).search_fetch([
            ('partner_id', 'in', partners.ids),
            ('channel', '=', channel),
            ('external_message_id', '=', external_message_id),
        ], ['partner_id', 'attachment_index'])
        return {(doc.partner_id.id, doc.attachment_index) for doc in filed}

    @api.model
    def _create_attachments(self, files):
        """One attachment per file, in order, through ir.attachment's storage API.

        A file given as an existing ``attachment`` gets its content (in the
        local filestore, by sharing its stored file); a ``stream`` is copied
        and a ``path`` handed over (in chunks, in the local filestore); see
        ir.attachment's ``_create_from_stream``, ``_create_from_file`` and
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
        in_batch = [(file, values) for file, values in zip(files, values_list) if 'stream' not in file and 'path' not in file]
        batch = iter(Attachment._create_sharing_content(
            [values for _file, values in in_batch], [file.get('attachment') for file, _values in in_batch]))
        attachments = Attachment.browse()
        for file, values in zip(files, values_list):
            if 'stream' in file:
                file['stream'].seek(0)
                attachments |= Attachment._create_from_stream(file['stream'], values)
            elif 'path' in file:
                attachments |= Attachment._create_from_file(file['path'], file['checksum'], values)
            else:
                attachments |= next(batch)
        return attachments

    @api.model
    def _upload_files(self, partner, uploaded_files):
        """File files uploaded by the current user on ``partner`` as internal.

        :param uploaded_files: werkzeug FileStorage objects (seekable streams)
        :return: (documents, errors) where errors lists a reason per refused file
        """
        self._check_can_add(partner)
        documents, errors = self.browse(), []
        if not uploaded_files:
            raise UserError(_("Choose at least one file to upload."))
        for uploaded in uploaded_files:
            try:
                mimetype = check_upload(uploaded.filename, uploaded.stream)
            except RefusedFile as refusal:
                errors.append(self._refusal_message(uploaded.filename, refusal.args[0]))
                continue
            documents |= self._file_documents(
                partner, [{'name': uploaded.filename, 'stream': uploaded.stream, 'mimetype': mimetype}],
                direction='internal', channel='upload',
            )
        return documents, errors

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

        The ZIP is streamed after the request's cursor is closed, so nothing
        in it may touch the ORM: each member's content is resolved here,
        through the storage API. A file in Odoo's local filestore is the path
        of its ``_to_http_stream()`` (Stream type 'path'), opened only when
        the archive reaches it; any other storage (database, a module's
        ``_file_read``) gives its bytes (``raw``) now, so such an archive
        holds its members in memory while it is sent.
        """
        self.check_access('read')
        documents = self.sudo()
        plain_filestore = self.env['ir.attachment']._plain_filestore()
        members = []
        for document, name in zip(documents, unique_names(documents.mapped('name')), strict=True):
            attachment = document._stored_file()
            stream = attachment._to_http_stream() if plain_filestore and attachment.store_fname else None
            if stream and stream.type == 'path':
                opener = functools.partial(open, stream.path, 'rb')
            else:
                opener = functools.partial(io.BytesIO, attachment.raw)
            members.append({
                'name': name,
                'open': opener,
                'size': document.file_size,
                'date_time': document.create_date.timetuple()[:6],
            })
        self._log_download()
        return members

    # ------------------------------------------------------------------
    # Content search
    # ------------------------------------------------------------------

    @api.model
    def _content_index_available(self):
        """Whether Odoo's attachment_indexation is installed: it gives ``_index`` its PDF/DOCX/PPTX readers."""
        return hasattr(self.env.registry['ir.attachment'], '_index_pdf')

    def _queue_content_index(self):
        """Have the background job extract the text of these documents: never during the upload request."""
        to_index = self.filtered(lambda document: document.mimetype in INDEXABLE_MIMETYPES)
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

    def _log_download(self):
        """One audit line per document downloaded; no chatter message for a mere download."""
        self._log_activity('downloaded', chatter=False)

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
            if action in ('filed', 'moved', 'restored'):
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
        }[action]
        lines = Markup('').join(Markup('<li>%s</li>') % described(document) for document in self)
        return Markup('<p>%s</p><ul>%s</ul>') % (title, lines)

    @api.model
    def _content_mismatch_note(self):
        """How the chatter marks a file whose content does not match its name."""
        return self.env._("content does not match its name")
