"""Which files a user may upload, decided by extension *and* content.

Pure functions over a seekable binary stream, so they can be tested without
HTTP and never need the whole file in memory.
"""
import os
import struct
import zipfile
import zlib

import olefile
from lxml import etree

from odoo.tools.mimetypes import MIMETYPE_HEAD_SIZE, guess_mimetype
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

MAX_UPLOAD_SIZE = 250 * 1024 * 1024

OLE_SIGNATURE = b'\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1'
ZIP_SIGNATURE = b'PK\x03\x04'

WORD_MAIN_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml'
POWERPOINT_MAIN_TYPE = 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml'

# extension -> (canonical mimetype, what the content must be). The one list of
# accepted types: the upload checks, the refusal messages and the Add Documents
# modal (through the Documents tab's data) all read it; a type's label is its
# extension in capitals.
ACCEPTED_TYPES = {
    'pdf': ('application/pdf', 'pdf'),
    'png': ('image/png', 'png'),
    'jpg': ('image/jpeg', 'jpeg'),
    'jpeg': ('image/jpeg', 'jpeg'),
    'gif': ('image/gif', 'gif'),
    # An OLE2 compound file holding the stream named after the colon.
    'doc': ('application/msword', 'ole:WordDocument'),
    'ppt': ('application/vnd.ms-powerpoint', 'ole:PowerPoint Document'),
    # An Office Open XML package whose main part has the content type after the colon.
    'docx': ('application/vnd.openxmlformats-officedocument.wordprocessingml.document', f'ooxml:{WORD_MAIN_TYPE}'),
    'pptx': ('application/vnd.openxmlformats-officedocument.presentationml.presentation', f'ooxml:{POWERPOINT_MAIN_TYPE}'),
}
ACCEPTED_EXTENSIONS = tuple(sorted(ACCEPTED_TYPES))

# What a file is, in words a user knows ("PDF document"), by mimetype: every
# screen (the Documents tab, the lists, the form) reads it through
# contact.document's type_label. Types not listed fall back to their family.
TYPE_LABELS = {
    'application/pdf': _lt("PDF document"),
    'application/msword': _lt("Word document"),
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': _lt("Word document"),
    'application/vnd.oasis.opendocument.text': _lt("OpenDocument text"),
    'application/rtf': _lt("Rich Text document"),
    'application/vnd.ms-powerpoint': _lt("PowerPoint presentation"),
    'application/vnd.openxmlformats-officedocument.presentationml.presentation': _lt("PowerPoint presentation"),
    'application/vnd.oasis.opendocument.presentation': _lt("OpenDocument presentation"),
    'application/vnd.ms-excel': _lt("Excel spreadsheet"),
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': _lt("Excel spreadsheet"),
    'application/vnd.oasis.opendocument.spreadsheet': _lt("OpenDocument spreadsheet"),
    'text/csv': _lt("CSV file"),
    'text/plain': _lt("Text file"),
    'message/rfc822': _lt("Email message"),
    'application/zip': _lt("ZIP archive"),
    'image/png': _lt("PNG image"),
    'image/jpeg': _lt("JPEG image"),
    'image/gif': _lt("GIF image"),
    'image/webp': _lt("WebP image"),
    'image/heic': _lt("HEIC image"),
    'image/svg+xml': _lt("SVG image"),
    'audio/mpeg': _lt("MP3 audio"),
    'audio/ogg': _lt("Ogg audio"),
    'audio/amr': _lt("AMR audio"),
    'video/mp4': _lt("MP4 video"),
    'video/quicktime': _lt("QuickTime video"),
}
TYPE_FAMILY_LABELS = {
    'image': _lt("Image"),
    'audio': _lt("Audio"),
    'video': _lt("Video"),
    'text': _lt("Text file"),
}
OTHER_TYPE_LABEL = _lt("File")


def type_label(mimetype):
    """What a file of ``mimetype`` is, for a user: a lazy translatable label (``env._(label)`` translates it)."""
    mimetype = (mimetype or '').split(';', 1)[0].strip().lower()
    return TYPE_LABELS.get(mimetype) or TYPE_FAMILY_LABELS.get(mimetype.split('/', 1)[0]) or OTHER_TYPE_LABEL


