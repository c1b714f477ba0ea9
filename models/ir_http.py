from odoo import models
from odoo.http import request

from ..tools.upload_stream import HashingStreamFactory

# A route declaring it (``@route(..., contact_documents_stream_files=True)``) gets its uploaded
# files written once, straight into the local filestore's folder, hashed on the way.
STREAM_FILES_ROUTING_KEY = 'contact_documents_stream_files'


class IrHttp(models.AbstractModel):
    _inherit = 'ir.http'

    @classmethod
    def _pre_dispatch(cls, rule, args):
        result = super()._pre_dispatch(rule, args)
        if rule.endpoint.routing.get(STREAM_FILES_ROUTING_KEY):
            cls._stream_files_to_filestore()
        return result

    @classmethod
    def _stream_files_to_filestore(cls):
        """Have werkzeug write this request's files where the local filestore will keep them.

        Runs before the body is parsed (the dispatcher parses it next). Only
        Odoo's own local filestore can take a file by renaming it: any other
        storage keeps werkzeug's spooled files. The werkzeug request is the
        one Odoo's ``HTTPRequest`` wraps: its ``_get_file_stream`` is werkzeug's
        documented hook for where uploaded files go.
        """
        Attachment = request.env['ir.attachment'].sudo()
        if not Attachment._plain_filestore():
            return
        werkzeug_request = request.httprequest._HTTPRequest__wrapped
        factory = HashingStreamFactory(Attachment._filestore())
        werkzeug_request._get_file_stream = factory
        try:
            # Parse the body now, while we can still clean up: a client gone half-way
            # or a request with too many files must leave no file open or on disk.
            parsed = werkzeug_request.files
        except BaseException:
            factory.close_all()
            raise
        # Werkzeug answers a body cut short with no files at all (its parser is silent):
        # the parts it had begun are ours to close. Those it returned close with the request.
        kept = {id(file.stream) for _name, file in parsed.items(multi=True)}
        factory.close_all(keep=kept)
