"""Text extraction bounded in memory and time.

Parsers of office files and PDFs inflate what they read: a 1.5 MB DOCX may
unpack to 1.5 GiB, a PDF stream declares only its compressed length. Pure
functions, no ORM: ``check_ooxml_limits`` refuses a ZIP package from its
central directory alone, before anything is inflated; ``run_bounded`` runs a
reader in a forked child process that the kernel and a watchdog stop at the
memory and time limits, so a hostile file costs its limits and nothing more.
"""
import contextlib
import gc
import io
import logging
import math
import os
import select
import signal
import struct
import time
import warnings
import zipfile

try:
    import resource
except ImportError:  # Windows has neither resource nor fork: run_bounded refuses to run there
    resource = None

from odoo.tools import human_size

_logger = logging.getLogger(__name__)

# Limits of one extraction. Measured with attachment_indexation on Python 3.11:
# - minidom (DOCX, PPTX) needs ~28 bytes of memory per byte of XML and reads ~4 MB
#   of it a second: a 1,000-page Word document (~15 MB of document.xml) takes ~450 MB
#   and ~4 s; pdfminer reads ~30 text pages a second, page by page, in ~6 MB; a
#   1-page PDF takes 70 ms.
# - a forked Odoo process answers a 1-page PDF in ~65 ms, fork included.
# So 512 MB above what the forked process already holds reads any document a person
# wrote, and 30 s reads ~800 pages of PDF; what needs more is not searchable.
TIME_LIMIT = 30
MEMORY_LIMIT = 512 * 1024 * 1024
# Address space the child may map on top of its own at the fork and of MEMORY_LIMIT. The
# memory limit is the watchdog's, on pages actually used: the readers catch MemoryError
# and carry on with no text and no log line. This cap only stops one huge allocation
# between two checks of the watchdog.
ADDRESS_SPACE_MARGIN = 2 * MEMORY_LIMIT
WATCHDOG_INTERVAL = 0.02

# ZIP packages (DOCX, PPTX, and any file a ZIP reader accepts), from their central directory.
# Media inside a package are stored already compressed, so a package inflates to little
# more than its size: twice the 64 MB of the largest file indexed covers its XML too.
MAX_UNCOMPRESSED_SIZE = 128 * 1024 * 1024
# One member as large as the largest file indexed: a video or image can be that big.
MAX_MEMBER_SIZE = 64 * 1024 * 1024
# Deflate cannot do better than ~1030:1 (a run of one byte). Measured on Word XML:
# ordinary text 14:1, the same paragraph repeated 255:1, empty paragraphs 690:1.
MAX_COMPRESSION_RATIO = 400
# Below this size a member's ratio is harmless whatever it is (a tiny XML part of zeros).
RATIO_CHECK_MIN_SIZE = 1024 * 1024
# A Word document has a few dozen members, a large presentation a few thousand.
MAX_MEMBERS = 10_000

# Answer of the child on the pipe: one kind byte and the length of the payload.
_HEADER = struct.Struct('>cQ')
_TEXT, _REFUSED, _MEMORY, _ERROR = b'T', b'R', b'M', b'E'
# UTF-8 takes at most 4 bytes a character.
_UTF8_MAX_BYTES = 4
_READ_SIZE = 64 * 1024


class ExtractionRefused(Exception):
    """The text of a file is not extracted; ``args[0]`` says why, fit for a log line."""


