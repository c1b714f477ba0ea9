"""File names safe to show, store and extract (placeholder until the channel hardening lands)."""
import os
import re
import unicodedata

BIDI_CONTROLS = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c'
_UNSAFE_RE = re.compile(f'[{BIDI_CONTROLS}\\x00-\\x1f\\x7f-\\x9f]')


def clean_file_name(name, max_length=255):
    name = _UNSAFE_RE.sub('', unicodedata.normalize('NFC', name or '')).strip()
    if len(name) <= max_length:
        return name
    stem, extension = os.path.splitext(name)
    if len(extension) >= max_length // 2:
        return name[:max_length]
    return stem[:max_length - len(extension)] + extension
