import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { formatFileSize } from "../../services/file_size";

// The rule lives in services/file_size.js, which the portal's bundle loads too.
export { formatFileSize };

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
