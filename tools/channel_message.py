"""The one structure every channel adapter produces.

Twilio, Meta and the generic endpoint each parse their own payload into a list
of :class:`ChannelMessage`; ``contact.document.media._ingest_channel_messages``
takes it from there (find the contact, queue the media, file inline content).
"""
import re
from dataclasses import dataclass, field

# C0 and C1 control characters, and the lone surrogates a JSON "\ud800" decodes to:
# PostgreSQL refuses NUL in text, and no encoder takes a lone surrogate.
UNSAFE_CHARACTERS_RE = re.compile(r'[\x00-\x1f\x7f-\x9f\ud800-\udfff]')
IDENTIFIER_KEYS = ('identity', 'phone', 'email')


@dataclass
class ChannelAttachment:
    """One file of a message, to fetch from ``url`` or given inline as ``content``."""
    index: int
    url: str = ''
    content: bytes | None = None
    mimetype: str = ''
    name: str = ''
    kind: str = ''


@dataclass
class ChannelMessage:
    """A message exchanged with a contact on a channel, reduced to what filing needs.

    :param channel: a ``contact.document`` channel ('sms', 'facebook', 'instagram', 'other')
    :param direction: 'received' (from the contact) or 'sent' (to the contact)
    :param external_id: identifier of the message on its channel (dedupe key)
    :param account: the account that received it (Twilio AccountSid, Page or
        Instagram account id), to tell which company it belongs to
    :param contact: what identifies the contact: any of ``identity`` (PSID,
        IGSID...), ``phone``, ``email`` and ``name``
    :param skipped: attachments the channel sent that are not files (shared
        posts, fallbacks...), counted but never filed
    :param label: name of the channel as shown in the chatter, for 'other'
    :param identity_channel: channel of ``contact['identity']`` (e.g. 'whatsapp')
    :param provider: the adapter that parsed it ('twilio', 'meta', 'events'):
        Twilio media is fetched with the account's credentials
    """
    channel: str
    direction: str
    external_id: str
    account: str = ''
    contact: dict = field(default_factory=dict)
    attachments: list = field(default_factory=list)
    skipped: int = 0
    label: str = ''
    identity_channel: str = ''
    provider: str = ''


class PayloadError(ValueError):
    """The payload is not what the channel documents; ``args[0]`` is a short reason."""


def clean_message(message):
    """Make a parsed message safe to look up and store, or raise PayloadError.

    Identifiers (message id, account, the contact's identity, phone and
    email, media URLs and types) are matched and stored as sent: one holding
    a control character is not something a channel sends, and is refused,
    rather than failing in the database. Names are only displayed: their
    control characters are dropped, and a name left empty is forgotten.

    :return: ``message``, cleaned in place
    """
    _check_identifier(message.external_id, "message id")
    _check_identifier(message.account, "account id")
    for key in IDENTIFIER_KEYS:
        _check_identifier(message.contact.get(key), key)
    if 'name' in message.contact:
        name = _clean_display_text(message.contact['name'], "name")
        if name:
            message.contact['name'] = name
        else:
            del message.contact['name']
    for attachment in message.attachments:
        _check_identifier(attachment.url, f"attachment {attachment.index} url")
        _check_identifier(attachment.mimetype, f"attachment {attachment.index} mimetype")
        attachment.name = _clean_display_text(attachment.name, f"attachment {attachment.index} name")
    return message


def _check_identifier(value, what):
    if value is None:
        return
    if not isinstance(value, str):
        raise PayloadError(f"{what} is not a string")
    if UNSAFE_CHARACTERS_RE.search(value):
        raise PayloadError(f"{what} contains control characters")


def _clean_display_text(value, what):
    if not isinstance(value, str):
        raise PayloadError(f"{what} is not a string")
    return UNSAFE_CHARACTERS_RE.sub('', value).strip()
