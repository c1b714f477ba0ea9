"""What a file is, decided by its content, and the name it is filed under.

Every file that enters (email, SMS/MMS, Messenger, Instagram, the events
webhook, uploads) is typed here from its first bytes, whatever its name or
its sender says. A name is only changed when its extension contradicts the
content: ``invoice.pdf`` that is a Windows executable is filed as
``invoice.pdf.exe``. Text and unknown binary content keep their name, and a
name without extension claims nothing.

Pure functions over the head of a file, tested without a database.
"""
import functools
import mimetypes

from odoo.tools.mimetypes import MIMETYPE_HEAD_SIZE, get_extension, guess_mimetype

from .file_types import OLE_SIGNATURE, ZIP_SIGNATURE

_WINDOWS_EXECUTABLE = ('.exe', '.dll', '.com', '.scr', '.sys', '.cpl', '.ocx', '.drv', '.efi', '.mui', '.ax', '.pif')
_ELF = ('.elf', '.so', '.o', '.ko', '.bin', '.run', '.out', '.axf', '.prx')
_BMP = ('.bmp', '.dib')
_RAR = ('.rar',)

# Binary content told by its signature -> the extensions a name may have for it;
# the first one is added to a name that says otherwise.
SIGNED_TYPES = {
    'application/pdf': ('.pdf',),
    'image/png': ('.png',),
    'image/jpeg': ('.jpg', '.jpeg', '.jpe', '.jfif', '.pjpeg', '.pjp'),
    'image/gif': ('.gif',),
    'image/webp': ('.webp',),
    'image/bmp': _BMP,
    'image/x-ms-bmp': _BMP,
    'image/tiff': ('.tif', '.tiff'),
    'application/x-dosexec': _WINDOWS_EXECUTABLE,
    'application/vnd.microsoft.portable-executable': _WINDOWS_EXECUTABLE,
    'application/x-msdownload': _WINDOWS_EXECUTABLE,
    'application/x-executable': _ELF,
    'application/x-sharedlib': _ELF,
    'application/x-pie-executable': _ELF,
    'application/x-mach-binary': ('.macho', '.dylib', '.bundle'),
    'application/x-msi': ('.msi', '.msp', '.mst'),
    'application/x-ms-shortcut': ('.lnk',),
    'application/vnd.ms-cab-compressed': ('.cab',),
    'application/gzip': ('.gz', '.tgz', '.svgz', '.emz', '.wmz'),
    'application/x-bzip2': ('.bz2', '.tbz2', '.tbz'),
    'application/x-xz': ('.xz', '.txz'),
    'application/x-7z-compressed': ('.7z',),
    'application/x-rar': _RAR,
    'application/vnd.rar': _RAR,
    'application/x-tar': ('.tar',),
}
# Markup found in text, which a browser would render -> the extensions a name may have for it.
# Text is only said to contradict a name that claims a binary type (``.pdf``, ``.jpg``):
# a ``.txt`` or an ``.eml`` may hold tags.
MARKUP_TYPES = {
    'text/html': ('.html', '.htm', '.shtml', '.xhtml', '.xht'),
    'image/svg+xml': ('.svg', '.svgz'),
}
# Formats that are ZIP archives, or OLE2 compound files: the first bytes are the
# same for all of them, so any of their extensions fits such content.
ZIP_EXTENSIONS = frozenset({
    '.zip', '.docx', '.docm', '.dotx', '.dotm', '.xlsx', '.xlsm', '.xltx', '.xltm', '.xlsb', '.xlam',
    '.pptx', '.pptm', '.potx', '.potm', '.ppsx', '.ppsm', '.ppam', '.vsdx', '.vsdm', '.odt', '.ods', '.odp',
    '.odg', '.odf', '.odc', '.odb', '.ott', '.ots', '.otp', '.otg', '.epub', '.jar', '.war', '.ear', '.apk',
    '.aab', '.xpi', '.kmz', '.3mf', '.ipa', '.whl', '.nupkg', '.xps', '.oxps', '.cbz', '.appx', '.msix',
    '.idml', '.usdz', '.key', '.pages', '.numbers',
})
OLE_EXTENSIONS = frozenset({
    '.doc', '.dot', '.wiz', '.xls', '.xlt', '.xla', '.xlm', '.xlw', '.xlb', '.ppt', '.pps', '.pot', '.msg',
    '.oft', '.vsd', '.vss', '.vst', '.pub', '.mpp', '.wps', '.one',
})
# What the sniffer names OLE2 files that Python's mimetypes has no extension for.
_OLE_EXTENSIONS_BY_TYPE = {'application/vnd.ms-outlook': '.msg'}
# Added to a lying name when the content has no extension of its own.
UNKNOWN_EXTENSION = '.bin'
# What tells nothing of a file's content.
GENERIC_MIMETYPES = frozenset({
    '', 'application/octet-stream', 'binary/octet-stream', 'application/x-empty', 'inode/x-empty',
})
# Subtypes of application/* (and the like) that are text.
_TEXT_SUBTYPES = frozenset({
    'json', 'xml', 'javascript', 'x-javascript', 'ecmascript', 'rtf', 'x-sh', 'x-csh', 'sql', 'x-tex',
    'x-latex', 'x-httpd-php', 'x-perl', 'x-python', 'x-ruby', 'yaml', 'x-yaml', 'toml', 'x-subrip', 'csv',
    'x-ndjson', 'pgp-signature', 'pgp-keys', 'x-pem-file', 'x-x509-ca-cert',
})


