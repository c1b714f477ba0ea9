"""The one structure every channel adapter produces.

Twilio, Meta and the generic endpoint each parse their own payload into a list
of :class:`ChannelMessage`; ``contact.document.media._ingest_channel_messages``
takes it from there (find the contact, queue the media, file inline content).
"""
from dataclasses import dataclass, field


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
