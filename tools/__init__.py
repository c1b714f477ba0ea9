from . import channel_message
from . import file_types
from . import meta
from . import safe_fetch
from . import twilio
from . import webhook_events
from . import zip_stream
