"""File names as they come from senders, made safe to store and show.

A name is displayed in the Documents tab, the chatter and downloads: bidi
controls in it reverse what the user reads ('invoice\\u202efdp.jpg' shows as
'invoicegpj.pdf'), control characters are invisible or refused by
PostgreSQL (NUL), and file systems and ZIP tools refuse names over 255
characters.
"""
import os
import re
import unicodedata

MAX_FILE_NAME_LENGTH = 255
# Longer than this, what follows the last dot is part of the name, not an extension to keep.
MAX_EXTENSION_LENGTH = 16
# Bidi embeddings, overrides and isolates, and the LRM, RLM and ALM marks.
BIDI_CONTROLS = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c'
# Those, C0 and C1 controls (NUL included) and lone surrogates.
UNSAFE_FILE_NAME_RE = re.compile(f'[{BIDI_CONTROLS}\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff]')


def clean_file_name(name, max_length=MAX_FILE_NAME_LENGTH):
    """``name`` without bidi or control characters, trimmed and at most ``max_length`` characters.

    Composed (NFC), as macOS sends names decomposed: 'é' is then one
    character, and the same name compares equal whatever sent it. A name
    too long is shortened before its extension, which is kept so that the
    file still opens with the right application.

    :return: the clean name, '' when nothing is left (the caller names the file)
    """
    name = UNSAFE_FILE_NAME_RE.sub('', unicodedata.normalize('NFC', name or '')).strip()
    if len(name) <= max_length:
        return name
    stem, extension = os.path.splitext(name)
    if len(extension) > min(MAX_EXTENSION_LENGTH, max_length // 2):
        return name[:max_length].rstrip()
    return stem[:max_length - len(extension)].rstrip() + extension
