import logging
import mimetypes
import os
import re
import threading
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import psycopg2
from markupsafe import Markup
from psycopg2 import IntegrityError

from odoo import api, fields, models, sql_db
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id
from odoo.tools.mimetypes import MIMETYPE_HEAD_SIZE, get_extension

from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION

from ..tools import safe_fetch
from ..tools.content_typing import sniff_mimetype, type_by_content
from ..tools.safe_fetch import FetchError
from .contact_document import CHANNELS, DIRECTIONS

_logger = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd and 3rd failed attempt; the 4th failure is final.
RETRY_DELAYS = (1, 5, 30)
# Media downloaded at once and filed in one batch by the cron (see safe_fetch.fetch_all for the bounds).
MEDIA_BATCH_SIZE = 50
# Hosts that may be fetched over plain HTTP: a local gateway, or the tests' media server.
HTTP_HOSTS_PARAM = 'contact_documents.media_http_hosts'
UNKNOWN_MIMETYPES = ('', 'application/octet-stream', 'text/plain')
# What Meta tells of an attachment: its kind, not its exact type.
KIND_MIMETYPES = {'image': 'image/*', 'sticker': 'image/*', 'video': 'video/*', 'audio': 'audio/*'}
PROVIDERS = [('twilio', "Twilio"), ('meta', "Meta"), ('events', "Events webhook")]
SYNC_CLAIM_TABLE = 'contact_document_sync_claim'
# Why a download failed, as a user can act on it; told in words by _failure_reason_text.
FAILURE_KINDS = [
    ('timeout', "Timed out"),
    ('unreachable', "Server unreachable"),
    ('not_found', "File gone"),
    ('denied', "Access refused"),
    ('server_error', "Server error"),
    ('host_not_allowed', "Site not allowed"),
    ('unsafe', "Unsafe address"),
    ('too_large', "Too large"),
    ('empty', "Empty file"),
    ('wrong_type', "Unexpected content"),
    ('other', "Other"),
]
# Fragments of the reasons raised by tools/safe_fetch.py and _media_mimetype, first match wins.
FAILURE_KIND_MARKERS = (
    ('timed out', 'timeout'),
    ('took more than', 'timeout'),
    ('not an allowed media host', 'host_not_allowed'),
    ('cannot resolve', 'unreachable'),
    ('cannot connect', 'unreachable'),
    ('was interrupted', 'unreachable'),
    ('non-public address', 'unsafe'),
    ('only HTTPS', 'unsafe'),
    ('credentials', 'unsafe'),
    ('invalid URL', 'unsafe'),
    ('invalid port', 'unsafe'),
    ('redirects', 'unsafe'),
    ('larger than', 'too_large'),
    ('is empty', 'empty'),
    ('was expected', 'wrong_type'),
)


# This process's connection to the ``postgres`` database, to wake the cron workers (see _notify_cron_after_commit).
_notify_lock = threading.Lock()
_notify_connection = {}


def _notify_cron_workers(dbname, cron):
    """Send the notification ``ir.cron._notifydb`` sends, on a connection kept for this process.

    A connection made before a fork belongs to the parent: each process keeps
    its own. Any failure falls back on Odoo's own ``_notifydb``.
    """
    with _notify_lock:
        connection = _notify_connection.get(os.getpid())
        try:
            if connection is None or connection.closed:
                _name, info = sql_db.connection_info_for('postgres')
                connection = _notify_connection[os.getpid()] = psycopg2.connect(**info)
                connection.autocommit = True
            notify = SQL("SELECT %s('cron_trigger', %s)", SQL.identifier(ODOO_NOTIFY_FUNCTION), dbname)
            with connection.cursor() as cursor:
                cursor.execute(notify.code, notify.params)
            return
        except psycopg2.Error:
            _logger.info("Waking the cron workers through a new connection", exc_info=True)
            _notify_connection.pop(os.getpid(), None)
    cron._notifydb()


