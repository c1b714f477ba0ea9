import functools

from odoo import models
from odoo.exceptions import AccessError
from odoo.http import request

# Set by this addon's own download and preview routes.
OWN_ROUTE_CONTEXT = 'contact_documents_own_route'



def _ranged_response(stream, get_response, *args, **kwargs):
    """The response of an fs_attachment stream (S3...), answering Range requests and telling its length.

    fs_attachment hands werkzeug an open file of unknown size: werkzeug then
    ignores ``Range`` and sends the whole object chunked. Its size is known
    (the attachment's): the response is made conditional again with it, so
    a Range request reads only its bytes from the object (the file is seekable).
    """
    response = get_response(*args, **kwargs)
    if response.status_code == 200 and stream.size and 'X-Accel-Redirect' not in response.headers:
        response.content_length = stream.size
        response.make_conditional(request.httprequest.environ, accept_ranges=True, complete_length=stream.size)
    return response


class IrBinary(models.AbstractModel):
    _inherit = 'ir.binary'

    def _get_stream_from(self, record, field_name='raw', *args, **kwargs):
        """Serve a contact document's file through the addon's routes only, never Odoo's /web/content.

        Those routes check access through the document, record every
        download in the audit log, and never let a browser render a type
        that is not previewable (HTML, SVG): /web/content by attachment id
        would do none of it. Checked here rather than in ``_record_to_stream``,
        which a storage module (OCA's fs_attachment) answers for its files
        without calling the methods it overrides.
        """
        self._check_own_route(record)
        stream = super()._get_stream_from(record, field_name, *args, **kwargs)
        if stream.type == 'fs' and self.env.context.get(OWN_ROUTE_CONTEXT):
            stream.get_response = functools.partial(_ranged_response, stream, stream.get_response)
        return stream

    def _record_to_stream(self, record, field_name):
        self._check_own_route(record)
        return super()._record_to_stream(record, field_name)

    def _check_own_route(self, record):
        if (record._name == 'ir.attachment' and not self.env.context.get(OWN_ROUTE_CONTEXT)
                and any(res_model == 'contact.document' for res_model in record.sudo().mapped('res_model'))):
            raise AccessError(self.env._("Open this file from the Documents tab of its contact."))
