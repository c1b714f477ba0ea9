"""Previews: queue the documents filed before, so that the scheduled action makes their
PDF rendition (Office files) and thumbnail (pictures, PDF, Office files) in the background."""
from odoo.addons.contact_documents.models.contact_document import PREPARED_MIMETYPES


def migrate(cr, version):
    cr.execute("""
        UPDATE contact_document
           SET preview_state = 'pending'
         WHERE COALESCE(preview_state, 'none') = 'none'
           AND content_mismatch IS NOT TRUE
           AND mimetype = ANY(%s)
    """, [sorted(PREPARED_MIMETYPES)])
