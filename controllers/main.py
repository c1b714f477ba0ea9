import logging

from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import Controller, request, route

from ..models.ir_binary import OWN_ROUTE_CONTEXT
from ..tools.file_types import MAX_UPLOAD_SIZE

_logger = logging.getLogger(__name__)

# Room for several maximum-size files in one request, for this route only:
# the server-wide 128 MB limit stays in force everywhere else.
MAX_REQUEST_SIZE = 4 * MAX_UPLOAD_SIZE + 1024 * 1024


class ContactDocumentController(Controller):

    # contact_documents_stream_files: the files are written once, into the filestore's folder (see ir.http).
    @route('/contact_documents/upload', type='http', auth='user', methods=['POST'],
           max_content_length=MAX_REQUEST_SIZE, contact_documents_stream_files=True)
    def upload(self, partner_id=None, share=None, **kwargs):
        """File the posted ``ufile`` files on a contact as internal documents (``share=1``: shared on the portal).

        Answers JSON: the documents filed and, per refused file, a reason. For
        the company's users and API clients only: the portal uploads through
        sessions, which carry a quota per user.
        """
        if not request.env.user._is_internal():
            return request.make_json_response(
                {'error': request.env._("You are not allowed to add documents to this contact.")}, status=403)
        try:
            partner = request.env['res.partner'].browse(int(partner_id or 0)).exists()
        except ValueError:
            partner = None
        if not partner:
            return request.make_json_response({'error': request.env._("Unknown contact.")}, status=400)
        files = [file for file in request.httprequest.files.getlist('ufile') if file.filename]
        try:
            documents, errors = request.env['contact.document']._upload_files(partner, files, share=share == '1')
        except AccessError:
            return request.make_json_response(
                {'error': request.env._("You are not allowed to add documents to this contact.")}, status=403)
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
        if document.is_previewable:
            response = self._preview_stream(document)
            if not self._is_later_range():
                document._log_preview()  # a contact's previews on the portal are audited
            return response
        response = self._stream(document, as_attachment=True)
        document._log_download()  # not shown in the browser: the file was downloaded
        return response

    @route('/contact_documents/<int:document_id>/thumbnail', type='http', auth='user', methods=['GET'],
           readonly=True)
    def thumbnail(self, document_id, **kwargs):
        """The small picture of the document's first page, for the Documents tab; 404 until it is made."""
        document = self._get_document(document_id)
        if not document.has_thumbnail:
            raise request.not_found()
        stream = request.env['ir.binary']._get_stream_from(
            document.sudo(), 'thumbnail', filename=f'{document.id}.png', mimetype='image/png')
        # The tab asks for it with the document's checksum: the same URL is the same picture.
        return stream.get_response(as_attachment=False, immutable=bool(kwargs.get('unique')))

    def _preview_stream(self, document):
        """The document shown inline in the file viewer: an Office file as its PDF rendition,
        video and audio as they are (with Range requests), text as plain text, never as HTML."""
        try:
            attachment = document._preview_file()
        except MissingError:
            raise request.not_found() from None
        kind = document.preview_kind
        stream = request.env['ir.binary'].with_context(**{OWN_ROUTE_CONTEXT: True})._get_stream_from(
            attachment, 'raw', filename=f'{document.name}.pdf' if kind == 'office' else document.name)
        if kind == 'office':
            stream.mimetype = 'application/pdf'
        elif kind == 'text':
            stream.mimetype = 'text/plain'  # werkzeug adds "; charset=utf-8"
        return stream.get_response(as_attachment=False)

    def _is_later_range(self):
        """Whether the browser asks for a later part of a file it is already showing (PDF, video)."""
        requested = request.httprequest.range
        return bool(requested and requested.ranges and requested.ranges[0][0] > 0)

    def _get_document(self, document_id):
        document = request.env['contact.document'].browse(document_id).exists()
        if not document or not document.has_access('read'):
            raise request.not_found()
        return document

    def _stream(self, document, as_attachment):
        if document._is_cloud_file():
            return self._cloud_redirect(document)
        try:
            attachment = document._stored_file()
        except MissingError:
            raise request.not_found() from None
        stream = request.env['ir.binary'].with_context(**{OWN_ROUTE_CONTEXT: True})._get_stream_from(
            attachment, 'raw', filename=document.name)
        if not document.is_previewable:
            # A synced email may carry HTML or SVG, or a file whose name lied: never let the browser render it.
            stream.mimetype = 'application/octet-stream'
            as_attachment = True
        return stream.get_response(as_attachment=as_attachment)

    def _cloud_redirect(self, document):
        """Send the browser to cloud_storage's signed URL of a file kept in the cloud, valid a few minutes.

        Never cached (303, no-store): each download comes back here, to the access check and the audit log.
        """
        try:
            url = document._cloud_download_url()
        except MissingError:
            raise request.not_found() from None
        response = request.redirect(url, code=303, local=False)
        response.headers['Cache-Control'] = 'no-store'
        return response
