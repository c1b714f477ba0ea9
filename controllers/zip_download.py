import re

from odoo import _
from odoo.fields import Domain
from odoo.http import Controller, Response, content_disposition, request, route

from ..tools.zip_stream import iter_zip

# A controller translates with Odoo's _(), as Odoo's own do: it has no self.env.
# pylint: disable=prefer-env-translation

DIRECTIONS = ('internal', 'sent', 'received')


class ContactDocumentZipController(Controller):

    @route('/contact_documents/zip', type='http', auth='user', methods=['GET', 'POST'])
    def download_zip(self, ids=None, partner_id=None, direction=None, search=None, **kwargs):
        """Download documents as one ZIP, streamed as it is built.

        Either ``ids`` (comma-separated document ids) or a whole filter of a
        contact's Documents tab: ``partner_id`` with an optional ``direction``
        and ``search``, as the tab sends them. Documents the user cannot read
        are left out, as the tab never shows them.
        """
        Document = request.env['contact.document']
        partner = None
        if ids:
            try:
                document_ids = [int(part) for part in re.split(r'[,\s]+', ids.strip()) if part]
            except ValueError:
                return request.make_json_response({'error': _("Unknown documents.")}, status=400)
            documents = Document.search([('id', 'in', document_ids)])
        elif partner_id and partner_id.isdigit():
            partner = request.env['res.partner'].browse(int(partner_id))
            if not partner.exists() or not partner.has_access('read'):
                raise request.not_found()
            domain = Document._tab_domain(partner, search)
            if direction in DIRECTIONS:
                domain &= Domain('direction', '=', direction)
            elif direction == 'shared':  # the tab's Shared filter
                domain &= Domain('is_shared', '=', True)
            documents = Document.search(domain)
        else:
            return request.make_json_response({'error': _("Choose the documents to download.")}, status=400)
        if not documents:
            raise request.not_found()
        members = documents._zip_members()
        filename = _("%(contact)s - Documents.zip", contact=partner.display_name) if partner else _("Documents.zip")
        return Response(
            iter_zip(members),
            mimetype='application/zip',
            direct_passthrough=True,
            headers=[
                ('Content-Disposition', content_disposition(filename)),
                ('Cache-Control', 'no-store'),
                ('X-Content-Type-Options', 'nosniff'),
                # Sent as it is built: a reverse proxy (nginx) must not buffer it whole first.
                ('X-Accel-Buffering', 'no'),
            ],
        )
