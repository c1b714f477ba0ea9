import json

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import AccessError
from odoo.http import request, route
from odoo.tools import format_list

from ..tools.file_types import ACCEPTED_EXTENSIONS, MAX_UPLOAD_SIZE
from ..tools.sizes import format_file_size
from .upload_session import SESSION_ROUTE

PORTAL_URL = '/my/documents'


class ContactDocumentPortal(CustomerPortal):
    """My Documents on the customer portal: what was shared with the user's contact, and their uploads.

    The files themselves are served by the same /contact_documents/<id>/download
    and /preview routes as in the back end, whose access check (the record
    rule of portal users) answers 404 for anything not shared with the user.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        # /my renders the card with its count (counters is empty there); /my/counters may ask for it too.
        if not counters or 'contact_document_count' in counters:
            values['contact_document_count'] = request.env['contact.document']._portal_count()
        return values

    def _contact_document_sortings(self):
        return {
            'date': {'label': request.env._("Newest"), 'order': 'create_date desc, id desc'},
            'name': {'label': request.env._("Name"), 'order': 'name asc, id desc'},
            'size': {'label': request.env._("Size"), 'order': 'file_size desc, id desc'},
        }

    @route([PORTAL_URL, f'{PORTAL_URL}/page/<int:page>'], type='http', auth='user', website=True)
    def portal_my_documents(self, page=1, sortby=None, search=None, **kwargs):
        """The documents of the user's own contact, a page at a time, sorted and searched by name."""
        Document = request.env['contact.document']
        sortings = self._contact_document_sortings()
        sortby = sortby if sortby in sortings else 'date'
        search = (search or '').strip()
        pager = portal_pager(
            url=PORTAL_URL, url_args={'sortby': sortby, 'search': search},
            total=Document._portal_count(search), page=page, step=self._items_per_page,
        )
        documents = Document._portal_page(
            search, order=sortings[sortby]['order'], offset=pager['offset'], limit=self._items_per_page)
        values = self._prepare_portal_layout_values()
        values.update({
            'page_name': 'contact_documents',
            'default_url': PORTAL_URL,
            'documents': documents._portal_rows(),
            'pager': pager,
            'searchbar_sortings': sortings,
            'sortby': sortby,
            'searchbar_inputs': {'name': {'input': 'name', 'label': request.env._("Search in Name")}},
            'search_in': 'name',
            'search': search,
            # Portal users send files from here; colleagues add documents from the Documents tab.
            'upload_settings': request.env.user._is_portal() and self._contact_document_upload_settings(
                SESSION_ROUTE, {'partner_id': request.env.user.partner_id.id},
                refresh_selector='.o_contact_documents_portal_list'),
        })
        return request.render('contact_documents.portal_my_documents', values)

    def _contact_document_upload_settings(self, session_url, open_params, refresh_selector=None):
        """The data attributes of the upload area (template contact_documents.portal_upload_area).

        The one list of accepted types and the one size limit come from
        tools/file_types.py: the page's script never retypes them.

        :param session_url: base URL of the upload-session API the area sends files to
        :param open_params: more form fields of the request that opens a session
        :param refresh_selector: the part of the page to reload once files are filed
        """
        return {
            'session_url': session_url,
            'open_params': json.dumps(open_params),
            'accepted_extensions': json.dumps(list(ACCEPTED_EXTENSIONS)),
            'accept': ','.join(f'.{extension}' for extension in ACCEPTED_EXTENSIONS),
            'max_upload_size': MAX_UPLOAD_SIZE,
            'rules_label': request.env._(
                "%(types)s files, up to %(size)s each.",
                types=format_list(request.env, [extension.upper() for extension in ACCEPTED_EXTENSIONS]),
                size=format_file_size(MAX_UPLOAD_SIZE)),
            'refresh_selector': refresh_selector,
        }

    @route(f'{PORTAL_URL}/<int:document_id>/delete', type='http', auth='user', methods=['POST'], website=True)
    def portal_delete_document(self, document_id, **kwargs):
        """Take back a file the user uploaded from the portal, within a day (into the trash)."""
        document = request.env['contact.document'].browse(document_id).exists()
        if not document or not document.has_access('read'):
            raise request.not_found()
        try:
            document._portal_trash()
        except AccessError:
            raise request.not_found() from None
        return request.redirect(PORTAL_URL)
