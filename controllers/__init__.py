from . import main
from . import portal
from . import document_request
from . import upload_session
from . import webhook
from . import zip_download
