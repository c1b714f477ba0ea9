import errno
import filecmp
import functools
import hashlib
import io
import logging
import os
import tempfile

from odoo import SUPERUSER_ID, api, models
from odoo.exceptions import AccessError, UserError
from odoo.modules.registry import Registry
from odoo.tools import SQL

from ..tools.file_types import ZIP_SIGNATURE, stream_size
from ..tools.text_extraction import ExtractionRefused, check_ooxml_limits
from odoo.addons.base.models.ir_attachment import IrAttachment as BaseIrAttachment

_logger = logging.getLogger(__name__)


def _read_with_own_cursor(dbname, attachment_id):
    """The content of an attachment as a binary file, read through the storage API with a cursor of its own."""
    with Registry(dbname).cursor() as cr:
        return io.BytesIO(api.Environment(cr, SUPERUSER_ID, {})['ir.attachment'].browse(attachment_id).raw or b'')

STREAM_CHUNK_SIZE = 1024 * 1024
# Bytes an object storage (fs_attachment) buffers before sending one part of a
# multipart upload, or reads ahead: S3 parts are at least 5 MB.
OBJECT_STORAGE_BLOCK_SIZE = 8 * 1024 * 1024
# How ir.attachment writes and reads stored files: a storage module overrides them.
STORAGE_METHODS = ('_file_write', '_file_read', '_full_path')
# Models whose attachments only this addon writes and deletes.
OWN_FILE_MODELS = ('contact.document', 'contact.document.upload')


