import contextlib
import hashlib
import logging
import os
import re
import tempfile
import time
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import SQL, config

from ..tools.file_types import (
    ACCEPTED_TYPES,
    MAX_UPLOAD_SIZE,
    RefusedFile,
    check_upload,
    file_extension,
    stream_size,
)
from ..tools.upload_stream import INCOMING_PREFIX

_logger = logging.getLogger(__name__)

CHUNK_SIZE_PARAM = 'contact_documents.upload_chunk_size'
DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024
MIN_CHUNK_SIZE = 64 * 1024
# Well under the 16 MB a reverse proxy commonly allows per request; the chunk
# route accepts this much (plus headers) and no more.
MAX_CHUNK_SIZE = 8 * 1024 * 1024
SESSION_LIFETIME = timedelta(days=1)
# Under Odoo's data dir, beside (never inside) the filestore: a database backup
# copies the filestore, and must not carry half-uploaded files.
UPLOADS_FOLDER = 'contact_documents_uploads'
# Where earlier versions kept them, inside the filestore: emptied by the cleanup cron.
LEGACY_UPLOADS_FOLDER = '.contact_documents_uploads'
HASH_BLOCK_SIZE = 1024 * 1024
# Name of the attachment holding chunk N of a session, when files are not in Odoo's local filestore.
CHUNK_ATTACHMENT_NAME = 'chunk-%d'
SHA256_RE = re.compile(r'^[0-9a-f]{64}$')
TOKEN_RE = re.compile(r'^[0-9a-f]{32}$')  # uuid4().hex
# Uploads in progress per user: each reserves the disk space it announced.
MAX_OPEN_SESSIONS_PARAM = 'contact_documents.upload_max_open_sessions'
DEFAULT_MAX_OPEN_SESSIONS = 20
MAX_OPEN_BYTES_PARAM = 'contact_documents.upload_max_open_bytes'
DEFAULT_MAX_OPEN_BYTES = 2 * 1024 * 1024 * 1024


