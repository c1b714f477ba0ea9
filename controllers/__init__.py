from . import main
from . import webhook
from . import upload_session
from . import zip_download
