"""A ZIP archive written as it is sent, never held whole in memory or on disk.

Pure functions, usable without HTTP: ``iter_zip`` yields the bytes of the
archive while it reads each member in blocks; ``unique_names`` makes the
member names distinct.
"""
import io
import os
import re
import zipfile

ZIP_BLOCK_SIZE = 1024 * 1024

# Formats that are already compressed: deflating them again costs CPU for nothing.
STORED_EXTENSIONS = frozenset({'pdf', 'png', 'jpg', 'jpeg', 'gif', 'docx', 'pptx', 'xlsx', 'zip', 'mp4', 'mp3'})

# Path separators and characters that Windows refuses in a file name.
_UNSAFE_CHARS_RE = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')


class _Sink(io.RawIOBase):
    """A write-only, non-seekable file whose written bytes are taken back by ``drain``.

    Being non-seekable makes ``zipfile`` write each member's sizes in a data
    descriptor after its content instead of seeking back to its header.
    """

    def __init__(self):
        super().__init__()
        self._chunks = []

    def writable(self):
        return True

    # The sink is where the bytes end: there is no write of a parent to call.
    def write(self, data):  # pylint: disable=method-required-super
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self):
        data = b''.join(self._chunks)
        self._chunks = []
        return data


def safe_member_name(name):
    """A file name fit for an archive member: no folders, no '..', no characters Windows refuses."""
    name = _UNSAFE_CHARS_RE.sub('_', name or '').strip(' .')
    return name or 'document'


def unique_names(names):
    """Return ``names`` made safe and distinct, in the same order.

    The second "report.pdf" becomes "report (2).pdf". Names are compared
    without case, as Windows and macOS file systems do when extracting.
    """
    taken, result = set(), []
    for name in names:
        candidate = safe_member_name(name)
        stem, extension = os.path.splitext(candidate)
        number = 1
        while candidate.lower() in taken:
            number += 1
            candidate = f'{stem} ({number}){extension}'
        taken.add(candidate.lower())
        result.append(candidate)
    return result


def iter_zip(members, block_size=ZIP_BLOCK_SIZE):
    """Yield the bytes of a ZIP archive of ``members``, as it is built.

    :param members: iterable of dicts with ``name`` (unique), ``open`` (a
        callable returning a readable binary file), ``size`` (bytes, to choose
        ZIP64 ahead for large members) and ``date_time`` (a 6-tuple)
    At most one block of a member is in memory at a time.
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, 'w', allowZip64=True) as archive:
        for member in members:
            info = zipfile.ZipInfo(member['name'], date_time=member['date_time'])
            extension = os.path.splitext(member['name'])[1].lstrip('.').lower()
            info.compress_type = zipfile.ZIP_STORED if extension in STORED_EXTENSIONS else zipfile.ZIP_DEFLATED
            info.file_size = member.get('size') or 0
            with member['open']() as source, archive.open(info, 'w') as target:
                while block := source.read(block_size):
                    target.write(block)
                    yield sink.drain()
            yield sink.drain()
    # Closing the archive wrote its central directory.
    yield sink.drain()
