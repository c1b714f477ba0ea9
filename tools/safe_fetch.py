"""Download channel media without letting a URL reach into the internal network.

A media URL comes from a signed webhook, yet it is fetched by the server:
only HTTPS, only from the allowed hosts, never to a private, loopback or
link-local address (checked after DNS resolution, and again on the connected
socket, which defeats DNS rebinding), redirects followed one hop at a time
under the same rules, streamed to a file with a size cap and a deadline.

An admin (or a test) may list a host *explicitly* (no wildcard): that host is
trusted as is, internal address included. Plain HTTP is only ever allowed for
hosts passed in ``http_hosts``.
"""
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests

from odoo.tools.mimetypes import MIMETYPE_HEAD_SIZE

from .file_types import MAX_UPLOAD_SIZE

DEFAULT_ALLOWED_HOSTS = (
    'api.twilio.com, *.twilio.com, *.twiliocdn.com, '
    '*.fbcdn.net, lookaside.fbsbx.com, *.fbsbx.com, *.cdninstagram.com'
)
MAX_MEDIA_SIZE = MAX_UPLOAD_SIZE
MAX_REDIRECTS = 5
READ_TIMEOUT = 10  # seconds, for the connection and each read
DEADLINE = 300  # seconds, for the whole download
CHUNK_SIZE = 64 * 1024
USER_AGENT = 'Odoo contact_documents media fetcher'


class FetchError(Exception):
    """The media could not be fetched; ``retryable`` when a later attempt may succeed."""

    def __init__(self, reason, retryable=False):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass
class FetchedMedia:
    url: str
    content_type: str
    size: int
    head: bytes


def parse_hosts(text):
    """The host patterns of a comma or newline separated list, lowercased."""
    return tuple(
        pattern for pattern in (part.strip().lower() for part in (text or '').replace('\n', ',').split(','))
        if pattern
    )


def host_match(host, patterns):
    """'explicit' when ``host`` is listed as is, 'wildcard' when a ``*.domain`` covers it, else None."""
    host = (host or '').lower().rstrip('.')
    if host in patterns:
        return 'explicit'
    for pattern in patterns:
        if pattern.startswith('*.') and host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
            return 'wildcard'
    return None


def is_public_address(address):
    """False for private, loopback, link-local, multicast, reserved or unspecified addresses."""
    ip = ipaddress.ip_address(address.split('%', 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"cannot resolve {host}: {error}", retryable=True) from None
    return [info[4][0] for info in infos]


def check_url(url, allowed_hosts, http_hosts=()):
    """Raise FetchError unless ``url`` may be fetched; return True when its host is explicitly trusted."""
    parts = urlsplit(url)
    host = (parts.hostname or '').lower()
    if not host:
        raise FetchError(f"invalid URL {url!r}")
    if parts.username or parts.password:
        raise FetchError("URLs with credentials are refused")
    if parts.scheme != 'https' and not (parts.scheme == 'http' and host in http_hosts):
        raise FetchError(f"only HTTPS is allowed ({parts.scheme}://{host})")
    match = host_match(host, allowed_hosts)
    if not match:
        raise FetchError(f"host {host} is not an allowed media host")
    if match == 'explicit':
        return True
    try:
        port = parts.port or 443
    except ValueError:
        raise FetchError(f"invalid port in {url!r}") from None
    for address in _resolve(host, port):
        if not is_public_address(address):
            raise FetchError(f"host {host} resolves to a non-public address ({address})")
    return False


def _check_peer(response, host):
    """Check the address actually connected to: DNS may answer differently the second time."""
    connection = getattr(response.raw, 'connection', None) or getattr(response.raw, '_connection', None)
    sock = getattr(connection, 'sock', None)
    if sock is None:
        return
    try:
        address = sock.getpeername()[0]
    except OSError:
        return
    if not is_public_address(address):
        raise FetchError(f"host {host} connected to a non-public address ({address})")


def fetch_to_file(url, fileobj, *, allowed_hosts, http_hosts=(), auth=None, timeout=READ_TIMEOUT,
                  deadline=DEADLINE, max_size=MAX_MEDIA_SIZE, max_redirects=MAX_REDIRECTS):
    """Stream the body at ``url`` into ``fileobj`` and describe what was fetched.

    :param allowed_hosts: host patterns (see :func:`parse_hosts`)
    :param http_hosts: hosts that may be fetched over plain HTTP (tests, local gateways)
    :param auth: (user, password) sent to the first host only, never across a redirect to another
    :raise FetchError: with ``retryable`` set for timeouts, connection errors, 429 and 5xx
    """
    started = time.monotonic()
    origin = urlsplit(url).hostname
    with requests.Session() as session:
        session.trust_env = False  # no proxy or .netrc from the environment
        for _hop in range(max_redirects + 1):
            explicit = check_url(url, allowed_hosts, http_hosts)
            host = urlsplit(url).hostname
            try:
                response = session.get(
                    url, stream=True, allow_redirects=False, timeout=timeout,
                    auth=auth if host == origin else None, headers={'User-Agent': USER_AGENT},
                )
            except requests.Timeout:
                raise FetchError(f"{host} timed out", retryable=True) from None
            except requests.RequestException as error:
                raise FetchError(f"cannot connect to {host}: {type(error).__name__}", retryable=True) from None
            with response:
                if not explicit:
                    _check_peer(response, host)
                if response.is_redirect:
                    url = urljoin(url, response.headers['Location'])
                    continue
                _check_status(response, host, max_size)
                return _stream_body(response, fileobj, url, started, deadline, max_size)
    raise FetchError(f"more than {max_redirects} redirects")


def _check_status(response, host, max_size):
    status = response.status_code
    if status == 429 or status >= 500:
        raise FetchError(f"{host} answered HTTP {status}", retryable=True)
    if status != 200:
        raise FetchError(f"{host} answered HTTP {status}")
    length = response.headers.get('Content-Length', '')
    if length.isdigit() and int(length) > max_size:
        raise FetchError(f"the file is larger than {max_size // (1024 * 1024)} MB")


def _stream_body(response, fileobj, url, started, deadline, max_size):
    size, head = 0, b''
    for chunk in _chunks(response):
        size += len(chunk)
        if size > max_size:
            raise FetchError(f"the file is larger than {max_size // (1024 * 1024)} MB")
        if time.monotonic() - started > deadline:
            raise FetchError(f"the download took more than {deadline} seconds", retryable=True)
        if len(head) < MIMETYPE_HEAD_SIZE:
            head += chunk[:MIMETYPE_HEAD_SIZE - len(head)]
        fileobj.write(chunk)
    content_type = response.headers.get('Content-Type', '').split(';', 1)[0].strip().lower()
    return FetchedMedia(url=url, content_type=content_type, size=size, head=head)


def _chunks(response):
    try:
        yield from response.iter_content(CHUNK_SIZE)
    except requests.Timeout:
        raise FetchError("the download timed out", retryable=True) from None
    except requests.RequestException as error:
        raise FetchError(f"the download was interrupted: {type(error).__name__}", retryable=True) from None
