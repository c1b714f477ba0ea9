"""Generic webhook for any other gateway (WhatsApp, another SMS provider, a helpdesk).

One JSON message per request, signed with HMAC-SHA256 of the raw body under
the company's secret: ``X-Contact-Documents-Signature: sha256=<hex>``.
"""
import base64
import binascii
import json
import re

from .channel_message import (
    ChannelAttachment,
    ChannelMessage,
    PayloadError,
    clean_message,
)

SIGNATURE_HEADER = 'X-Contact-Documents-Signature'
DIRECTIONS = ('received', 'sent')
# Channels filed under their own name; any other is filed as 'other' under its label.
KNOWN_CHANNELS = ('sms', 'facebook', 'instagram')
CHANNEL_RE = re.compile(r'^[a-z0-9][a-z0-9_.-]{0,31}$')
MAX_ATTACHMENTS = 20


def parse_event(raw_body):
    """Turn the JSON body into a :class:`ChannelMessage`, or raise PayloadError.

    ``{"channel": "whatsapp", "direction": "received", "message_id": "...",
    "contact": {"phone" | "email" | "identity" | "name": ...},
    "attachments": [{"url": ...} | {"content": <base64>}, with "name", "mimetype"]}``
    """
    try:
        payload = json.loads(raw_body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        raise PayloadError("malformed JSON") from None
    if not isinstance(payload, dict):
        raise PayloadError("not a JSON object")
    channel = payload.get('channel')
    if not isinstance(channel, str) or not CHANNEL_RE.match(channel):
        raise PayloadError("channel must be a short lowercase name")
    if payload.get('direction') not in DIRECTIONS:
        raise PayloadError("direction must be 'received' or 'sent'")
    message_id = payload.get('message_id')
    if not isinstance(message_id, str) or not message_id.strip():
        raise PayloadError("missing message_id")
    contact = payload.get('contact')
    if not isinstance(contact, dict):
        raise PayloadError("missing contact")
    contact = {key: str(contact[key]).strip() for key in ('identity', 'phone', 'email', 'name')
               if isinstance(contact.get(key), (str, int)) and str(contact[key]).strip()}
    if not contact.keys() & {'identity', 'phone', 'email'}:
        raise PayloadError("contact needs an email, a phone or an identity")
    attachments = payload.get('attachments')
    if not isinstance(attachments, list) or len(attachments) > MAX_ATTACHMENTS:
        raise PayloadError(f"attachments must be a list of at most {MAX_ATTACHMENTS}")
    return clean_message(ChannelMessage(
        channel=channel if channel in KNOWN_CHANNELS else 'other',
        direction=payload['direction'],
        external_id=message_id.strip(),
        contact=contact,
        attachments=[_parse_attachment(index, attachment) for index, attachment in enumerate(attachments)],
        label=channel,
        identity_channel=channel,
        provider='events',
    ))


def _parse_attachment(index, attachment):
    if not isinstance(attachment, dict):
        raise PayloadError(f"attachment {index} is not an object")
    name = attachment.get('name') or ''
    mimetype = attachment.get('mimetype') or ''
    if not isinstance(name, str) or not isinstance(mimetype, str):
        raise PayloadError(f"attachment {index}: name and mimetype must be strings")
    url, content = attachment.get('url'), attachment.get('content')
    if isinstance(url, str) and url and content is None:
        return ChannelAttachment(index=index, url=url, name=name, mimetype=mimetype, kind='url')
    if isinstance(content, str) and url is None:
        try:
            raw = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise PayloadError(f"attachment {index}: content is not base64") from None
        if not raw or not name:
            raise PayloadError(f"attachment {index}: inline content needs a name and bytes")
        return ChannelAttachment(index=index, content=raw, name=name, mimetype=mimetype, kind='inline')
    raise PayloadError(f"attachment {index} needs either a url or a base64 content")
