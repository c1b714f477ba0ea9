import logging

from odoo.exceptions import MissingError, UserError
from odoo.http import Controller, request, route

from ..models.contact_document_request import RequestLinkClosed, RequestRateLimited
from ..models.contact_document_upload import MAX_CHUNK_SIZE
from .portal import ContactDocumentPortal

_logger = logging.getLogger(__name__)

REQUEST_ROUTE = '/contact_documents/request/<string:token>'
SESSION_ROUTE = f'{REQUEST_ROUTE}/upload/session'


class DocumentRequestController(Controller):
    """The page a contact opens from a document request's email, and its uploads.

    No login: the request's access token in the address is the visitor's only
    credential, checked on every route (``_link_find``). The request is read
    as superuser for that reason; the visitor reaches nothing else of the
    contact than the names of the files they sent through this link. Uploads
    use the chunked upload-session protocol of controllers/upload_session.py,
    with sessions bound to the request: a session token of another request,
    or of a user's own upload, is answered 404 here.
    """

    @route(REQUEST_ROUTE, type='http', auth='public', methods=['GET'], website=True)
    def request_page(self, token, **kwargs):
        """The upload page; a clear page saying so for an unknown (404), expired or cancelled (410) link."""
        doc_request = request.env['contact.document.request']._link_find(token)
        if not doc_request:
            return request.render(
                'contact_documents.document_request_page', {'link_state': 'unknown', 'doc_request': None}, status=404)
        # A visitor who has not chosen a language reads the page in the contact's, as the email.
        contact_lang = doc_request.partner_id.lang
        if (request.env.user._is_public() and not request.cookies.get('frontend_lang')
                and contact_lang in dict(request.env['res.lang'].get_installed())):
            request.update_context(lang=contact_lang)
        link_state = doc_request._link_state()
        values = {
            'doc_request': doc_request,
            'link_state': link_state,
            'res_company': doc_request.company_id or doc_request.user_id.company_id,
            'received_names': doc_request._link_received_names(),
            # The customer portal's upload area, sending to this link's sessions; once files are
            # filed it reloads the status, which then says the request is done.
            'upload_settings': ContactDocumentPortal()._contact_document_upload_settings(
                f'/contact_documents/request/{token}/upload/session', {},
                refresh_selector='.o_contact_documents_request_status'),
        }
        status = 410 if link_state in ('expired', 'cancelled') else 200
        return request.render('contact_documents.document_request_page', values, status=status)

    @route(SESSION_ROUTE, type='http', auth='public', methods=['POST'])
    def open_session(self, token, name=None, size=None, sha256=None, **kwargs):
        """Open (or resume) an upload session for one file of this request."""
        try:
            size = int(size or 0)
        except ValueError:
            size = 0
        if not name:
            return self._error(request.env._("Unknown file."), 400)
        return self._answer(token, lambda doc_request: doc_request._link_open_upload(
            name, size, sha256)._session_status())

    @route(f'{SESSION_ROUTE}/<string:upload_token>', type='http', auth='public', methods=['GET'])
    def session_status(self, token, upload_token, **kwargs):
        return self._answer(token, lambda doc_request: doc_request._link_get_upload(upload_token)._session_status())

    @route(f'{SESSION_ROUTE}/<string:upload_token>/chunk/<int:index>', type='http', auth='public',
           methods=['PUT'], max_content_length=MAX_CHUNK_SIZE + 64 * 1024)
    def put_chunk(self, token, upload_token, index, **kwargs):
        def write(doc_request):
            upload = doc_request._link_get_upload(upload_token, lock=True)
            upload._write_chunk(index, chunk.stream)
            return {'index': index, 'received_size': upload.received_size}

        chunk = request.httprequest.files.get('chunk')
        if not chunk:
            return self._error(request.env._("The chunk is missing."), 400)
        return self._answer(token, write)

    @route(f'{SESSION_ROUTE}/<string:upload_token>/finish', type='http', auth='public', methods=['POST'])
    def finish_session(self, token, upload_token, **kwargs):
        """File the assembled file on the request's contact, as received; the request is then done."""
        def finish(doc_request):
            document = doc_request._link_finish_upload(upload_token).sudo()
            # Only what the visitor sent: the name and size of their own file.
            return {
                'document': {'name': document.name, 'file_size': document.file_size},
                'request_state': doc_request._link_state(),
            }
        return self._answer(token, finish)

    @route(f'{SESSION_ROUTE}/<string:upload_token>', type='http', auth='public', methods=['DELETE'])
    def cancel_session(self, token, upload_token, **kwargs):
        def cancel(doc_request):
            doc_request._link_get_upload(upload_token, lock=True)._discard('failed')
            return {'state': 'failed'}
        return self._answer(token, cancel)

    def _answer(self, token, call):
        """Find the request of ``token`` and answer ``call(request)`` as JSON, or the refusal with its status.

        A refusal is answered, not raised, so that what the model recorded
        before refusing (a failed session) is committed.
        """
        doc_request = request.env['contact.document.request']._link_find(token)
        if not doc_request:
            return self._error(request.env._("This link is not valid."), 404)
        try:
            return request.make_json_response(call(doc_request))
        except RequestLinkClosed as error:
            return self._error(error.args[0], 410)
        except RequestRateLimited as error:
            return self._error(error.args[0], 429, headers=[('Retry-After', '3600')])
        except MissingError as error:
            return self._error(error.args[0], 404)
        except UserError as error:
            return self._error(error.args[0], 400)

    def _error(self, message, status, headers=None):
        _logger.info("Document request upload refused (%s): %s", status, message)
        return request.make_json_response({'error': message}, status=status, headers=headers)
