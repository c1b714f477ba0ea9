"""Download channel media without letting a URL reach into the internal network.

A media URL comes from a signed webhook, yet it is fetched by the server:
only HTTPS, only from the allowed hosts, never to a private, loopback or
link-local address. The host name is resolved once, every address checked,
and the connection made to a checked address (pinned), so that a second DNS
answer (DNS rebinding) never decides where the request goes; the Host header,
TLS SNI and the certificate check keep the host name. Redirects are followed
one hop at a time under the same rules. The body is streamed to a file with
a size cap, and a deadline that a server sending a byte now and then cannot
stretch: a watchdog shuts the connection down when it passes.

An admin (or a test) may list a host *explicitly* (no wildcard): that host is
trusted as is, internal address included. Plain HTTP is only ever allowed for
hosts passed in ``http_hosts``.
"""
import contextlib
import ipaddress
import socket
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.poolmanager import PoolManager

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
# Downloads at once (fetch_all), and to one host: a CDN is not flooded, a slow host does not hold them all.
MAX_PARALLEL_DOWNLOADS = 8
MAX_DOWNLOADS_PER_HOST = 4


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


@dataclass
class Download:
    """One URL for :func:`fetch_all`, with the keyword arguments of :func:`fetch_to_file`.

    :func:`fetch_all` sets ``file`` (a temporary file holding the body, which
    the caller closes), and ``fetched`` or ``error``.
    """
    url: str
    options: dict = field(default_factory=dict)
    file: object = None
    fetched: FetchedMedia | None = None
    error: FetchError | None = None


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
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url, allowed_hosts, http_hosts=()):
    """Raise FetchError unless ``url`` may be fetched.

    :return: the checked addresses to connect to, or None when the host is
        explicitly trusted (then it is connected to as it resolves)
    """
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
    try:
        port = parts.port or (443 if parts.scheme == 'https' else 80)
    except ValueError:
        raise FetchError(f"invalid port in {url!r}") from None
    if match == 'explicit':
        return None
    addresses = _resolve(host, port)
    for address in addresses:
        if not is_public_address(address):
            raise FetchError(f"host {host} resolves to a non-public address ({address})")
    return addresses


class _Watchdog:
    """Shuts every connection of a download down when its deadline passes.

    Socket timeouts bound each read, not the download: a server sending one
    byte now and then would hold it for ever. A shut down socket makes the
    blocked read (headers, TLS handshake or body) return at once.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def watch(self, sock):
        """Watch a freshly connected socket, through a duplicate: TLS takes the original over."""
        watched = sock.dup()
        with self._lock:
            self._sockets.append(watched)
            if self.expired:
                self._shutdown(watched)

    def _expire(self):
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shutdown(sock)

    @staticmethod
    def _shutdown(sock):
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)

    def error(self):
        return FetchError(f"the download took more than {self.seconds} seconds", retryable=True)


class _PinnedConnectionMixin:
    """Connect to the checked addresses instead of resolving the host again.

    Only the TCP connection uses the address: urllib3 keeps the host name for
    the Host header, SNI and the certificate check.
    """

    def __init__(self, *args, addresses=None, watchdog=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._pinned_addresses = addresses
        self._watchdog = watchdog

    def _new_conn(self):
        if not self._pinned_addresses:
            sock = super()._new_conn()
        else:
            sock = self._connect_pinned()
        if self._watchdog:
            self._watchdog.watch(sock)
        return sock

    def _connect_pinned(self):
        # urllib3 connects to ``_dns_host`` (its ``host`` reads it too): swap it for the connection only.
        host, error = self._dns_host, None
        for address in self._pinned_addresses:
            self._dns_host = address
            try:
                return super()._new_conn()  # pylint: disable=super-method-mismatch
            except (ConnectTimeoutError, NewConnectionError) as connect_error:
                error = connect_error
            finally:
                self._dns_host = host
        raise error


class _PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _PinnedPoolManager(PoolManager):
    """Pools whose connections go to the checked addresses, under the watchdog."""

    connection_classes = {'http': _PinnedHTTPConnection, 'https': _PinnedHTTPSConnection}

    def __init__(self, addresses, watchdog, **kwargs):
        super().__init__(**kwargs)
        self.addresses = addresses
        self.watchdog = watchdog

    def _new_pool(self, scheme, host, port, request_context=None):
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.ConnectionCls = self.connection_classes[scheme]
        pool.conn_kw.update(addresses=self.addresses, watchdog=self.watchdog)
        return pool


class _PinnedAdapter(HTTPAdapter):
    """requests' transport for one hop: its connections go to ``addresses`` (None: as the host resolves)."""

    def __init__(self, addresses, watchdog):
        self.addresses = addresses
        self.watchdog = watchdog
        super().__init__()

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        self._pool_connections, self._pool_maxsize, self._pool_block = connections, maxsize, block
        self.poolmanager = _PinnedPoolManager(
            self.addresses, self.watchdog, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs)


