from . import base_partner_merge_automatic_wizard
from . import contact_document_request_wizard
