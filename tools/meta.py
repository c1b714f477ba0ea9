"""Meta webhooks (Messenger and Instagram Direct): verification, signature, parsing.

Pure functions over the raw request, tested without HTTP.
"""
import json

from .channel_message import (
    ChannelAttachment,
    ChannelMessage,
    PayloadError,
    clean_message,
)
from .signatures import same_text

OBJECT_CHANNELS = {'page': 'facebook', 'instagram': 'instagram'}
# Attachment types that carry a file of the conversation. Shared posts, reels,
# story mentions and fallbacks point at someone else's content: skipped.
FILE_TYPES = frozenset({'image', 'audio', 'video', 'file', 'sticker'})


def check_verification(params, verify_token):
    """The challenge to answer to a subscription handshake, or None to refuse it."""
    if not verify_token or params.get('hub.mode') != 'subscribe':
        return None
    if not same_text(verify_token, params.get('hub.verify_token')):
        return None
    return params.get('hub.challenge') or None


def load_payload(raw_body):
    """Parse the JSON body; raise PayloadError when it is not a Meta event batch."""
    try:
        payload = json.loads(raw_body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        raise PayloadError("malformed JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get('entry'), list):
        raise PayloadError("no entry list")
    if not all(isinstance(entry, dict) for entry in payload['entry']):
        raise PayloadError("malformed entry")
    return payload


def parse_payload(payload):
    """Turn a Meta webhook payload into :class:`ChannelMessage` objects.

    Events are read from ``entry[].messaging[]`` and ``entry[].standby[]``
    (handover protocol); events without a message (delivery, read,
    reactions, postbacks) are ignored. An echo (``is_echo``) is a message the
    page sent: its customer is the recipient. The body is signed, yet any
    value of another type than Meta documents is refused (PayloadError),
    never left to fail further down.

    :return: (messages, ignored) where ignored counts unsupported objects and events
    """
    object_type = payload.get('object')
    channel = OBJECT_CHANNELS.get(object_type) if isinstance(object_type, str) else None
    if not channel:
        return [], len(payload['entry'])
    messages, ignored = [], 0
    for entry in payload['entry']:
        account = _id(entry.get('id'), "entry id")
        for event in _events(entry):
            message = event.get('message')
            if message is None:
                ignored += 1
                continue
            if not isinstance(message, dict):
                raise PayloadError("message is not an object")
            if not message.get('mid'):
                ignored += 1
                continue
            messages.append(clean_message(_parse_message(channel, account, event, message)))
    return messages, ignored


def _events(entry):
    events = _list(entry.get('messaging'), "messaging") + _list(entry.get('standby'), "standby")
    if not all(isinstance(event, dict) for event in events):
        raise PayloadError("event is not an object")
    return events


def _id(value, what):
    """Meta ids are strings; a number is taken as its digits, anything else refused."""
    if value is None:
        return ''
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PayloadError(f"{what} is not a string")
    return str(value)


def _parse_message(channel, account, event, message):
    is_echo = bool(message.get('is_echo'))
    customer = event.get('recipient' if is_echo else 'sender')
    if customer is not None and not isinstance(customer, dict):
        raise PayloadError("sender or recipient is not an object")
    customer_id = _id((customer or {}).get('id'), "sender or recipient id")
    if not customer_id:
        raise PayloadError("message without sender or recipient id")
    if not isinstance(message['mid'], str):
        raise PayloadError("mid is not a string")
    attachments, skipped = [], 0
    for index, attachment in enumerate(_list(message.get('attachments'), "attachments")):
        if not isinstance(attachment, dict):
            raise PayloadError(f"attachment {index} is not an object")
        kind = attachment.get('type') or ''
        payload = attachment.get('payload') or {}
        if not isinstance(kind, str) or not isinstance(payload, dict):
            raise PayloadError(f"attachment {index}: malformed type or payload")
        url = payload.get('url')
        if url is not None and not isinstance(url, str):
            raise PayloadError(f"attachment {index}: url is not a string")
        if kind not in FILE_TYPES or not url:
            skipped += 1
            continue
        attachments.append(ChannelAttachment(index=index, url=url, kind=kind))
    return ChannelMessage(
        channel=channel,
        direction='sent' if is_echo else 'received',
        external_id=message['mid'],
        account=account,
        contact={'identity': customer_id},
        attachments=attachments,
        skipped=skipped,
        identity_channel=channel,
        provider='meta',
    )


def _list(value, what):
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{what} is not a list")
    return value