class ContactDocumentMedia(models.Model):
    """A file of a channel message waiting to be downloaded and filed.

    Webhooks answer at once and queue one row per attachment; the cron
    downloads them (safely, see ``tools/safe_fetch.py``), files them through
    ``contact.document._file_documents`` and retries with back-off. The unique
    index makes a replayed or racing delivery queue nothing twice.
    """
    _name = 'contact.document.media'
    _description = "Contact Document Media Download"
    _order = 'id desc'

    name = fields.Char("File Name", help="Name given by the channel; otherwise taken from the URL or the type.")
    company_id = fields.Many2one('res.company', required=True, index=True, ondelete='cascade')
    partner_id = fields.Many2one('res.partner', string="Contact", required=True, index=True, ondelete='cascade')
    provider = fields.Selection(PROVIDERS, required=True)
    channel = fields.Selection(CHANNELS, required=True)
    channel_label = fields.Char("Channel Name")
    direction = fields.Selection(DIRECTIONS, required=True)
    external_message_id = fields.Char("External Message ID", required=True)
    attachment_index = fields.Integer()
    url = fields.Char("Media URL", required=True)
    mimetype = fields.Char("Expected Type")
    state = fields.Selection(
        [('queued', "Queued"), ('done', "Done"), ('failed', "Failed")],
        default='queued', required=True, index=True)
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(default=fields.Datetime.now, readonly=True)
    # The fetcher's own words, for the server log and debug mode; users read failure_reason.
    last_error = fields.Char("Technical Detail", readonly=True)
    failure_kind = fields.Selection(FAILURE_KINDS, readonly=True)
    failure_reason = fields.Char("Reason", compute='_compute_failure_reason')
    document_id = fields.Many2one('contact.document', ondelete='set null', readonly=True)

    _message_attachment_uniq = models.UniqueIndex(
        '(company_id, channel, external_message_id, attachment_index)',
        "This file of this message is already queued.",
    )
    _due_idx = models.Index("(next_attempt) WHERE state = 'queued'")

    def init(self):
        res = super().init()
        # One row per sender being synced, see _claim_sync_key; not a model: nobody reads it.
        self.env.cr.execute(SQL("""
            CREATE TABLE IF NOT EXISTS %s (
                key varchar PRIMARY KEY,
                claimed_at timestamp without time zone NOT NULL
            )
        """, SQL.identifier(SYNC_CLAIM_TABLE)))
        return res

    @api.model
    def _claim_sync_key(self, key):
        """Serialize the transactions that sync messages of one sender, retrying the late ones.

        Two deliveries of one message (or two messages of a new sender) racing
        each other must not both create the contact and file the files. An
        advisory lock would make the second wait, but its snapshot predates the
        first one's commit, so it would still not see the contact. Upserting a
        row per key does better: PostgreSQL answers the second transaction
        with a serialization failure, and Odoo replays the whole request on a
        fresh snapshot, which sees what the first one filed.
        """
        self.env.cr.execute(SQL("""
            INSERT INTO %s (key, claimed_at) VALUES (%s, now() AT TIME ZONE 'UTC')
            ON CONFLICT (key) DO UPDATE SET claimed_at = EXCLUDED.claimed_at
        """, SQL.identifier(SYNC_CLAIM_TABLE), key))

    @api.model
    def _gc_sync_claims(self):
        self.env.cr.execute(SQL(
            "DELETE FROM %s WHERE claimed_at < (now() AT TIME ZONE 'UTC') - interval '1 day'",
            SQL.identifier(SYNC_CLAIM_TABLE),
        ))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_retry(self):
        """Queue failed downloads again, from their first attempt.

        Rows are never written by users (their URL and contact decide what the
        server fetches and where it files it): only this action changes them.
        """
        self.check_access('read')
        if not self.env.user.has_group('contact_documents.group_contact_documents_manager'):
            raise AccessError(self.env._("Only Contact Documents managers can retry downloads."))
        failed = self.sudo().filtered(lambda media: media.state == 'failed')
        failed.write({'state': 'queued', 'attempts': 0, 'next_attempt': fields.Datetime.now(), 'last_error': False})
        if failed:
            self._fetch_cron()._trigger()

    # ------------------------------------------------------------------
    # Ingestion: the single entry point of every channel adapter
    # ------------------------------------------------------------------

    @api.model
    def _ingest_channel_messages(self, company, messages):
        """File the attachments of channel messages on their contacts.

        Every adapter (Twilio, Meta, the events webhook) parses its payload
        into ``tools.channel_message.ChannelMessage`` objects and calls this.
        Media behind a URL is queued for the cron, inline content is filed
        at once; a message delivered again queues and files nothing new.

        :return: counts: ``queued``, ``filed``, ``duplicates``, ``skipped``
            (attachments that are not files), ``ignored`` (unknown sender)
        """
        counts = dict.fromkeys(('queued', 'filed', 'duplicates', 'skipped', 'ignored'), 0)
        Identity = self.env['res.partner.channel.identity'].sudo()
        for message in messages:
            counts['skipped'] += message.skipped
            if not message.attachments:
                continue
            partner = Identity._find_or_create_partner(company, message)
            if not partner:
                counts['ignored'] += len(message.attachments)
                continue
            remote = [attachment for attachment in message.attachments if attachment.url]
            queued = self._enqueue(company, partner, message, remote)
            counts['queued'] += len(queued)
            counts['duplicates'] += len(remote) - len(queued)
            inline = [attachment for attachment in message.attachments if attachment.content is not None]
            if inline:
                documents = self._file_synced_files(partner, message.channel, message.label, message.direction,
                                                    message.external_id, company, [{
                                                        'name': attachment.name,
                                                        'raw': attachment.content,
                                                        'mimetype': attachment.mimetype,
                                                        'index': attachment.index,
                                                    } for attachment in inline])
                counts['filed'] += len(documents)
                counts['duplicates'] += len(inline) - len(documents)
        return counts

    @api.model
    def _enqueue(self, company, partner, message, attachments):
        """Queue the attachments; those already queued are left alone, atomically.

        The download cron is triggered in the same statement when anything
        was queued (see :meth:`_notify_cron_after_commit`): a webhook answers after
        as few round trips to the database as it can.
        """
        if not attachments:
            return self.browse()
        self.env.flush_all()
        cron = self._fetch_cron()
        now = fields.Datetime.now()
        uid = self.env.uid
        rows = SQL(', ').join(
            SQL("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'queued', 0, %s, %s, %s, %s, %s)",
                company.id, partner.id, message.provider, message.channel, message.label or None,
                message.direction, message.external_id, attachment.index, attachment.url,
                attachment.name or None, attachment.mimetype or KIND_MIMETYPES.get(attachment.kind) or None,
                now, uid, now, uid, now)
            for attachment in attachments
        )
        self.env.cr.execute(SQL("""
            WITH queued AS (
                INSERT INTO contact_document_media (
                    company_id, partner_id, provider, channel, channel_label, direction, external_message_id,
                    attachment_index, url, name, mimetype, state, attempts, next_attempt,
                    create_uid, create_date, write_uid, write_date)
                VALUES %(rows)s
                ON CONFLICT DO NOTHING
                RETURNING id
            ), triggered AS (
                -- ir.cron._trigger(): one trigger due now, unless the cron is inactive (it would be ignored).
                INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, create_date, write_uid, write_date)
                SELECT cron.id, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM ir_cron cron
                 WHERE cron.id = %(cron_id)s AND cron.active AND EXISTS (SELECT 1 FROM queued)
                RETURNING id
            )
            SELECT id, (SELECT count(*) FROM triggered) FROM queued
        """, rows=rows, now=now, uid=uid, cron_id=cron.id))
        queued = self.env.cr.fetchall()
        if queued and queued[0][1]:
            self._notify_cron_after_commit(cron)
        return self.browse([media_id for media_id, _triggers in queued])

    @api.model
    def _file_synced_files(self, partner, channel, label, direction, external_message_id, company, files):
        """File ``files`` on ``partner`` and tell it in its chatter, one message per file."""
        return self._file_synced_batch([{
            'partner': partner, 'channel': channel, 'label': label, 'direction': direction,
            'external_message_id': external_message_id, 'company': company, 'files': files,
        }])[0]

    @api.model
    def _file_synced_batch(self, entries):
        """File the files of several channel messages at once, each as :meth:`_file_synced_files` does.

        :param entries: list of dicts with the arguments of :meth:`_file_synced_files`
        :return: the new documents of each entry, in order
        """
        Document = self.env['contact.document'].sudo().with_context(contact_documents_skip_audit_chatter=True)
        filed = Document._file_documents_batch([{
            'partners': entry['partner'], 'files': entry['files'], 'direction': entry['direction'],
            'channel': entry['channel'], 'external_message_id': entry['external_message_id'],
            'sender': self._channel_sender(entry['partner'], entry['direction'], entry['company']),
        } for entry in entries])
        self._log_synced_files([
            (document, entry['label'], entry['company']) for entry, documents in zip(entries, filed) for document in documents
        ])
        return filed

    @api.model
    def _channel_sender(self, partner, direction, company):
        """Who sent a channel message: the contact, or for one sent to it, the company (its page, its number)."""
        if direction == 'received':
            return partner
        return partner.company_id.partner_id or (company or self.env.company).partner_id

    @api.model
    def _log_synced_files(self, logs):
        """Tell each synced document in its contact's chatter, one message per file, and link it.

        The notes are the ones ``_message_log`` writes (internal, no
        notification), created in one batch: each has its own author (the
        contact, or the company for what was sent), which Odoo's own
        ``_message_log_batch`` cannot give.

        :param logs: list of (document, channel label, company)
        """
        if not logs:
            return
        Partner = self.env['res.partner'].sudo()
        has_sms = 'sms' in dict(self.env['mail.message']._fields['message_type'].selection)
        note_subtype_id = self.env['ir.model.data']._xmlid_to_res_id('mail.mt_note')
        authors = {}
        values_list = []
        for document, label, company in logs:
            sender_id = document.sender_partner_id.id
            if sender_id not in authors:
                author_id, email_from = Partner._message_compute_author(sender_id)
                reply_to = self.env['mail.thread']._notify_get_reply_to(default=email_from, author_id=author_id)[False]
                authors[sender_id] = {'author_id': author_id, 'email_from': email_from, 'reply_to': reply_to}
            values_list.append({
                **authors[sender_id],
                'model': 'res.partner',
                'res_id': document.partner_id.id,
                'record_alias_domain_id': False,
                'record_company_id': False,
                'body': self._synced_file_body(document, label, company),
                'message_type': 'sms' if document.channel == 'sms' and has_sms else 'notification',
                'is_internal': True,
                'subtype_id': note_subtype_id,
                'email_add_signature': False,
                'message_id': generate_tracking_message_id('message-notify'),
            })
        messages = Partner._message_create(values_list)
        for (document, _label, _company), message in zip(logs, messages):
            document.message_id = message

    @api.model
    def _synced_file_body(self, document, label, company):
        channel_name = self._channel_name(document.channel, label)
        if document.direction == 'received':
            text = self.env._("%(channel)s: received", channel=channel_name)
        else:
            text = self.env._("%(channel)s: sent", channel=channel_name)
        match_note = self.env['res.partner.channel.identity']._phone_match_note(company or self.env.company, document)
        mismatch_note = Markup(' (%s)') % document._content_mismatch_note() if document.content_mismatch else ''
        return Markup('<p>%s <a href="/contact_documents/%s/preview" target="_blank">%s</a>%s%s</p>') % (
            text, document.id, document.name, mismatch_note, Markup(' (%s)') % match_note if match_note else '')

    @api.model
    def _channel_name(self, channel, label=None):
        if channel == 'other' and label:
            return label[:1].upper() + label[1:]
        return dict(self.env['contact.document']._fields['channel']._description_selection(self.env))[channel]

    # ------------------------------------------------------------------
    # Download: the cron
    # ------------------------------------------------------------------

    @api.model
    def _fetch_cron(self):
        return self.env.ref('contact_documents.ir_cron_contact_document_media_fetch').sudo()

    @api.model
    def _notify_cron_after_commit(self, cron):
        """Wake the cron workers once this transaction commits, once however many triggers it made.

        The notification is the one ``ir.cron._trigger()`` sends, through a
        connection this process keeps: Odoo's ``_notifydb`` connects to the
        ``postgres`` database for each trigger (its pool keeps no connection
        to it), and a webhook burst would start a PostgreSQL backend per
        request, as costly as the request itself.
        """
        dbname = self.env.cr.dbname
        if 'contact_documents.wake_fetch_cron' not in self.env.cr.postcommit.data:
            self.env.cr.postcommit.data['contact_documents.wake_fetch_cron'] = True
            self.env.cr.postcommit.add(lambda: _notify_cron_workers(dbname, cron))

    @api.model
    def _cron_fetch_media(self, batch_size=MEDIA_BATCH_SIZE):
        """Download and file the media whose attempt is due, a batch at a time.

        The next batch downloads while this one is filed: network waits and
        database work overlap. Its rows are locked with this one's, and locked
        again after each commit; a row another worker took in between, or that
        is no longer due, is dropped with its download.
        """
        self._gc_sync_claims()
        in_cron = bool(self.env.context.get('cron_id'))
        downloads = {}  # media id -> its Download, until filed
        dropped = []
        try:
            with safe_fetch.Downloader() as downloader:
                media = self._lock_due_media(batch_size)
                media._start_downloads(downloader, downloads)
                while media:
                    upcoming = self._lock_due_media(batch_size, exclude_ids=media.ids)
                    upcoming._start_downloads(downloader, downloads)
                    media._file_downloads(downloader, [downloads.pop(media_id) for media_id in media.ids])
                    if in_cron:
                        remaining = self.search_count([('state', '=', 'queued'), ('next_attempt', '<=', fields.Datetime.now())])
                        if not self.env['ir.cron']._commit_progress(len(media), remaining=remaining):
                            break
                    media = upcoming._lock_again()
                    dropped += [downloads.pop(media_id) for media_id in set(upcoming.ids) - set(media.ids)]
        finally:
            # After the downloader has waited for its threads: no file is closed while being written.
            safe_fetch.close_all([*downloads.values(), *dropped])

    @api.model
    def _lock_due_media(self, batch_size, exclude_ids=()):
        """Due rows, locked: a second worker skips them rather than downloading twice."""
        self.flush_model()
        self.env.cr.execute(SQL("""
            SELECT id FROM contact_document_media
             WHERE state = 'queued' AND next_attempt <= %s AND NOT id = ANY(%s)
             ORDER BY next_attempt, id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
        """, fields.Datetime.now(), list(exclude_ids), batch_size))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _lock_again(self):
        """These rows, locked again after a commit, less those no longer queued or taken meanwhile."""
        if not self:
            return self
        self.flush_model()
        self.invalidate_recordset()
        self.env.cr.execute(SQL("""
            SELECT id FROM contact_document_media
             WHERE id = ANY(%s) AND state = 'queued'
             ORDER BY next_attempt, id
               FOR UPDATE SKIP LOCKED
        """, self.ids))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _start_downloads(self, downloader, downloads):
        """Start downloading these media in the background, into ``downloads`` (media id -> Download)."""
        for media in self:
            downloads[media.id] = media._download_request()
        downloader.start([downloads[media_id] for media_id in self.ids])

    def _file_downloads(self, downloader, downloads):
        """One download attempt of each: file the media, or record why not and when to try again.

        ``downloads`` run in threads that only fetch into temporary files
        (``safe_fetch.Downloader``, with every check of ``fetch_to_file``);
        everything else happens here, in this cursor: typing, filing in one
        batch, recording each outcome.
        """
        try:
            downloader.finish(downloads)
            to_file = []
            for media, download in zip(self, downloads, strict=True):
                try:
                    if download.error:
                        raise download.error
                    mimetype = media._media_mimetype(download.fetched)
                except FetchError as error:
                    media._record_failure(error.reason, error.retryable)
                    continue
                to_file.append((media, {
                    'name': media._media_filename(download.fetched, mimetype),
                    'stream': download.file,
                    'mimetype': mimetype,
                    'index': media.attachment_index,
                }))
            self._file_fetched(to_file)
        finally:
            safe_fetch.close_all(downloads)

    @api.model
    def _file_fetched(self, to_file):
        """File downloaded media, all in one batch, and mark each done.

        :param to_file: list of (media, file) where file is a ``_file_documents`` file
        """
        if not to_file:
            return
        entries = [{
            'partner': media.partner_id, 'channel': media.channel, 'label': media.channel_label,
            'direction': media.direction, 'external_message_id': media.external_message_id,
            'company': media.company_id, 'files': [file],
        } for media, file in to_file]
        try:
            with self.env.cr.savepoint():
                filed = self._file_synced_batch(entries)
        except IntegrityError:
            # A concurrent delivery filed one of them first: file them one by one, skipping what it filed.
            filed = []
            for entry in entries:
                try:
                    with self.env.cr.savepoint():
                        filed += self._file_synced_batch([entry])
                except IntegrityError:
                    filed.append(self.env['contact.document'])
        for (media, _file), documents in zip(to_file, filed):
            media.write({
                'state': 'done',
                'attempts': media.attempts + 1,
                'last_error': False,
                'document_id': (documents or media._existing_document()).id,
            })

    def _download_request(self):
        """What ``safe_fetch.fetch_all`` needs to download this media, read from the database here."""
        self.ensure_one()
        company = self.company_id.sudo()
        allowed_hosts = safe_fetch.parse_hosts(company.contact_documents_media_hosts or safe_fetch.DEFAULT_ALLOWED_HOSTS)
        http_hosts = safe_fetch.parse_hosts(self.env['ir.config_parameter'].sudo().get_param(HTTP_HOSTS_PARAM))
        return safe_fetch.Download(self.url, {
            'allowed_hosts': allowed_hosts,
            'http_hosts': http_hosts,
            'auth': self._media_auth(),
            'timeout': safe_fetch.READ_TIMEOUT,
            'deadline': safe_fetch.DEADLINE,
            'max_size': safe_fetch.MAX_MEDIA_SIZE,
        })

    def _media_auth(self):
        """Twilio serves media only with the account's Basic auth (sent to the first host only)."""
        if self.provider != 'twilio':
            return None
        account_sid, auth_token = self.company_id._contact_documents_twilio_credentials()
        return (account_sid, auth_token) if account_sid and auth_token else None

    def _media_mimetype(self, fetched):
        """The type to store: the content decides (tools/content_typing.py), the channel's word only fills in.

        A body whose sniffed type contradicts what the channel announced (an
        HTML error page instead of a photo) is refused, never filed.
        """
        if not fetched.size:
            raise FetchError("the file is empty")
        sniffed = sniff_mimetype(bytes(fetched.head[:MIMETYPE_HEAD_SIZE]))
        expected = (self.mimetype or '').split(';', 1)[0].strip().lower()
        if sniffed not in UNKNOWN_MIMETYPES and expected and sniffed.split('/')[0] != expected.split('/')[0]:
            raise FetchError(f"the server sent {sniffed} where {expected} was expected")
        declared = next((
            candidate for candidate in (expected, fetched.content_type)
            if candidate and not candidate.endswith('/*') and candidate not in UNKNOWN_MIMETYPES
        ), None)
        return type_by_content('', fetched.head, declared)[1]

    def _media_filename(self, fetched, mimetype):
        if self.name and get_extension(self.name):
            return self.name
        if not self.name:
            for url in (fetched.url, self.url):
                candidate = os.path.basename(unquote(urlsplit(url).path))
                if get_extension(candidate):
                    return candidate[:200]
        stem = self.name or f'{self.channel_label or self.channel}-{self.external_message_id[-12:]}-{self.attachment_index + 1}'
        extension = mimetypes.guess_extension(mimetype) if mimetype != 'application/octet-stream' else ''
        return stem + (extension or '')

    def _existing_document(self):
        return self.env['contact.document'].sudo().with_context(active_test=False).search([
            ('partner_id', '=', self.partner_id.id),
            ('channel', '=', self.channel),
            ('external_message_id', '=', self.external_message_id),
            ('attachment_index', '=', self.attachment_index),
        ], limit=1)

    def _record_failure(self, reason, retryable):
        """Retry later with back-off, or fail for good and say why, in the queue and the chatter.

        ``reason`` is the fetcher's technical English: it goes to the server log
        and ``last_error`` (debug mode); users read ``failure_reason``, told in
        their language from ``failure_kind``.
        """
        attempts = self.attempts + 1
        kind = self._failure_kind(reason)
        if retryable and attempts <= len(RETRY_DELAYS):
            next_attempt = fields.Datetime.now() + timedelta(minutes=RETRY_DELAYS[attempts - 1])
            self.write({'attempts': attempts, 'next_attempt': next_attempt, 'last_error': reason, 'failure_kind': kind})
            self._fetch_cron()._trigger(next_attempt)
            _logger.info("Media %s of %s: attempt %s failed (%s), next at %s",
                         self.attachment_index, self.external_message_id, attempts, reason, next_attempt)
            return
        self.write({'state': 'failed', 'attempts': attempts, 'last_error': reason, 'failure_kind': kind})
        _logger.warning("Media %s of %s (%s) could not be downloaded after %s attempt(s): %s",
                        self.attachment_index, self.external_message_id, self.url, attempts, reason)
        self.partner_id.sudo()._message_log(body=Markup('<p>%s</p>') % self.env._(
            "%(channel)s: %(reason)s",
            channel=self._channel_name(self.channel, self.channel_label), reason=self._failure_reason_text()))

    @api.model
    def _failure_kind(self, reason):
        """The kind of failure a technical reason tells, one of FAILURE_KINDS."""
        reason = reason or ''
        if status := re.search(r'answered HTTP (\d{3})', reason):
            code = int(status.group(1))
            if code in (404, 410):
                return 'not_found'
            if code in (401, 403):
                return 'denied'
            return 'server_error'
        return next((kind for marker, kind in FAILURE_KIND_MARKERS if marker in reason), 'other')

    @api.depends('failure_kind', 'last_error', 'name', 'url')
    def _compute_failure_reason(self):
        for media in self:
            media.failure_reason = media._failure_reason_text() if media.last_error else False

    def _failure_reason_text(self):
        """Why the file could not be downloaded, naming it, in words a user can act on."""
        self.ensure_one()
        file = self._failure_file_name()
        match self.failure_kind:
            case 'timeout':
                return self.env._("%(file)s could not be downloaded: the server did not answer in time.", file=file)
            case 'unreachable':
                return self.env._("%(file)s could not be downloaded: the server could not be reached.", file=file)
            case 'not_found':
                return self.env._("%(file)s could not be downloaded: it is no longer available on the server.", file=file)
            case 'denied':
                return self.env._("%(file)s could not be downloaded: the server refused access. "
                                  "Check the account settings of this channel.", file=file)
            case 'server_error':
                return self.env._("%(file)s could not be downloaded: the server answered with an error.", file=file)
            case 'host_not_allowed':
                return self.env._("%(file)s could not be downloaded: the site it comes from is not among "
                                  "the allowed download sites in Settings.", file=file)
            case 'unsafe':
                return self.env._("%(file)s could not be downloaded: its address is not safe to download from.", file=file)
            case 'too_large':
                return self.env._("%(file)s could not be downloaded: it is larger than the maximum file size.", file=file)
            case 'empty':
                return self.env._("%(file)s could not be downloaded: the file is empty.", file=file)
            case 'wrong_type':
                return self.env._("%(file)s could not be downloaded: the server sent something other than "
                                  "the announced file, such as an error page.", file=file)
        return self.env._("%(file)s could not be downloaded.", file=file)

    def _failure_file_name(self):
        """The file's name, else the last part of its URL when it looks like a file name."""
        if self.name:
            return self.name
        candidate = os.path.basename(unquote(urlsplit(self.url or '').path))
        return candidate if get_extension(candidate) else self.env._("The file")
