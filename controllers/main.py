import logging

from odoo import _
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import Controller, request, route

from ..models.ir_binary import OWN_ROUTE_CONTEXT
from ..tools.file_types import MAX_UPLOAD_SIZE

_logger = logging.getLogger(__name__)

# Room for several maximum-size files in one request, for this route only:
# the server-wide 128 MB limit stays in force everywhere else.
MAX_REQUEST_SIZE = 4 * MAX_UPLOAD_SIZE + 1024 * 1024


class ContactDocumentController(Controller):

    @route('/contact_documents/upload', type='http', auth='user', methods=['POST'],
           max_content_length=MAX_REQUEST_SIZE)
    def upload(self, partner_id=None, **kwargs):
        """File the posted ``ufile`` files on a contact as internal documents.

        Answers JSON: the documents filed and, per refused file, a reason.
        """
        try:
            partner = request.env['res.partner'].browse(int(partner_id or 0)).exists()
        except ValueError:
            partner = None
        if not partner:
            return request.make_json_response({'error': _("Unknown contact.")}, status=400)
        files = [file for file in request.httprequest.files.getlist('ufile') if file.filename]
        try:
            documents, errors = request.env['contact.document']._upload_files(partner, files)
        except AccessError:
            return request.make_json_response(
                {'error': _("You are not allowed to add documents to this contact.")}, status=403)
        except UserError as error:
            return request.make_json_response({'error': error.args[0], 'errors': []}, status=400)
        body = {
            'documents': documents.read(['name', 'mimetype', 'file_size', 'direction', 'channel']),
            'errors': errors,
        }
        return request.make_json_response(body, status=200 if documents else 400)

    @route('/contact_documents/<int:document_id>/download', type='http', auth='user', methods=['GET'])
    def download(self, document_id, **kwargs):
        document = self._get_document(document_id)
        response = self._stream(document, as_attachment=True)
        document._log_download()
        return response

    @route('/contact_documents/<int:document_id>/preview', type='http', auth='user', methods=['GET'])
    def preview(self, document_id, **kwargs):
        """Inline only for images and PDF whose name matches their content; anything else
        (HTML, SVG, a file whose name lied...) is a download."""
        document = self._get_document(document_id)
        response = self._stream(document, as_attachment=not document.is_previewable)
        if not document.is_previewable:
            document._log_download()  # not shown in the browser: the file was downloaded
        return response

    def _get_document(self, document_id):
        document = request.env['contact.document'].browse(document_id).exists()
        if not document or not document.has_access('read'):
            raise request.not_found()
        return document

    def _stream(self, document, as_attachment):
        try:
            attachment = document._stored_file()
        except MissingError:
            raise request.not_found() from None
        stream = request.env['ir.binary'].with_context({OWN_ROUTE_CONTEXT: True})._get_stream_from(
            attachment, 'raw', filename=document.name)
        if not document.is_previewable:
            # A synced email may carry HTML or SVG, or a file whose name lied: never let the browser render it.
            stream.mimetype = 'application/octet-stream'
            as_attachment = True
        return stream.get_response(as_attachment=as_attachment)