class IrAttachment(models.Model):
    _inherit = 'ir.attachment'

    @api.model
    def _plain_filestore(self):
        """Whether bytes land in Odoo's own local filestore, where the fast paths below may write.

        True for file storage (``ir_attachment.location``, read on each call
        as Odoo's ``_storage()`` does) when no installed module overrides how
        files are written or read: a storage such as OCA's fs_attachment (S3,
        SFTP...) overrides ``_file_write``/``_file_read``, and keeps nothing
        at ``_full_path(store_fname)``. The registry class's bases are each
        module's class: the modules defining one of these methods are the ones
        that replaced Odoo's. fs_attachment is the one exception it knows: it
        hands every file to Odoo's own code while no ``fs.storage`` is set to
        store attachments (by default, or for a model or field).
        """
        if self._storage() != 'file':
            return False
        overriding = {
            cls.__module__.removeprefix('odoo.addons.').partition('.')[0] for cls in type(self).__mro__
            if cls is not BaseIrAttachment and any(method in vars(cls) for method in STORAGE_METHODS)
        }
        if not overriding:
            return True
        return overriding == {'fs_attachment'} and not self.env['fs.storage'].sudo().search_count([
            '|', '|', ('use_as_default_for_attachments', '=', True),
            ('model_xmlids', '!=', False), ('field_xmlids', '!=', False),
        ], limit=1)

    @api.model
    def _create_from_stream(self, stream, values):
        """Create an attachment whose content is read from ``stream``.

        In Odoo's local filestore the bytes are copied in chunks, hashed on
        the way, under the same checksum-named path Odoo uses, so identical
        contents still share one file and memory stays flat. An object
        storage of OCA's fs_attachment (S3, SFTP...) gets them a block at a
        time through the attachment's ``open()``. Any other storage gets them
        through ``create(raw=...)``, and so decides itself where they go: that
        needs the whole file in memory, as Odoo's ``_file_write(bin_value,
        checksum)`` and database storage do.

        :param stream: seekable binary file object, read to its end
        :param values: ir.attachment values; give ``mimetype``, it cannot be
            guessed from an empty ``raw``
        """
        if self._plain_filestore():
            return self._create_from_stored_file(*self._copy_stream_to_filestore(stream), values)
        if self._streams_to_object_storage(values, stream_size(stream)):
            return self._create_streamed_to_object_storage(stream, values)
        return self.create({**values, 'raw': stream.read()})

    @api.model
    def _create_from_streams(self, streams, values_list):
        """:meth:`_create_from_stream` for several streams, in one create (channel sync files many at once).

        :param streams: seekable binary files, each read from its start (one
            stream may be given several times, for several attachments)
        """
        if not self._plain_filestore():
            return self.browse().concat(*(
                self._create_from_stream(self._rewound(stream), values)
                for stream, values in zip(streams, values_list, strict=True)))
        stored = [self._copy_stream_to_filestore(self._rewound(stream)) for stream in streams]
        attachments = self.create([{**values, 'raw': b''} for values in values_list])
        if not attachments:
            return attachments
        # ir.attachment.create/write drop these fields: they are normally derived from raw.
        fnames, sizes, checksums = zip(*stored)
        self.env.cr.execute(SQL("""
            UPDATE ir_attachment
               SET store_fname = stored.fname, checksum = stored.checksum, file_size = stored.size, db_datas = NULL
              FROM unnest(%s::int[], %s::varchar[], %s::varchar[], %s::int[]) AS stored(id, fname, checksum, size)
             WHERE ir_attachment.id = stored.id
        """, attachments.ids, list(fnames), list(checksums), list(sizes)))
        attachments.invalidate_recordset(['store_fname', 'checksum', 'file_size', 'db_datas', 'raw', 'datas'])
        return attachments

    @api.model
    def _rewound(self, stream):
        stream.seek(0)
        return stream

    @api.model
    def _create_from_file(self, path, checksum, values):
        """Create an attachment whose content is the file at ``path``; ``path`` no longer exists afterwards.

        In Odoo's local filestore the file is renamed into it under its
        checksum, as Odoo names stored files, rather than copied. A file on
        another file system than the filestore (``os.replace`` fails with
        EXDEV) is copied in chunks instead; any other storage gets the bytes
        through ``create(raw=...)``.

        :param path: a file the caller hands over
        :param checksum: the SHA-1 of the file, already computed by the caller
        :param values: ir.attachment values, with ``mimetype``
        """
        if self._plain_filestore():
            size = os.path.getsize(path)
            try:
                fname = self._move_into_filestore(path, checksum)
            except OSError as error:
                if error.errno != errno.EXDEV:
                    raise
                _logger.info("Copying %s into the filestore: it is on another file system", path)
            else:
                return self._create_from_stored_file(fname, size, checksum, values)
        try:
            with open(path, 'rb') as stream:
                return self._create_from_stream(stream, values)
        finally:
            os.unlink(path)

    @api.model
    def _object_storage_code(self, res_model):
        """The code of the fs_attachment storage new attachments of ``res_model`` go to, or None.

        OCA's fs_attachment (with fs_attachment_s3 for S3) replaces
        ``_storage()`` by the code of an ``fs.storage`` when one is the default
        for attachments or for that model; without it there is none.
        """
        if 'fs.storage' not in self.env or not hasattr(self, '_get_storage_codes'):
            return None
        storage = self.with_context(attachment_res_model=res_model)._storage()
        return storage if storage in self._get_storage_codes() else None

    @api.model
    def _streams_to_object_storage(self, values, size):
        """Whether a file of ``size`` bytes with ``values`` goes to an fs_attachment object storage.

        Not when the storage's own rules keep it in the database (its
        ``force_db_for_default_attachment_rules``: by mimetype prefix, up to
        a size, 0 meaning any size): those are applied here as fs_attachment
        applies them to ``raw``, which this path never hands it.
        """
        code = self._object_storage_code(values.get('res_model'))
        if not code:
            return False
        mimetype = values.get('mimetype') or ''
        attachments = self.with_context(attachment_res_model=values.get('res_model'))
        for prefix, limit in attachments._get_storage_force_db_config().items():
            if mimetype.startswith(prefix):
                return bool(limit) and size > limit
        return True

    @api.model
    def _create_streamed_to_object_storage(self, stream, values):
        """Create an attachment and copy ``stream`` into its fs_attachment storage a block at a time.

        The attachment's ``open('wb')`` writes a new object through the
        storage's file system (a multipart upload on S3, one part in memory at
        a time) and names it as fs_attachment names every file. It records the
        file system's own checksum: Odoo's, the SHA-1 of the content, is
        computed on the way and written back, as are the size and the name.
        """
        attachment = self.create({**values, 'raw': b''})
        sha1, size = hashlib.sha1(), 0
        with attachment.open('wb', block_size=OBJECT_STORAGE_BLOCK_SIZE) as target:
            while chunk := stream.read(STREAM_CHUNK_SIZE):
                sha1.update(chunk)
                target.write(chunk)
                size += len(chunk)
        # ir.attachment.write drops checksum and size: they are normally derived from raw.
        self.env.cr.execute(SQL(
            "UPDATE ir_attachment SET checksum = %s, file_size = %s WHERE id = %s",
            sha1.hexdigest(), size, attachment.id,
        ))
        attachment.invalidate_recordset(['checksum', 'file_size'])
        return attachment

    def _content_opener(self):
        """A callable opening this attachment's content as a binary file, without the ORM.

        For a response streamed after the request's cursor is closed (the
        ZIP): everything the callable needs is resolved now, the bytes are
        read only when it is called. Odoo's local filestore gives the file's
        path, an fs_attachment storage its file system and path (read in
        blocks, a Range request per block on S3). Database storage, or a
        storage of any other module, reads ``raw`` with a cursor of its own
        when the callable runs: one file in memory at a time.
        """
        self.ensure_one()
        if self._plain_filestore() and self.store_fname:
            stream = self._to_http_stream()
            if stream.type == 'path':
                return functools.partial(open, stream.path, 'rb')
        if self.store_fname and hasattr(self, '_is_file_from_a_storage') and self._is_file_from_a_storage(self.store_fname):
            fs, _code, path = self._get_fs_parts()
            return functools.partial(fs.open, path, 'rb', block_size=OBJECT_STORAGE_BLOCK_SIZE)
        return functools.partial(_read_with_own_cursor, self.env.cr.dbname, self.id)

    @api.model
    def _create_from_stored_file(self, fname, size, checksum, values):
        """Create an attachment for ``fname``, a file already in Odoo's local filestore (fast path only)."""
        attachment = self.create({**values, 'raw': b''})
        # ir.attachment.create/write drop these fields: they are normally derived from raw.
        self.env.cr.execute(SQL(
            "UPDATE ir_attachment SET store_fname = %s, checksum = %s, file_size = %s, db_datas = NULL WHERE id = %s",
            fname, checksum, size, attachment.id,
        ))
        attachment.invalidate_recordset(['store_fname', 'checksum', 'file_size', 'db_datas', 'raw', 'datas'])
        return attachment

    @api.model
    def _create_sharing_content(self, values_list, sources):
        """Create one attachment per values, each with the content of its source attachment, if any.

        In Odoo's local filestore, an attachment shares the stored file of its
        source, as creating it from the same bytes would (files are named by
        checksum), without reading and hashing them again. Any other storage,
        or a source without a stored file, gets the source's ``raw``: read
        through the storage API, written wherever the storage puts it.
        """
        share = self._plain_filestore()
        vals_list = []
        for values, source in zip(values_list, sources, strict=True):
            if source:
                values = {**values, 'raw': b'' if share and source.store_fname else source.raw}
            vals_list.append(values)
        attachments = self.create(vals_list)
        if share:
            attachments._share_stored_content(sources)
        return attachments

    def _share_stored_content(self, sources):
        """Point each of these attachments at the local filestore file of its source, if any (fast path only)."""
        pairs = [(attachment.id, source.id) for attachment, source in zip(self, sources) if source and source.store_fname]
        if not pairs:
            return
        targets, origins = zip(*pairs)
        self.flush_model(['store_fname', 'checksum', 'file_size'])
        self.env.cr.execute(SQL("""
            UPDATE ir_attachment target
               SET store_fname = origin.store_fname, checksum = origin.checksum,
                   file_size = origin.file_size, db_datas = NULL
              FROM unnest(%s::int[], %s::int[]) AS pair(target_id, origin_id)
              JOIN ir_attachment origin ON origin.id = pair.origin_id
             WHERE target.id = pair.target_id
        """, list(targets), list(origins)))
        self.browse(targets).invalidate_recordset(['store_fname', 'checksum', 'file_size', 'db_datas', 'raw', 'datas'])

    @api.model
    def _copy_stream_to_filestore(self, stream):
        """Copy ``stream`` into Odoo's local filestore, hashing it on the way (fast path only)."""
        filestore = self._filestore()
        os.makedirs(filestore, exist_ok=True)
        sha1, size = hashlib.sha1(), 0
        with tempfile.NamedTemporaryFile(dir=filestore, prefix='.incoming-', delete=False) as tmp:
            try:
                while chunk := stream.read(STREAM_CHUNK_SIZE):
                    sha1.update(chunk)
                    tmp.write(chunk)
                    size += len(chunk)
            except BaseException:
                tmp.close()
                os.unlink(tmp.name)
                raise
        checksum = sha1.hexdigest()
        return self._move_into_filestore(tmp.name, checksum), size, checksum

    @api.model
    def _move_into_filestore(self, path, checksum):
        """Rename ``path`` to the local filestore file of ``checksum``, or drop it if stored already (fast path only).

        A file already stored under that checksum is only reused when its
        bytes are the same, as Odoo's own ``_get_path`` checks: a forged
        checksum must never make two contents share one file. ``path`` is
        removed in every case but one: on another file system than the
        filestore (OSError EXDEV), where the caller copies it instead.
        """
        fname = f'{checksum[:2]}/{checksum}'
        full_path = self._full_path(fname)
        keep_source = False
        try:
            if os.path.isfile(full_path):
                if not filecmp.cmp(path, full_path, shallow=False):
                    raise UserError(self.env._("The attachment collides with an existing file."))
            else:
                os.makedirs(os.path.dirname(full_path), exist_ok=True)
                # If this transaction rolls back, the garbage collector removes the orphan file.
                self._mark_for_gc(fname)
                try:
                    os.replace(path, full_path)
                except OSError as error:
                    keep_source = error.errno == errno.EXDEV
                    raise
        finally:
            if not keep_source and os.path.exists(path):
                os.unlink(path)
        return fname

    @api.model
    def _index(self, bin_data, file_type, checksum=None):
        """Refuse to index a ZIP package whose directory announces a bomb, on every path.

        Odoo indexes an attachment's text as it is created from bytes (email
        attachments from the gateway included), and attachment_indexation's
        Office readers inflate members without any limit. Reading the package's
        directory costs little; the contact documents' own content job goes
        further and parses in a bounded child process (``_index_content``).
        """
        try:
            if bin_data[:4] == ZIP_SIGNATURE:
                check_ooxml_limits(bin_data)
        except ExtractionRefused as refusal:
            _logger.warning("Not indexing the content of %s: %s", file_type, refusal)
            return False
        return super()._index(bin_data, file_type, checksum=checksum)

    # ------------------------------------------------------------------
    # The files of contact documents belong to them
    # ------------------------------------------------------------------

    def write(self, vals):
        self._check_not_document_file()
        return super().write(vals)

    def unlink(self):
        self._check_not_document_file()
        return super().unlink()

    def _check_not_document_file(self):
        """Only the application changes or removes a contact document's file.

        Whoever may edit a document could otherwise rewrite its bytes, move
        the attachment to another record, or delete it and, with it, the
        document, all without an audit line.
        """
        ids = tuple(id_ for id_ in self.ids if isinstance(id_, int))
        if self.env.su or not ids:
            return
        self.env.cr.execute(SQL(
            "SELECT 1 FROM ir_attachment WHERE id IN %s AND res_model IN %s LIMIT 1", ids, OWN_FILE_MODELS))
        if self.env.cr.fetchone():
            raise AccessError(self.env._("The file of a contact document cannot be changed or deleted directly."))
