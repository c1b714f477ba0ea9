from odoo import models
from odoo.exceptions import AccessError

# Set by this addon's own download and preview routes.
OWN_ROUTE_CONTEXT = 'contact_documents_own_route'


class IrBinary(models.AbstractModel):
    _inherit = 'ir.binary'

    def _record_to_stream(self, record, field_name):
        """Serve a contact document's file through the addon's routes only, never Odoo's /web/content.

        Those routes check access through the document, record every
        download in the audit log, and never let a browser render a type
        that is not previewable (HTML, SVG): /web/content by attachment id
        would do none of it.
        """
        if (record._name == 'ir.attachment' and not self.env.context.get(OWN_ROUTE_CONTEXT)
                and record.sudo().res_model == 'contact.document'):
            raise AccessError(self.env._("Open this file from the Documents tab of its contact."))
        return super()._record_to_stream(record, field_name)
