/**
 * The one file size format of the product, shared by the back end's field
 * widget and the portal's upload area (which cannot load field widgets).
 */

const SIZE_UNITS = ["bytes", "KB", "MB", "GB", "TB"];

/**
 * A file size the way the product shows it everywhere: "1 byte", "589 bytes",
 * "2.8 KB", "30 KB", "250 MB". The same rule as tools/sizes.py, which
 * tests/test_chatter_and_sizes.py checks this function against: 1 KB is 1024
 * bytes; one decimal while the rounded value is under 10, none from 10; halves
 * round up.
 *
 * @param {number} size in bytes
 * @returns {string}
 */
export function formatFileSize(size) {
    let value = Math.max(Math.trunc(size || 0), 0);
    if (value === 1) {
        return "1 byte";
    }
    let unit = 0;
    while (value >= 1023.5 && unit < SIZE_UNITS.length - 1) {
        value /= 1024;
        unit++;
    }
    if (!unit) {
        return `${value} bytes`;
    }
    const tenths = Math.floor(value * 10 + 0.5);
    if (tenths < 100) {
        return `${Math.floor(tenths / 10)}.${tenths % 10} ${SIZE_UNITS[unit]}`;
    }
    return `${Math.floor(value + 0.5)} ${SIZE_UNITS[unit]}`;
}
