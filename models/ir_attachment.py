import errno
import filecmp
import hashlib
import logging
import os
import tempfile

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.file_types import ZIP_SIGNATURE
from ..tools.text_extraction import ExtractionRefused, check_ooxml_limits
from odoo.addons.base.models.ir_attachment import IrAttachment as BaseIrAttachment

_logger = logging.getLogger(__name__)

STREAM_CHUNK_SIZE = 1024 * 1024


class IrAttachment(models.Model):
    _inherit = 'ir.attachment'

    @api.model
    def _plain_filestore(self):
        """Whether bytes land in Odoo's own local filestore, where the fast paths below may write.

        True for file storage (``ir_attachment.location``, read on each call
        as Odoo's ``_storage()`` does) when no installed module overrides how
        files are written or read: a storage such as OCA's fs_attachment (S3,
        SFTP...) overrides ``_file_write``/``_file_read``, and keeps nothing
        at ``_full_path(store_fname)``. The registry class resolves each
        method through every module's override, so comparing what it resolves
        to with Odoo's own function tells whether any module replaced it.
        """
        registry_class = type(self)
        return self._storage() == 'file' and all(
            getattr(registry_class, method) is getattr(BaseIrAttachment, method)
            for method in ('_file_write', '_file_read', '_full_path')
        )

    @api.model
    def _create_from_stream(self, stream, values):
        """Create an attachment whose content is read from ``stream``.

        In Odoo's local filestore the bytes are copied in chunks, hashed on
        the way, under the same checksum-named path Odoo uses, so identical
        contents still share one file and memory stays flat. Any other
        storage gets them through ``create(raw=...)``, and so decides itself
        where they go: that needs the whole file in memory, as Odoo's
        ``_file_write(bin_value, checksum)`` and database storage do.

        :param stream: readable binary file object, read to its end
        :param values: ir.attachment values; give ``mimetype``, it cannot be
            guessed from an empty ``raw``
        """
        if not self._plain_filestore():
            return self.create({**values, 'raw': stream.read()})
        return self._create_from_stored_file(*self._copy_stream_to_filestore(stream), values)

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
                    raise UserError(_("The attachment collides with an existing file."))
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
            "SELECT 1 FROM ir_attachment WHERE id IN %s AND res_model = 'contact.document' LIMIT 1", ids))
        if self.env.cr.fetchone():
            raise AccessError(_("The file of a contact document cannot be changed or deleted directly."))
