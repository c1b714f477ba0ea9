import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

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

/** A read-only integer field holding a count of bytes, shown with formatFileSize. */
export class FileSizeField extends Component {
    static template = "contact_documents.FileSizeField";
    static props = { ...standardFieldProps };

    get formattedValue() {
        const value = this.props.record.data[this.props.name];
        return value === false ? "" : formatFileSize(value);
    }
}

export const fileSizeField = {
    component: FileSizeField,
    displayName: _t("File Size"),
    supportedTypes: ["integer"],
};

registry.category("fields").add("contact_documents_file_size", fileSizeField);