class ContactDocumentUpload(models.Model):
    """A file being uploaded in chunks, resumable until it is finished.

    Chunks are written at their offset into a temporary file in Odoo's data
    dir (outside the filestore) when files are stored in Odoo's local
    filestore, else each as an attachment of the session (database, S3...),
    so a chunk sent twice or out of order does no harm, any server sharing
    the database and the storage can take any chunk, and memory stays flat
    whatever the file size. Finishing checks the size, the SHA-256
    the client announced and the content type, then files the document
    through ``contact.document._file_documents``. Sessions are private to the
    user who opened them; every method here checks that itself.
    """
    _name = 'contact.document.upload'
    _description = "Contact Document Upload Session"
    _order = 'create_date desc, id desc'
    _rec_name = 'file_name'

    token = fields.Char(required=True, readonly=True, copy=False, default=lambda self: uuid.uuid4().hex)
    partner_id = fields.Many2one('res.partner', string="Contact", required=True, ondelete='cascade', index=True)
    user_id = fields.Many2one(
        'res.users', string="Owner", required=True, ondelete='cascade', default=lambda self: self.env.user)
    file_name = fields.Char(required=True)
    file_size = fields.Integer("Announced Size", required=True)
    sha256 = fields.Char("Announced SHA-256", required=True)
    chunk_size = fields.Integer(required=True)
    received_chunks = fields.Json(help="Indexes of the chunks written so far.")
    received_size = fields.Integer(compute='_compute_received_size')
    temp_name = fields.Char(readonly=True, help="Name of the temporary file in the uploads folder of Odoo's data dir.")
    state = fields.Selection(
        [('open', "Open"), ('done', "Done"), ('failed', "Failed")], required=True, default='open', index=True)
    document_id = fields.Many2one('contact.document', ondelete='set null')
    # A session opened through a document request's link belongs to that link: only its
    # routes reach it, and its file is filed as received (see contact.document.request).
    request_id = fields.Many2one(
        'contact.document.request', string="Document Request", ondelete='cascade', readonly=True,
        index='btree_not_null')
    # The Add Documents modal's "Share with the contact on the portal": shared when filed.
    share_on_portal = fields.Boolean(readonly=True)

    _token_uniq = models.UniqueIndex('(token)', "An upload session token is unique.")

    @api.depends('received_chunks', 'chunk_size', 'file_size')
    def _compute_received_size(self):
        for upload in self:
            upload.received_size = sum(upload._chunk_length(index) for index in upload.received_chunks or [])

    # ------------------------------------------------------------------
    # Session API, called by controllers/upload_session.py as the uploading user
    # ------------------------------------------------------------------

    @api.model
    def _open_session(self, partner, file_name, file_size, sha256, request=None, share=False):
        """Open an upload session, or return the current user's open one for the same file.

        Refuses at once what finishing would refuse anyway: a type not
        accepted, an empty or too large file, a contact the user cannot add
        documents to.

        :param request: the contact.document.request whose link opens the
            session (called as superuser, once the link is checked): the
            session is bound to it, and its rate limit replaces the user's quota
        """
        Document = self.env['contact.document']
        # A portal user's session is always for their own contact.
        partner = Document._upload_destination(partner)[0]
        file_name = Document._clean_name(file_name)
        sha256 = (sha256 or '').lower()
        if not SHA256_RE.match(sha256):
            raise UserError(self.env._("The upload of %(name)s announced no valid SHA-256 checksum.", name=file_name))
        refusal = (
            'type' if file_extension(file_name) not in ACCEPTED_TYPES
            else 'empty' if file_size <= 0
            else 'size' if file_size > MAX_UPLOAD_SIZE
            else None
        )
        if refusal:
            raise UserError(self.env['contact.document']._refusal_message(file_name, refusal))
        Upload = self.sudo()
        # Same user, contact and content: a reload or another tab resumes the upload.
        upload = Upload.search([
            ('user_id', '=', self.env.uid), ('partner_id', '=', partner.id), ('state', '=', 'open'),
            ('file_name', '=', file_name), ('file_size', '=', file_size), ('sha256', '=', sha256),
            ('request_id', '=', request.id if request else False),
        ], limit=1)
        if upload and upload._chunk_store_exists():
            upload.share_on_portal = share
            return upload
        if not request:
            self._check_quota(file_size)
        upload = Upload.create({
            'request_id': request.id if request else False,
            'share_on_portal': share,
            'partner_id': partner.id,
            'file_name': file_name,
            'file_size': file_size,
            'sha256': sha256,
            'chunk_size': self._configured_chunk_size(),
        })
        upload._create_chunk_store()
        return upload

    @api.model
    def _check_quota(self, file_size):
        """Refuse a new session past the user's number of open sessions or announced bytes.

        Each open session reserves disk space for the size it announced: without
        a cap, one user could fill the server's disk with sessions never finished.
        """
        max_sessions, max_bytes = self._configured_quota()
        open_sessions = self.sudo()._read_group(
            [('user_id', '=', self.env.uid), ('state', '=', 'open')], [], ['__count', 'file_size:sum'])
        count, announced = open_sessions[0]
        if count >= max_sessions:
            raise UserError(self.env._(
                "You already have %(count)s uploads in progress: finish or cancel some before starting another.",
                count=count))
        if (announced or 0) + file_size > max_bytes:
            raise UserError(self.env._(
                "Your uploads in progress would exceed %(limit)s: finish or cancel some before starting another.",
                limit=f'{max_bytes // (1024 * 1024)} MB'))

    @api.model
    def _configured_quota(self):
        get_param = self.env['ir.config_parameter'].sudo().get_param
        limits = []
        for param, default in ((MAX_OPEN_SESSIONS_PARAM, DEFAULT_MAX_OPEN_SESSIONS),
                               (MAX_OPEN_BYTES_PARAM, DEFAULT_MAX_OPEN_BYTES)):
            try:
                limits.append(int(get_param(param) or default))
            except ValueError:
                _logger.warning("Ignoring %s=%r: not a number", param, get_param(param))
                limits.append(default)
        return limits

    @api.model
    def _finish_session(self, token, request=None):
        """Finish the current user's session ``token``; finishing it again answers the same document."""
        upload = self._get_session(token, lock=True, states=('open', 'done'), request=request)
        if upload.state == 'done':
            if not upload.document_id:
                raise MissingError(self.env._("This upload session does not exist or has expired."))
            return upload.document_id.with_env(self.env(su=False))
        return upload._finish()

    @api.model
    def _get_session(self, token, lock=False, states=('open',), request=None):
        """The current user's session ``token`` in one of ``states``, as superuser; MissingError otherwise.

        Another user's session is answered as missing: its token must not tell
        whether it exists.

        :param lock: lock the session's row until the end of the transaction,
            before anything touches its file. Writing a chunk and finishing
            both lock it, so a finish never hashes a file a chunk is still
            rewriting; the one that waited is replayed by Odoo on a fresh
            snapshot (serialization failure) and finds the session finished.
        """
        upload = self.browse()
        if TOKEN_RE.match(token or ''):
            upload = self.sudo().search([
                ('token', '=', token), ('state', 'in', list(states)),
                # A request's sessions are reached through its link only, and only its own.
                ('request_id', '=', request.id if request else False),
            ], limit=1)
        if not upload or upload.user_id.id != self.env.uid:
            raise MissingError(self.env._("This upload session does not exist or has expired."))
        if lock:
            self.env.cr.execute(SQL(
                "SELECT state FROM contact_document_upload WHERE id = %s FOR NO KEY UPDATE", upload.id))
            upload.invalidate_recordset()
            if upload.state not in states:
                raise MissingError(self.env._("This upload session does not exist or has expired."))
        return upload

    def _session_status(self):
        self.ensure_one()
        return {
            'token': self.token,
            'name': self.file_name,
            'size': self.file_size,
            'chunk_size': self.chunk_size,
            'chunk_count': self._chunk_count(),
            'received': sorted(self.received_chunks or []),
            'received_size': self.received_size,
            'state': self.state,
        }

    def _write_chunk(self, index, stream):
        """Store chunk ``index`` (at its offset in the temporary file, or as an attachment) and record it.

        Sending a chunk again rewrites the same bytes; chunks may come in any
        order. The chunk is copied a block at a time: holding it whole (as a
        request's cached body) would keep it in memory until Python's cyclic
        garbage collector frees the request, and chunks would pile up.

        :param stream: seekable binary stream of the chunk, exactly
            ``chunk_size`` long except for the last one
        """
        self.ensure_one()
        self._check_chunk(index, stream_size(stream))
        stream.seek(0)
        if self.temp_name:
            self._write_chunk_to_temp_file(index, stream)
        else:
            self._write_chunk_attachment(index, stream)
        self._record_chunk(index)

    def _write_chunk_to_temp_file(self, index, stream):
        """Write the chunk at its offset in the session's temporary file (Odoo's local filestore)."""
        fd = os.open(self._temp_path(), os.O_WRONLY)
        try:
            offset = index * self.chunk_size
            while block := stream.read(HASH_BLOCK_SIZE):
                view = memoryview(block)
                while view:
                    written = os.pwrite(fd, view, offset)
                    view, offset = view[written:], offset + written
        finally:
            os.close(fd)

    def _write_chunk_attachment(self, index, stream):
        """Store the chunk as an attachment of the session, replacing one sent before (any other storage).

        Through ir.attachment's storage API, so that the chunks of one upload
        reach every server sharing the database and its storage (S3...),
        whichever server receives each of them.
        """
        name = CHUNK_ATTACHMENT_NAME % index
        self._chunk_attachments().filtered(lambda chunk: chunk.name == name).unlink()
        self.env['ir.attachment'].sudo()._create_from_stream(stream, {
            'name': name, 'res_model': self._name, 'res_id': self.id, 'mimetype': 'application/octet-stream',
        })

    def _check_chunk(self, index, length):
        self.ensure_one()
        if not 0 <= index < self._chunk_count():
            raise UserError(self.env._("Chunk %(index)s is out of range for %(name)s.", index=index, name=self.file_name))
        expected = self._chunk_length(index)
        if length != expected:
            raise UserError(self.env._(
                "Chunk %(index)s of %(name)s has %(size)s bytes instead of %(expected)s.",
                index=index, name=self.file_name, size=length, expected=expected))

    def _record_chunk(self, index):
        """Mark chunk ``index`` as received, and lock the session row until the end of the request.

        Flushed here, so that a concurrent upload to the same session fails
        now, and Odoo replays the request (rewinding its files) at once.
        """
        self.ensure_one()
        received = self.received_chunks or []
        if index not in received:
            self.received_chunks = sorted([*received, index])
        self.flush_recordset(['received_chunks'])

    def _finish(self):
        """Check the assembled file and file it as an internal document on the session's contact.

        A file that is incomplete keeps its session open, so the client can
        send the missing chunks. A wrong size, checksum or type fails the
        session and removes its temporary file; the caller must commit that
        state before answering the refusal.
        """
        self.ensure_one()
        missing = sorted(set(range(self._chunk_count())) - set(self.received_chunks or []))
        if missing:
            raise UserError(self.env._(
                "%(name)s is incomplete: %(count)s chunks are missing.", name=self.file_name, count=len(missing)))
        user_env = self.env(su=False)
        partner = self.partner_id.with_env(user_env)
        Document = user_env['contact.document']
        if not self.request_id:  # a request's link is the visitor's right to send files
            Document._upload_destination(partner)
        assembled = self._assembled_file()
        if assembled is None:
            self._discard('failed')
            raise UserError(self.env._("The upload of %(name)s was lost: upload it again.", name=self.file_name))
        size, sha256 = assembled.pop('size'), assembled.pop('sha256')
        if size != self.file_size or sha256 != self.sha256:
            self._discard('failed')
            raise UserError(self.env._(
                "%(name)s arrived damaged (its size or checksum differs from the original): upload it again.",
                name=self.file_name))
        with self._open_assembled(assembled) as stream:
            try:
                mimetype = check_upload(self.file_name, stream)
            except RefusedFile as refusal:
                self._discard('failed')
                raise UserError(Document._refusal_message(self.file_name, refusal.args[0])) from None
        # The assembled file is handed over to ir.attachment: in the local
        # filestore it is moved, not copied, so a 250 MB file is written once,
        # chunk by chunk, and read once, here; any other storage gets it as a stream.
        files = [{'name': self.file_name, 'mimetype': mimetype, **assembled}]
        if self.request_id:
            document = Document._file_documents(partner, files, direction='received', channel='portal')
        else:
            # An internal upload, or a portal user's on their own contact (see _upload_destination).
            document = Document._file_uploads(partner, files, share=self.share_on_portal)
        self.document_id = document
        self._discard('done')
        if self.request_id:
            self.request_id._receive_document(document)
        return document

    # ------------------------------------------------------------------
    # Cleanup
    # ------------------------------------------------------------------

    @api.model
    def _cron_gc_sessions(self):
        """Delete sessions untouched for a day with their temporary files, and orphan files."""
        limit = fields.Datetime.now() - SESSION_LIFETIME
        stale = self.sudo().search([('write_date', '<', limit)])
        for upload in stale:
            upload._remove_temp_file()
        _logger.info("Removed %s stale contact document upload sessions", len(stale))
        known = set(self.sudo().search([('temp_name', '!=', False)]).mapped('temp_name')) - set(stale.mapped('temp_name'))
        stale.unlink()
        # A file whose session never got committed (rolled back request) has no record.
        self._remove_old_files(self._uploads_dir(), keep=known)
        legacy_dir = os.path.join(self.env['ir.attachment']._filestore(), LEGACY_UPLOADS_FOLDER)
        self._remove_old_files(legacy_dir)
        with contextlib.suppress(OSError):
            os.rmdir(legacy_dir)  # only once empty
        # One-request uploads are parsed straight into the filestore's folder (models/ir_http.py):
        # a worker killed mid-request leaves its part there.
        self._remove_old_files(self.env['ir.attachment']._filestore(), prefix=INCOMING_PREFIX)

    @api.model
    def _remove_old_files(self, folder, keep=(), prefix=''):
        """Remove the files of ``folder`` older than a session's lifetime whose name starts with
        ``prefix``, except those named in ``keep``."""
        if not os.path.isdir(folder):
            return
        oldest = time.time() - SESSION_LIFETIME.total_seconds()
        for entry in os.scandir(folder):
            if (entry.name.startswith(prefix) and entry.name not in keep and entry.is_file()
                    and entry.stat().st_mtime < oldest):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)

    def _discard(self, state):
        self._remove_temp_file()
        self._chunk_attachments().unlink()
        self.write({'state': state, 'temp_name': False})

    def _remove_temp_file(self):
        for upload in self.filtered('temp_name'):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(upload._temp_path())

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    @api.model
    def _configured_chunk_size(self):
        value = self.env['ir.config_parameter'].sudo().get_param(CHUNK_SIZE_PARAM)
        try:
            size = int(value) if value else DEFAULT_CHUNK_SIZE
        except ValueError:
            _logger.warning("Ignoring %s=%r: not a number of bytes", CHUNK_SIZE_PARAM, value)
            size = DEFAULT_CHUNK_SIZE
        return min(max(size, MIN_CHUNK_SIZE), MAX_CHUNK_SIZE)

    def _chunk_count(self):
        self.ensure_one()
        return -(-self.file_size // self.chunk_size)

    def _chunk_length(self, index):
        self.ensure_one()
        return min(self.chunk_size, self.file_size - index * self.chunk_size)

    @api.model
    def _uploads_dir(self):
        """The folder of this database's uploads in progress: ``<data_dir>/tmp/contact_documents_uploads/<db>``.

        Outside the filestore, so that a database backup never copies them;
        under Odoo's data dir, so that servers sharing it (workers, several
        machines on one network volume) share the sessions' files too, and
        usually on the filestore's file system, where a finished upload is
        moved rather than copied (see ir.attachment ``_create_from_file``).
        One folder per database: the cleanup of one never sees another's files.
        Used only while files are stored in Odoo's local filestore, whose
        parent folder servers share anyway (see ``_create_chunk_store``).
        """
        return os.path.join(config['data_dir'], 'tmp', UPLOADS_FOLDER, self.env.cr.dbname)

    def _create_chunk_store(self):
        """Prepare where this new session's chunks go.

        With Odoo's local filestore, a temporary file in the uploads folder:
        several servers share the filestore (a network volume for
        ``<data_dir>``), so they share this folder too, and the finished file
        is moved into the filestore rather than copied. With any other
        storage (database, S3...), servers may share nothing but the database
        and the storage: each chunk is an attachment of the session, stored
        through ir.attachment's storage API (``_write_chunk_attachment``).
        """
        self.ensure_one()
        if not self.env['ir.attachment']._plain_filestore():
            return
        os.makedirs(self._uploads_dir(), exist_ok=True)
        self.temp_name = self.token
        # If this transaction rolls back, the garbage collection cron removes the orphan file.
        with open(self._temp_path(), 'xb'):
            pass

    def _chunk_store_exists(self):
        """Whether the chunks received so far are still there: a session's temporary file can be lost."""
        self.ensure_one()
        return not self.temp_name or os.path.isfile(self._temp_path())

    def _chunk_attachments(self):
        return self.env['ir.attachment'].sudo().search([('res_model', '=', self._name), ('res_id', 'in', self.ids)])

    def _assembled_file(self):
        """The uploaded file, for ``_file_documents``, with its ``size`` and ``sha256``; None if lost.

        The temporary file (Odoo's local filestore) is given as its ``path``
        with its SHA-1 ``checksum``. Chunk attachments are copied in order,
        a block at a time, into an anonymous temporary file of this server,
        given as a ``stream``: it has no name on disk, so nothing is left
        behind whatever happens to the request.
        """
        self.ensure_one()
        if self.temp_name:
            path = self._temp_path()
            if not os.path.isfile(path):
                return None
            sha256, sha1 = self._compute_digests(path)
            return {'path': path, 'checksum': sha1, 'size': os.path.getsize(path), 'sha256': sha256}
        chunks = {chunk.name: chunk for chunk in self._chunk_attachments()}
        names = [CHUNK_ATTACHMENT_NAME % index for index in range(self._chunk_count())]
        if any(name not in chunks for name in names):
            return None
        target = tempfile.TemporaryFile()  # noqa: SIM115 - the caller reads it; closed once dropped
        sha256, size = hashlib.sha256(), 0
        for name in names:
            with chunks[name]._content_opener()() as source:
                while block := source.read(HASH_BLOCK_SIZE):
                    sha256.update(block)
                    target.write(block)
                    size += len(block)
        target.seek(0)
        return {'stream': target, 'size': size, 'sha256': sha256.hexdigest()}

    @api.model
    def _open_assembled(self, assembled):
        """The assembled file open for reading, as a context manager (a stream is left open)."""
        if 'path' in assembled:
            return open(assembled['path'], 'rb')
        assembled['stream'].seek(0)
        return contextlib.nullcontext(assembled['stream'])

    def _temp_path(self):
        self.ensure_one()
        if not self.temp_name:
            raise MissingError(self.env._("This upload session has no file anymore."))
        return os.path.join(self._uploads_dir(), self.temp_name)

    @api.model
    def _compute_digests(self, path):
        """SHA-256 (what the client announced) and SHA-1 (the filestore's name) of a file, in one read."""
        sha256, sha1 = hashlib.sha256(), hashlib.sha1()
        with open(path, 'rb') as stream:
            while block := stream.read(HASH_BLOCK_SIZE):
                sha256.update(block)
                sha1.update(block)
        return sha256.hexdigest(), sha1.hexdigest()