def fetch_to_file(url, fileobj, *, allowed_hosts, http_hosts=(), auth=None, timeout=READ_TIMEOUT,
                  deadline=DEADLINE, max_size=MAX_MEDIA_SIZE, max_redirects=MAX_REDIRECTS):
    """Stream the body at ``url`` into ``fileobj`` and describe what was fetched.

    :param allowed_hosts: host patterns (see :func:`parse_hosts`)
    :param http_hosts: hosts that may be fetched over plain HTTP (tests, local gateways)
    :param auth: (user, password) sent to the first host only, never across a redirect to another
    :param timeout: seconds to connect, and for each read
    :param deadline: seconds for the whole download, redirects included
    :raise FetchError: with ``retryable`` set for timeouts, connection errors, 429 and 5xx
    """
    origin = urlsplit(url).hostname
    with _Watchdog(deadline) as watchdog:
        for _hop in range(max_redirects + 1):
            addresses = check_url(url, allowed_hosts, http_hosts)
            host = urlsplit(url).hostname
            with requests.Session() as session:
                session.trust_env = False  # no proxy or .netrc from the environment
                adapter = _PinnedAdapter(addresses, watchdog)
                session.mount('https://', adapter)
                session.mount('http://', adapter)
                try:
                    response = session.get(
                        url, stream=True, allow_redirects=False, timeout=timeout,
                        auth=auth if host == origin else None, headers={'User-Agent': USER_AGENT},
                    )
                except requests.RequestException as error:
                    raise _request_error(error, host, watchdog) from None
                with response:
                    if response.is_redirect:
                        url = urljoin(url, response.headers['Location'])
                        continue
                    _check_status(response, host, max_size)
                    return _stream_body(response, fileobj, url, watchdog, max_size)
    raise FetchError(f"more than {max_redirects} redirects")


def _request_error(error, host, watchdog):
    if watchdog.expired:
        return watchdog.error()
    if isinstance(error, requests.Timeout):
        return FetchError(f"{host} timed out", retryable=True)
    return FetchError(f"cannot connect to {host}: {type(error).__name__}", retryable=True)


def _check_status(response, host, max_size):
    status = response.status_code
    if status == 429 or status >= 500:
        raise FetchError(f"{host} answered HTTP {status}", retryable=True)
    if status != 200:
        raise FetchError(f"{host} answered HTTP {status}")
    length = response.headers.get('Content-Length', '')
    if length.isdigit() and int(length) > max_size:
        raise FetchError(f"the file is larger than {max_size // (1024 * 1024)} MB")


def _stream_body(response, fileobj, url, watchdog, max_size):
    size, head = 0, b''
    for chunk in _chunks(response, watchdog):
        size += len(chunk)
        if size > max_size:
            raise FetchError(f"the file is larger than {max_size // (1024 * 1024)} MB")
        if len(head) < MIMETYPE_HEAD_SIZE:
            head += chunk[:MIMETYPE_HEAD_SIZE - len(head)]
        fileobj.write(chunk)
    if watchdog.expired:
        # A shut down connection reads as the end of a body without a length: never file it.
        raise watchdog.error()
    content_type = response.headers.get('Content-Type', '').split(';', 1)[0].strip().lower()
    return FetchedMedia(url=url, content_type=content_type, size=size, head=head)


def _chunks(response, watchdog):
    try:
        yield from response.iter_content(CHUNK_SIZE)
    except requests.RequestException as error:
        if watchdog.expired:
            raise watchdog.error() from None
        if isinstance(error, requests.Timeout):
            raise FetchError("the download timed out", retryable=True) from None
        raise FetchError(f"the download was interrupted: {type(error).__name__}", retryable=True) from None


class Downloader:
    """Threads that fetch :class:`Download` objects into temporary files, a bounded number at once.

    Each download is :func:`fetch_to_file` with every check it makes; the
    threads do nothing but that network and file I/O (no database, no ORM).
    At most ``max_parallel`` run at once, and ``per_host`` of them to one host
    (the host of the URL as given), whoever started them. Use it as a context
    manager: leaving it waits for the downloads still running.
    """

    def __init__(self, max_parallel=MAX_PARALLEL_DOWNLOADS, per_host=MAX_DOWNLOADS_PER_HOST):
        self.per_host = per_host
        self._pool = ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix='contact_documents_media')
        self._host_slots = {}
        self._lock = threading.Lock()
        self._futures = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._pool.shutdown(wait=True, cancel_futures=True)

    def start(self, downloads):
        """Start ``downloads`` in the background; :meth:`finish` waits for them."""
        for download in downloads:
            self._futures[id(download)] = self._pool.submit(self._fetch, download)
        return downloads

    def finish(self, downloads):
        """Wait for ``downloads``: each then has its ``file``, and ``fetched`` or ``error``.

        An unexpected error (not a FetchError) is raised once all of them
        have ended, with their files closed.
        """
        futures = [self._futures.pop(id(download)) for download in downloads]
        unexpected = next((future.exception() for future in futures if future.exception()), None)
        if unexpected:
            close_all(downloads)
            raise unexpected
        return downloads

    def _host_slot(self, url):
        host = (urlsplit(url).hostname or '').lower()
        with self._lock:
            return self._host_slots.setdefault(host, threading.BoundedSemaphore(self.per_host))

    def _fetch(self, download):
        # The file outlives this thread: the caller files it, then closes it (close_all).
        download.file = tempfile.TemporaryFile(prefix='contact_documents_media_')  # noqa: SIM115
        with self._host_slot(download.url):
            try:
                download.fetched = fetch_to_file(download.url, download.file, **download.options)
            except FetchError as error:
                download.error = error
        return download


def fetch_all(downloads, *, max_parallel=MAX_PARALLEL_DOWNLOADS, per_host=MAX_DOWNLOADS_PER_HOST):
    """Fetch ``downloads`` at once with a :class:`Downloader` and wait for them all."""
    with Downloader(max_parallel, per_host) as downloader:
        return downloader.finish(downloader.start(downloads))


def close_all(downloads):
    """Close the temporary files of downloads (removing them)."""
    for download in downloads:
        if download.file:
            download.file.close()
            download.file = None
