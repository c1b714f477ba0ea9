"""File sizes as the product shows them, everywhere: "1 byte", "589 bytes", "2.8 KB", "30 KB", "250 MB".

The rule, shared with the front end (static/src/components/file_size_field/file_size_field.js,
checked against this one by tests/test_chatter_and_sizes.py):

- 1 KB is 1024 bytes, 1 MB 1024 KB, and so on up to TB;
- under 1 KB, the exact count of bytes ("1 byte", "589 bytes");
- from 1 KB, the largest unit the size reaches once rounded, with one decimal
  while the rounded value is under 10 ("2.8 KB") and none from 10 ("30 KB");
- halves round up, the same in Python and JavaScript (no banker's rounding).
"""
import math

SIZE_UNITS = ('bytes', 'KB', 'MB', 'GB', 'TB')


def format_file_size(size):
    """``size`` (a count of bytes) the way the product shows it: see the module's docstring."""
    value = max(int(size or 0), 0)
    if value == 1:
        return "1 byte"
    unit = 0
    while value >= 1023.5 and unit < len(SIZE_UNITS) - 1:
        value /= 1024
        unit += 1
    if not unit:
        return f"{value} bytes"
    tenths = math.floor(value * 10 + 0.5)
    if tenths < 100:
        return f"{tenths // 10}.{tenths % 10} {SIZE_UNITS[unit]}"
    return f"{math.floor(value + 0.5)} {SIZE_UNITS[unit]}"
