from . import main
from . import upload_session
from . import webhook
from . import zip_download