@functools.lru_cache(maxsize=64)
def sniff_mimetype(head):
    """What libmagic tells of ``head`` (bytes), lowercased, '' for nothing.

    Remembered for the last few heads: a file is typed at several steps of
    its filing (the download's check, then the filing itself), and libmagic
    costs more than everything else done with a small file.
    """
    return (guess_mimetype(head, default='') or '').lower() if head else ''


def type_by_content(name, head, declared_mimetype=None):
    """The name and type to file a file under, decided by its content, and whether its name lied.

    :param name: the file's name, as its sender gave it (already cleaned)
    :param head: the first bytes of the file (``MIMETYPE_HEAD_SIZE`` of them are read)
    :param declared_mimetype: the type its sender announced, if any; only
        trusted where the content is no definite type and does not belie it
    :return: ``(name, mimetype, mismatch)``: ``mismatch`` is True when the
        name's extension contradicts the content, and the name returned then
        ends with the content's own extension
    """
    name = name or ''
    head = bytes(head[:MIMETYPE_HEAD_SIZE])
    sniffed = sniff_mimetype(head)
    extension = get_extension(name)
    name_type = (mimetypes.guess_type(name)[0] or '').lower() if extension else ''
    definite = _definite_content(sniffed, head)
    if definite:
        content_type, fitting, own_extension, container = definite
        if not extension or extension in fitting:
            # A package's name tells which of its kind it is (a .xlsx from any ZIP).
            return name, (name_type or content_type) if container else content_type, False
        if content_type not in MARKUP_TYPES or _claims_binary(extension, name_type):
            return name + own_extension, content_type, True
    return name, _plausible_type(sniffed, declared_mimetype, name_type), False


def _definite_content(sniffed, head):
    """(its type, the extensions fitting it, the extension to add to a lying name, whether
    it is a container format) when the content is of a definite type, else None."""
    for types in (SIGNED_TYPES, MARKUP_TYPES):
        if sniffed in types:
            return sniffed, types[sniffed], types[sniffed][0], False
    specific = sniffed if sniffed not in GENERIC_MIMETYPES else None
    if head.startswith(ZIP_SIGNATURE) or sniffed == 'application/zip':
        own = mimetypes.guess_extension(specific) if specific else None
        return specific or 'application/zip', ZIP_EXTENSIONS, own if own in ZIP_EXTENSIONS else '.zip', True
    if head.startswith(OLE_SIGNATURE):
        own = _OLE_EXTENSIONS_BY_TYPE.get(specific) or (mimetypes.guess_extension(specific) if specific else None)
        return (specific or 'application/x-ole-storage', OLE_EXTENSIONS,
                own if own in OLE_EXTENSIONS else UNKNOWN_EXTENSION, True)
    return None


def _claims_binary(extension, name_type):
    """Whether a name with this extension says its file is binary (a PDF, a picture, a program)."""
    if any(extension in fitting for fitting in SIGNED_TYPES.values()):
        return True
    if extension in ZIP_EXTENSIONS or extension in OLE_EXTENSIONS:
        return True
    return bool(name_type) and not is_text_type(name_type)


def _plausible_type(sniffed, declared_mimetype, name_type):
    """The type of content that is no definite type: what the sniffer found, or what the sender said.

    The sender's word (the announced type, else the name's) is never taken
    for a type the content would show by its signature (a PDF, a picture,
    HTML): a file is only ever typed, hence previewed, as one if it is one.
    """
    if sniffed not in GENERIC_MIMETYPES and not is_text_type(sniffed):
        return sniffed  # binary content the sniffer knows: a video, a sound...
    for candidate in (declared_mimetype, name_type):
        candidate = (candidate or '').split(';', 1)[0].strip().lower()
        if (candidate not in GENERIC_MIMETYPES and not candidate.endswith('/*')
                and candidate not in SIGNED_TYPES and candidate not in MARKUP_TYPES):
            return candidate
    return sniffed if sniffed not in GENERIC_MIMETYPES else 'application/octet-stream'


def is_markup_name(name):
    """Whether ``name`` says its file is markup a browser would render (HTML, SVG), whatever it holds."""
    extension = get_extension(name or '')
    return any(extension in extensions for extensions in MARKUP_TYPES.values())


def is_text_type(mimetype):
    """Whether files of ``mimetype`` are text (plain, CSV, JSON, XML, an email...)."""
    maintype, _sep, subtype = (mimetype or '').partition('/')
    return maintype in ('text', 'message') or subtype in _TEXT_SUBTYPES or subtype.endswith(('+xml', '+json'))
