import hashlib
import os
import tempfile

from odoo import api, models
from odoo.tools import SQL

STREAM_CHUNK_SIZE = 1024 * 1024


class IrAttachment(models.Model):
    _inherit = 'ir.attachment'

    @api.model
    def _create_from_stream(self, stream, values):
        """Create an attachment whose content is copied from ``stream`` in chunks.

        ``raw`` would need the whole file in memory (several copies of it, for a
        250 MB upload): here the bytes go straight to the filestore, hashed on
        the way, and land under the same checksum-named path Odoo uses, so
        identical contents still share one file.

        :param stream: readable binary file object, read to its end
        :param values: ir.attachment values; give ``mimetype``, it cannot be
            guessed from an empty ``raw``
        """
        if self._storage() == 'db':
            return self.create({**values, 'raw': stream.read()})
        fname, size, checksum = self._copy_stream_to_filestore(stream)
        attachment = self.create({**values, 'raw': b''})
        # ir.attachment.create/write drop these fields: they are normally derived from raw.
        self.env.cr.execute(SQL(
            "UPDATE ir_attachment SET store_fname = %s, checksum = %s, file_size = %s, db_datas = NULL WHERE id = %s",
            fname, checksum, size, attachment.id,
        ))
        attachment.invalidate_recordset(['store_fname', 'checksum', 'file_size', 'db_datas', 'raw', 'datas'])
        return attachment

    def _share_stored_content(self, sources):
        """Point each of these attachments at the filestore file of its source, if any.

        The filestore is addressed by checksum, so sharing the file is what
        creating the attachment from the same bytes would do, without reading
        and hashing them again. ``sources`` lists one attachment (or None) per record.
        """
        pairs = [(attachment.id, source) for attachment, source in zip(self, sources) if source and source.store_fname]
        for attachment_id, source in pairs:
            self.env.cr.execute(SQL(
                "UPDATE ir_attachment SET store_fname = %s, checksum = %s, file_size = %s, db_datas = NULL WHERE id = %s",
                source.store_fname, source.checksum, source.file_size, attachment_id,
            ))
        if pairs:
            self.invalidate_recordset(['store_fname', 'checksum', 'file_size', 'db_datas', 'raw', 'datas'])

    @api.model
    def _copy_stream_to_filestore(self, stream):
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
        fname = f'{checksum[:2]}/{checksum}'
        full_path = self._full_path(fname)
        if os.path.isfile(full_path):
            os.unlink(tmp.name)
        else:
            os.makedirs(os.path.dirname(full_path), exist_ok=True)
            # If this transaction rolls back, the garbage collector removes the orphan file.
            self._mark_for_gc(fname)
            os.replace(tmp.name, full_path)
        return fname, size, checksum
