"""Meta webhooks (Messenger and Instagram Direct): verification, signature, parsing.

Pure functions over the raw request, tested without HTTP.
"""
import hashlib
import hmac
import json

from .channel_message import ChannelAttachment, ChannelMessage, PayloadError

OBJECT_CHANNELS = {'page': 'facebook', 'instagram': 'instagram'}
# Attachment types that carry a file of the conversation. Shared posts, reels,
# story mentions and fallbacks point at someone else's content: skipped.
FILE_TYPES = frozenset({'image', 'audio', 'video', 'file', 'sticker'})
SIGNATURE_PREFIX = 'sha256='


def compute_signature(app_secret, raw_body):
    """``sha256=<hex>`` of HMAC-SHA256(app_secret, raw_body), as X-Hub-Signature-256 carries it."""
    return SIGNATURE_PREFIX + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def check_signature(app_secret, raw_body, header):
    """True when ``header`` signs the raw bytes of the body; never re-serialise the JSON."""
    if not app_secret or not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(compute_signature(app_secret, raw_body), header)


def check_verification(params, verify_token):
    """The challenge to answer to a subscription handshake, or None to refuse it."""
    if not verify_token or params.get('hub.mode') != 'subscribe':
        return None
    if not hmac.compare_digest(params.get('hub.verify_token') or '', verify_token):
        return None
    return params.get('hub.challenge') or None


def load_payload(raw_body):
    """Parse the JSON body; raise PayloadError when it is not a Meta event batch."""
    try:
        payload = json.loads(raw_body)
    except (UnicodeDecodeError, ValueError):
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
    page sent: its customer is the recipient.

    :return: (messages, ignored) where ignored counts unsupported objects and events
    """
    channel = OBJECT_CHANNELS.get(payload.get('object'))
    if not channel:
        return [], len(payload['entry'])
    messages, ignored = [], 0
    for entry in payload['entry']:
        events = (entry.get('messaging') or []) + (entry.get('standby') or [])
        for event in events:
            message = event.get('message') if isinstance(event, dict) else None
            if not isinstance(message, dict) or not message.get('mid'):
                ignored += 1
                continue
            messages.append(_parse_message(channel, str(entry.get('id') or ''), event, message))
    return messages, ignored


def _parse_message(channel, account, event, message):
    is_echo = bool(message.get('is_echo'))
    customer = (event.get('recipient') if is_echo else event.get('sender')) or {}
    if not customer.get('id'):
        raise PayloadError("message without sender or recipient id")
    attachments, skipped = [], 0
    for index, attachment in enumerate(message.get('attachments') or []):
        attachment = attachment if isinstance(attachment, dict) else {}
        kind = attachment.get('type') or ''
        url = (attachment.get('payload') or {}).get('url')
        if kind not in FILE_TYPES or not url:
            skipped += 1
            continue
        attachments.append(ChannelAttachment(index=index, url=url, kind=kind))
    return ChannelMessage(
        channel=channel,
        direction='sent' if is_echo else 'received',
        external_id=message['mid'],
        account=account,
        contact={'identity': str(customer['id'])},
        attachments=attachments,
        skipped=skipped,
        identity_channel=channel,
        provider='meta',
    )
