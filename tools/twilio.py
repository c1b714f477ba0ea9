"""Twilio inbound messaging webhook: signature check and payload parsing.

Pure functions, tested without HTTP. The signature is recomputed here rather
than imported from ``sms_twilio``, which this addon does not depend on.
"""
import base64
import hashlib
import hmac
import re
from urllib.parse import urlsplit, urlunsplit

from .channel_message import (
    ChannelAttachment,
    ChannelMessage,
    PayloadError,
    clean_message,
)
from .signatures import same_text

MAX_MEDIA_PER_MESSAGE = 10
# Twilio account SIDs: 'AC' and 32 hexadecimal digits.
ACCOUNT_SID_RE = re.compile(r'^AC[0-9a-fA-F]{32}$')
DEFAULT_PORTS = {'https': 443, 'http': 80}


def is_account_sid(value):
    """Whether ``value`` has the shape of a Twilio Account SID, before it is looked up anywhere."""
    return bool(value) and bool(ACCOUNT_SID_RE.match(value))


def compute_signature(auth_token, url, params):
    """Base64(HMAC-SHA1(auth_token, url + each param name and value, sorted by name)).

    :param params: mapping name -> list of values (all posted parameters);
        repeated values are sorted, as Twilio's own validator does
    """
    payload = url + ''.join(
        name + value
        for name in sorted(params)
        for value in sorted(set(params[name]))
    )
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url):
    """The URL as configured, and with its default port added or removed.

    Twilio signs the URL it was given; a proxy may add or drop ``:443``.
    """
    parts = urlsplit(url)
    default_port = DEFAULT_PORTS.get(parts.scheme)
    variants = [url]
    if parts.hostname and default_port:
        host = parts.hostname
        if parts.port is None:
            variants.append(urlunsplit(parts._replace(netloc=f'{host}:{default_port}')))
        elif parts.port == default_port:
            variants.append(urlunsplit(parts._replace(netloc=host)))
    return variants


def check_signature(auth_token, url, params, signature):
    """True when ``signature`` (X-Twilio-Signature) signs ``url`` and ``params``."""
    if not auth_token or not signature:
        return False
    return any(
        same_text(compute_signature(auth_token, variant, params), signature)
        for variant in _url_variants(url)
    )


def parse_inbound_message(form):
    """Turn Twilio's inbound message parameters into a :class:`ChannelMessage`.

    :param form: mapping name -> value (first value of each posted parameter)
    :raise PayloadError: when a parameter Twilio always sends is missing or invalid
    """
    message_sid = form.get('MessageSid') or form.get('SmsMessageSid')
    if not message_sid:
        raise PayloadError("missing MessageSid")
    if not form.get('From'):
        raise PayloadError("missing From")
    try:
        num_media = int(form.get('NumMedia') or 0)
    except ValueError:
        raise PayloadError("NumMedia is not a number") from None
    if not 0 <= num_media <= MAX_MEDIA_PER_MESSAGE:
        raise PayloadError("NumMedia out of range")
    attachments = []
    for index in range(num_media):
        url = form.get(f'MediaUrl{index}')
        if not url:
            raise PayloadError(f"missing MediaUrl{index}")
        attachments.append(ChannelAttachment(
            index=index, url=url, mimetype=form.get(f'MediaContentType{index}', ''), kind='media',
        ))
    return clean_message(ChannelMessage(
        channel='sms',
        direction='received',
        external_id=message_sid,
        account=form.get('AccountSid', ''),
        contact={'phone': form['From']},
        attachments=attachments,
        identity_channel='sms',
        provider='twilio',
    ))