# Only these are ever shown inline by the browser, each as its kind of preview (the
# web client's file viewer shows it so); everything else is a download. Text is served
# as text/plain, never as what it claims to be. Office files are shown through their
# PDF rendition (tools/office_conversion.py). AMR voice notes are not here: no browser
# plays them.
PREVIEW_KINDS = {
    'application/pdf': 'pdf',
    'image/png': 'image',
    'image/jpeg': 'image',
    'image/gif': 'image',
    'image/webp': 'image',
    'video/mp4': 'video',
    'video/webm': 'video',
    'video/quicktime': 'video',
    'audio/mpeg': 'audio',
    'audio/mp4': 'audio',
    'audio/x-m4a': 'audio',
    'audio/m4a': 'audio',
    'audio/aac': 'audio',
    'audio/ogg': 'audio',
    'audio/opus': 'audio',
    'audio/webm': 'audio',
    'audio/wav': 'audio',
    'audio/x-wav': 'audio',
    'text/plain': 'text',
    'text/csv': 'text',
}
PREVIEWABLE_MIMETYPES = frozenset(PREVIEW_KINDS)

_MAGIC_FAMILIES = {
    'application/pdf': 'pdf',
    'image/png': 'png',
    'image/jpeg': 'jpeg',
    'image/gif': 'gif',
}

# olefile reads an OLE2 file's header, sector allocation table and directory
# (never the streams' contents, to tell whether a stream exists). For a real
# document that is a few KB, and 2 MB of allocation table for a 250 MB one; a
# crafted file could chain its directory over the whole file, which olefile
# would read into memory: it may read no more than this.
MAX_OLE_METADATA_READ = 16 * 1024 * 1024

CONTENT_TYPES_PART = '[Content_Types].xml'
CONTENT_TYPES_NAMESPACE = 'http://schemas.openxmlformats.org/package/2006/content-types'
# Office writes a few KB; one line per part, so a thousand slides stay far below this.
MAX_CONTENT_TYPES_SIZE = 1024 * 1024
# A package carrying VBA declares its project (vbaProject.bin) or its data with
# these content types (compared in lower case), and its main part with a
# macro-enabled type: "application/vnd.ms-word.document.macroEnabled.main+xml"
# (.docm), "...word.template.macroEnabledTemplate.main+xml" (.dotm),
# "...powerpoint.presentation.macroEnabled.main+xml" (.pptm), and so on.
VBA_CONTENT_TYPES = frozenset({'application/vnd.ms-office.vbaproject', 'application/vnd.ms-word.vbadata+xml'})
MACRO_ENABLED_MARKER = 'macroenabled'
VBA_PROJECT_NAME = 'vbaproject.bin'

# [Content_Types].xml is read from an untrusted file: no DTD, no entity, no network.
_CONTENT_TYPES_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False)
# What olefile, zipfile and lxml raise on a file that is not what it claims to be.
_MALFORMED_OLE_ERRORS = (OSError, EOFError, ValueError, IndexError, KeyError, struct.error, RecursionError)
_MALFORMED_ZIP_ERRORS = (
    zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError,
    etree.XMLSyntaxError)


class RefusedFile(ValueError):
    """The file cannot be filed; ``args[0]`` is the reason: 'type', 'empty',
    'size', 'content' or 'macros'."""


class _ReadLimitExceeded(OSError):
    """A parser wanted more of a file than its metadata can take."""


class _BoundedReader:
    """A binary stream that refuses to hand out more than ``limit`` bytes in all."""

    def __init__(self, stream, limit):
        self._stream = stream
        self._left = limit

    def read(self, size=-1):  # pylint: disable=method-required-super
        if size is None or size < 0 or size > self._left:
            # One byte more than allowed tells a read that fits from one that does not.
            size = self._left + 1
        data = self._stream.read(size)
        self._left -= len(data)
        if self._left < 0:
            raise _ReadLimitExceeded("the file's metadata is larger than any real document's")
        return data

    def seek(self, offset, whence=os.SEEK_SET):
        return self._stream.seek(offset, whence)

    def tell(self):
        return self._stream.tell()

    @property
    def closed(self):
        return getattr(self._stream, 'closed', False)


def file_extension(filename):
    return os.path.splitext(filename or '')[1].lstrip('.').lower()


