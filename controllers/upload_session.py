import logging

from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import Controller, request, route

from ..models.contact_document_upload import MAX_CHUNK_SIZE

_logger = logging.getLogger(__name__)

SESSION_ROUTE = '/contact_documents/upload/session'


class ContactDocumentUploadController(Controller):
    """Chunked, resumable uploads: open a session, PUT its chunks, finish it.

    Every route answers JSON. POST, PUT and DELETE keep Odoo's own CSRF check:
    the client sends ``csrf_token`` as a form field (in the query string for
    DELETE, which has no body).
    """

    @route(SESSION_ROUTE, type='http', auth='user', methods=['POST'])
    def open_session(self, partner_id=None, name=None, size=None, sha256=None, share=None, **kwargs):
        """Open a session for one file (or resume the user's open one for the same file).

        ``share=1`` shares the document on the portal once it is filed (the
        Add Documents modal's toggle). A portal user's session is always for
        their own contact. Answers the token, the chunk size the client must use and the chunks
        the server already has.
        """
        try:
            partner = request.env['res.partner'].browse(int(partner_id or 0)).exists()
            size = int(size or 0)
        except ValueError:
            partner = None
        if not partner or not name:
            return self._error(request.env._("Unknown contact or file."), 400)
        return self._answer(lambda: request.env['contact.document.upload']._open_session(
            partner, name, size, sha256, share=share == '1')._session_status())

    @route(f'{SESSION_ROUTE}/<string:token>', type='http', auth='user', methods=['GET'], readonly=True)
    def session_status(self, token, **kwargs):
        """What the server has of this upload, to resume it after a reload or a lost connection."""
        return self._answer(lambda: request.env['contact.document.upload']._get_session(token)._session_status())

    @route(f'{SESSION_ROUTE}/<string:token>/chunk/<int:index>', type='http', auth='user', methods=['PUT'],
           max_content_length=MAX_CHUNK_SIZE + 64 * 1024)
    def put_chunk(self, token, index, **kwargs):
        """Write the posted ``chunk`` file as chunk ``index``; sending a chunk twice is harmless."""
        def write():
            upload = request.env['contact.document.upload']._get_session(token, lock=True)
            upload._write_chunk(index, chunk.stream)
            return {'index': index, 'received_size': upload.received_size}

        # A form file, not a raw body: werkzeug spools it to disk rather than
        # memory, Odoo rewinds it if it replays the request, and the CSRF
        # token travels in the form, as with any other Odoo form.
        chunk = request.httprequest.files.get('chunk')
        if not chunk:
            return self._error(request.env._("The chunk is missing."), 400)
        return self._answer(write)

    @route(f'{SESSION_ROUTE}/<string:token>/finish', type='http', auth='user', methods=['POST'])
    def finish_session(self, token, **kwargs):
        """Check the assembled file and file it; only the user who opened the session can."""
        def finish():
            document = request.env['contact.document.upload']._finish_session(token)
            return {'document': document.read(['name', 'mimetype', 'file_size', 'direction', 'channel'])[0]}
        return self._answer(finish)

    @route(f'{SESSION_ROUTE}/<string:token>', type='http', auth='user', methods=['DELETE'])
    def cancel_session(self, token, **kwargs):
        """Abandon the upload now rather than leaving it to the daily cleanup."""
        def cancel():
            request.env['contact.document.upload']._get_session(token, lock=True)._discard('failed')
            return {'state': 'failed'}
        return self._answer(cancel)

    def _answer(self, call):
        """Run ``call`` and answer its result, or the error as JSON with a fitting status.

        A refusal is answered, not raised, so that what the model recorded
        before refusing (a failed session) is committed.
        """
        try:
            return request.make_json_response(call())
        except MissingError as error:
            return self._error(error.args[0], 404)
        except AccessError:
            return self._error(request.env._("You are not allowed to add documents to this contact."), 403)
        except UserError as error:
            return self._error(error.args[0], 400)

    def _error(self, message, status):
        _logger.info("Upload session refused (%s): %s", status, message)
        return request.make_json_response({'error': message}, status=status)
