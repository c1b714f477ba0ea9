"""Which files a user may upload, decided by extension *and* content.

Pure functions over a seekable binary stream, so they can be tested without
HTTP and never need the whole file in memory.
"""
import os
import zipfile

from odoo.tools.mimetypes import MIMETYPE_HEAD_SIZE, guess_mimetype

MAX_UPLOAD_SIZE = 250 * 1024 * 1024

OLE_SIGNATURE = b'\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1'
ZIP_SIGNATURE = b'PK\x03\x04'

# extension -> (canonical mimetype, content family the bytes must belong to)
ACCEPTED_TYPES = {
    'pdf': ('application/pdf', 'pdf'),
    'png': ('image/png', 'png'),
    'jpg': ('image/jpeg', 'jpeg'),
    'jpeg': ('image/jpeg', 'jpeg'),
    'gif': ('image/gif', 'gif'),
    'doc': ('application/msword', 'ole'),
    'ppt': ('application/vnd.ms-powerpoint', 'ole'),
    'docx': ('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'ooxml:word/'),
    'pptx': ('application/vnd.openxmlformats-officedocument.presentationml.presentation', 'ooxml:ppt/'),
}
ACCEPTED_EXTENSIONS = tuple(sorted(ACCEPTED_TYPES))

# Only these are ever rendered inline by the browser; everything else is a download.
PREVIEWABLE_MIMETYPES = frozenset({'application/pdf', 'image/png', 'image/jpeg', 'image/gif'})

_MAGIC_FAMILIES = {
    'application/pdf': 'pdf',
    'image/png': 'png',
    'image/jpeg': 'jpeg',
    'image/gif': 'gif',
}


class RefusedFile(ValueError):
    """The file cannot be filed; ``args[0]`` is a reason fit for the user."""


def file_extension(filename):
    return os.path.splitext(filename or '')[1].lstrip('.').lower()


def stream_size(stream):
    """Size of a seekable stream without reading it."""
    position = stream.tell()
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def _content_family(stream, head):
    if head.startswith(OLE_SIGNATURE):
        return 'ole'
    if head.startswith(ZIP_SIGNATURE):
        return _ooxml_family(stream)
    return _MAGIC_FAMILIES.get(guess_mimetype(head, default='application/octet-stream'))


def _ooxml_family(stream):
    """'ooxml:word/' or 'ooxml:ppt/' for an Office Open XML package, else None.

    Odoo's own guess only looks at the first bytes, which cannot tell a DOCX
    from any ZIP: the directory of a ZIP sits at its end.
    """
    try:
        with zipfile.ZipFile(stream) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    finally:
        stream.seek(0)
    if '[Content_Types].xml' not in names:
        return None
    for root in ('word/', 'ppt/'):
        if any(name.startswith(root) for name in names):
            return f'ooxml:{root}'
    return None


def check_upload(filename, stream, max_size=MAX_UPLOAD_SIZE):
    """Return the mimetype to store for an uploaded file, or raise RefusedFile.

    :param filename: the name the user gave the file
    :param stream: a seekable binary stream positioned at 0; left at 0
    """
    extension = file_extension(filename)
    if extension not in ACCEPTED_TYPES:
        raise RefusedFile('type')
    size = stream_size(stream)
    if size == 0:
        raise RefusedFile('empty')
    if size > max_size:
        raise RefusedFile('size')
    mimetype, expected_family = ACCEPTED_TYPES[extension]
    head = stream.read(MIMETYPE_HEAD_SIZE)
    stream.seek(0)
    if _content_family(stream, head) != expected_family:
        raise RefusedFile('content')
    return mimetype