def check_ooxml_limits(data, max_total=MAX_UNCOMPRESSED_SIZE, max_member=MAX_MEMBER_SIZE,
                       max_ratio=MAX_COMPRESSION_RATIO, max_members=MAX_MEMBERS):
    """Raise ExtractionRefused when the ZIP package ``data`` would inflate beyond the limits.

    Only the central directory is read, so a package is refused before anything
    is inflated. Its sizes can lie: Python's zipfile, which the readers use,
    inflates all the compressed bytes of a member in one call (up to 2 GiB) and
    only then cuts the output at the declared size. What is actually inflated is
    bounded by ``run_bounded`` alone. Bytes that zipfile cannot open as a package
    pass, since no reader can inflate anything from them (a PDF, a damaged DOCX).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        return
    if len(members) > max_members:
        raise ExtractionRefused(f"its package has {len(members)} members, more than {max_members}")
    total = 0
    for member in members:
        name = member.filename[:80]
        if member.file_size > max_member:
            raise ExtractionRefused(
                f"its member {name!r} inflates to {human_size(member.file_size)}, more than {human_size(max_member)}")
        if member.file_size > RATIO_CHECK_MIN_SIZE and member.file_size > max_ratio * max(member.compress_size, 1):
            raise ExtractionRefused(
                f"its member {name!r} inflates {member.file_size // max(member.compress_size, 1)} times, "
                f"more than {max_ratio} times")
        total += member.file_size
        if total > max_total:
            raise ExtractionRefused(f"its package inflates to more than {human_size(max_total)}")


def checked_read(reader, data, *args):
    """``reader(data, *args)`` once ``data`` passed ``check_ooxml_limits``.

    Meant to run inside ``run_bounded``: even the central directory of a
    hostile package (a million members) is then read within the limits. Checked
    whatever the type of the file: attachment_indexation tries its ZIP readers
    on any bytes, a PDF with a ZIP appended to it included.
    """
    check_ooxml_limits(data)
    return reader(data, *args)


def run_bounded(function, *args, timeout=TIME_LIMIT, max_memory=MEMORY_LIMIT, max_text_length=None):
    """Return the text ``function(*args)`` returns, computed in a child process within the limits.

    The child is forked, so ``function`` and ``args`` need no pickling; it must
    be pure: it parses bytes the caller read, and never touches the database
    connection or the ORM cursor the child inherits. The child is killed
    (SIGKILL) when the wall-clock ``timeout`` is reached or its memory grows by
    more than ``max_memory``; the kernel (RLIMIT_AS, RLIMIT_CPU) stops it if
    the caller cannot.

    :param max_text_length: characters of text sent back at most (the rest is dropped)
    :return: the text, '' when ``function`` returned anything but a string
    :raise ExtractionRefused: on timeout, memory exhaustion, an exception or a
        crash in the child, or when this system cannot bound a child process
    """
    if resource is None or not hasattr(os, 'fork'):
        message = "this system cannot bound the memory and time of an extraction"
        raise ExtractionRefused(message)
    max_bytes = _HEADER.size + (max_text_length * _UTF8_MAX_BYTES if max_text_length is not None else math.inf)
    # The child's pages are the caller's at the fork: its growth is measured from them.
    baseline = _anonymous_memory('self')
    deadline = time.monotonic() + timeout
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as error:
        os.close(read_fd)
        os.close(write_fd)
        message = f"could not start the extraction: {error.strerror}"
        raise ExtractionRefused(message) from error
    if pid == 0:
        _child(read_fd, write_fd, function, args, timeout, max_memory, max_text_length)
    os.close(write_fd)
    status = None
    try:
        answer = _read_answer(read_fd, pid, deadline, timeout, baseline, max_memory, max_bytes)
        status = _reap(pid, deadline)
    finally:
        os.close(read_fd)
        # Killed once only, before it is reaped: a reaped child's pid may already be another process'.
        if status is None:
            status = _kill(pid)
    return _decode(answer, status)


def _child(read_fd, write_fd, function, args, timeout, max_memory, max_text_length):
    """Run ``function`` in the forked child and send its answer; never returns.

    Forking a multi-threaded server copies only the calling thread: a lock another
    thread held at the fork stays held forever in the child. CPython reinitialises
    the GIL, the import lock and threading's state, logging reinitialises its own
    locks, glibc its malloc locks. The readers only need those: they parse bytes in
    memory. Everything else is avoided: no logging and no warnings (a log handler
    may write to the database), no stdio (its buffer lock), no ORM, no database
    (the inherited socket is the caller's: one byte from here would corrupt its
    session). gc.freeze() keeps the collector away from the objects inherited from
    the caller, whose finalizers (a connection's close) must not run here, and
    os._exit() skips interpreter shutdown, atexit and the flushing of buffers. A
    module lock held by another thread importing at the fork would block the child
    on an import: the timeout ends it.
    """
    status = 1
    try:
        os.close(read_fd)
        gc.freeze()
        logging.disable(logging.CRITICAL)
        warnings.simplefilter('ignore')
        _limit_child(timeout, max_memory)
        try:
            result = function(*args)
        except ExtractionRefused as refusal:
            kind, payload = _REFUSED, str(refusal)
        except MemoryError:
            kind, payload = _MEMORY, ''
        except Exception as error:  # noqa: BLE001 - any failure of a parser is reported, none is fatal
            kind, payload = _ERROR, type(error).__name__
        else:
            kind, payload = _TEXT, result[:max_text_length] if isinstance(result, str) else ''
        data = payload.encode('utf-8', 'replace')
        _write_all(write_fd, _HEADER.pack(kind, len(data)) + data)
        status = 0
    finally:
        os._exit(status)


def _limit_child(timeout, max_memory):
    # Odoo's servers install handlers (SIGXCPU, SIGTERM...) that would run the caller's code here.
    for name in ('SIGXCPU', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM'):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    _lower_limit(resource.RLIMIT_CORE, 0)
    # Backstops for a caller that dies or hangs: the kernel ends the child on its own.
    cpu_seconds = math.ceil(timeout) + 1
    _lower_limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    address_space = _address_space()
    if address_space is not None:
        _lower_limit(resource.RLIMIT_AS, address_space + max_memory + ADDRESS_SPACE_MARGIN)


def _lower_limit(which, soft, hard=None):
    """Lower a limit of the child, never above what it inherits (an Odoo worker sets some)."""
    def lowest(*limits):
        finite = [limit for limit in limits if limit is not None and limit != resource.RLIM_INFINITY]
        return min(finite) if finite else resource.RLIM_INFINITY

    current_soft, current_hard = resource.getrlimit(which)
    hard = lowest(hard, current_hard)
    resource.setrlimit(which, (lowest(soft, current_soft, hard), hard))


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_answer(read_fd, pid, deadline, timeout, baseline, max_memory, max_bytes):
    """The answer the child sends; ExtractionRefused at the first limit reached.

    Read until the length its header announces, not until the end of the pipe: a
    child forked meanwhile by another thread holds a copy of the pipe's writing end.
    """
    poller = select.poll()  # not select.select: the descriptor may be over FD_SETSIZE in a busy server
    poller.register(read_fd, select.POLLIN)
    answer = b''
    expected = None
    while expected is None or len(answer) < expected:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ExtractionRefused(f"its extraction took longer than {timeout} s")
        if poller.poll(min(remaining, WATCHDOG_INTERVAL) * 1000):
            chunk = os.read(read_fd, _READ_SIZE)
            if not chunk:
                break
            answer += chunk
            if expected is None and len(answer) >= _HEADER.size:
                expected = _HEADER.size + _HEADER.unpack_from(answer)[1]
            if len(answer) > max_bytes or (expected or 0) > max_bytes:
                message = "its extraction sent back more text than asked for"
                raise ExtractionRefused(message)
        used = _anonymous_memory(pid)
        if baseline is not None and used is not None and used - baseline > max_memory:
            raise ExtractionRefused(f"its extraction needed more than {human_size(max_memory)} of memory")
    return answer


def _decode(answer, status):
    if len(answer) >= _HEADER.size:
        kind, length = _HEADER.unpack_from(answer)
        payload = answer[_HEADER.size:]
        if len(payload) == length:
            text = payload.decode('utf-8', 'replace')
            if kind == _TEXT:
                return text
            if kind == _REFUSED:
                raise ExtractionRefused(text)
            if kind == _MEMORY:
                message = "its extraction ran out of memory"
                raise ExtractionRefused(message)
            raise ExtractionRefused(f"its reader failed with {text}")
    if status is not None and os.WIFSIGNALED(status):
        raise ExtractionRefused(f"its extraction was stopped by {signal.Signals(os.WTERMSIG(status)).name}")
    message = "its extraction ended without an answer"
    raise ExtractionRefused(message)


def _kill(pid):
    """SIGKILL the child and reap it, so that no zombie is left; its wait status."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:  # a SIGCHLD handler of the server reaped it
        return 0


def _reap(pid, deadline):
    """The wait status of the child, which closed its pipe and is leaving; None if it lingers or is gone."""
    while True:
        try:
            reaped, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # a SIGCHLD handler of the server reaped it
            return 0
        if reaped:
            return status
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.005)


def _anonymous_memory(pid):
    """Bytes of anonymous memory resident in process ``pid`` (heap, not files), None if unknown."""
    try:
        with open(f'/proc/{pid}/status', 'rb') as status:
            for line in status:
                if line.startswith(b'RssAnon:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        _logger.debug("Could not read the memory of process %s", pid)
    return None


def _address_space():
    """Bytes of address space the current process maps, None if unknown."""
    try:
        with open('/proc/self/statm', 'rb') as statm:
            return int(statm.read().split()[0]) * os.sysconf('SC_PAGE_SIZE')
    except (OSError, ValueError):
        return None
