from . import contact_document
from . import contact_document_log
from . import ir_attachment
from . import mail_thread
from . import res_partner