def stream_size(stream):
    """Size of a seekable stream without reading it."""
    position = stream.tell()
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def _content_matches(stream, head, family):
    """Whether the content of ``stream`` (starting with ``head``) is of ``family``.

    :raise RefusedFile: 'macros' for an Office Open XML package that holds VBA
    """
    kind, _sep, detail = family.partition(':')
    if kind == 'ole':
        return head.startswith(OLE_SIGNATURE) and _ole_has_stream(stream, detail)
    if kind == 'ooxml':
        return head.startswith(ZIP_SIGNATURE) and _ooxml_main_type(stream) == detail
    return _MAGIC_FAMILIES.get(guess_mimetype(head, default='application/octet-stream')) == kind


def _ole_has_stream(stream, name):
    """Whether the OLE2 compound file ``stream`` has a top-level stream ``name``.

    Every OLE2 file starts with the same 8 bytes (an Excel workbook, an MSI
    installer...): only its directory tells a Word document ("WordDocument")
    from a PowerPoint one ("PowerPoint Document") or anything else. olefile
    parses it from the file object, reading the header, the allocation table
    and the directory, at most MAX_OLE_METADATA_READ bytes.
    """
    try:
        with olefile.OleFileIO(_BoundedReader(stream, MAX_OLE_METADATA_READ)) as ole:
            return ole.get_type(name) == olefile.STGTY_STREAM
    except _MALFORMED_OLE_ERRORS:
        return False
    finally:
        stream.seek(0)


def _ooxml_main_type(stream):
    """The content type of the main part of an Office Open XML package, or None.

    Odoo's own guess only looks at the first bytes, which cannot tell a DOCX
    from any ZIP: the directory of a ZIP sits at its end, and what the package
    is, its main part's content type, is declared in ``[Content_Types].xml``.
    None for a ZIP that is no package, or whose main part is missing or not
    the only one.

    :raise RefusedFile: 'macros' when the package holds a VBA project or
        declares a macro-enabled main part, whatever else it is
    """
    try:
        with zipfile.ZipFile(stream) as package:
            names = package.namelist()
            declared = _read_content_types(package)
    except _MALFORMED_ZIP_ERRORS:
        return None
    finally:
        stream.seek(0)
    if declared is None:
        return None
    content_types, overrides = declared
    if (
        any(name.rsplit('/', 1)[-1].lower() == VBA_PROJECT_NAME for name in names)
        or content_types & VBA_CONTENT_TYPES
        or any(MACRO_ENABLED_MARKER in content_type for content_type in content_types)
    ):
        raise RefusedFile('macros')
    members = {name.lower() for name in names}
    main_parts = [
        (part_name, content_type) for part_name, content_type in overrides.items()
        if content_type.endswith('.main+xml')
    ]
    if len(main_parts) != 1 or main_parts[0][0].lstrip('/').lower() not in members:
        return None
    return main_parts[0][1]


def _read_content_types(package):
    """What ``[Content_Types].xml`` declares, content types in lower case (as
    they compare): (every content type, {part name: content type} of its
    overrides), or None if it has none or is too large.

    :param package: an open zipfile.ZipFile
    """
    try:
        info = package.getinfo(CONTENT_TYPES_PART)
    except KeyError:
        return None
    if info.file_size > MAX_CONTENT_TYPES_SIZE:
        return None
    with package.open(info) as member:
        # The declared size may lie: what counts is how much it inflates to.
        data = member.read(MAX_CONTENT_TYPES_SIZE + 1)
    if len(data) > MAX_CONTENT_TYPES_SIZE:
        return None
    root = etree.fromstring(data, parser=_CONTENT_TYPES_PARSER)
    if root.tag != f'{{{CONTENT_TYPES_NAMESPACE}}}Types':
        return None
    content_types, overrides = set(), {}
    for element in root.iterchildren(f'{{{CONTENT_TYPES_NAMESPACE}}}Default', f'{{{CONTENT_TYPES_NAMESPACE}}}Override'):
        content_type = (element.get('ContentType') or '').lower()
        content_types.add(content_type)
        if element.tag == f'{{{CONTENT_TYPES_NAMESPACE}}}Override':
            overrides[element.get('PartName') or ''] = content_type
    return content_types, overrides


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
    if not _content_matches(stream, head, expected_family):
        raise RefusedFile('content')
    return mimetype
