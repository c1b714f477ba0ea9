import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { ContactDocumentFile } from "../documents_tab/contact_document_file";

/**
 * The document's preview on its form, as Odoo's file viewer shows it (PDF.js
 * for a PDF or an Office file's rendition, the image itself, a player for
 * audio and video), read through the addon's preview route: the
 * route checks access through the contact and records the download.
 * Placed on ``id``; the form hides it for documents without a preview.
 */
export class DocumentPreviewField extends Component {
    static template = "contact_documents.DocumentPreviewField";
    static props = { ...standardFieldProps };

    get file() {
        const data = this.props.record.data;
        return new ContactDocumentFile({
            id: this.props.record.resId,
            name: data.name,
            mimetype: data.mimetype,
            preview_kind: data.preview_kind,
        });
    }

    get label() {
        return _t("Preview of %s", this.props.record.data.name);
    }
}

export const documentPreviewField = {
    component: DocumentPreviewField,
    displayName: _t("Document Preview"),
    supportedTypes: ["integer"],
    fieldDependencies: [
        { name: "name", type: "char" },
        { name: "mimetype", type: "char" },
        { name: "preview_kind", type: "selection" },
    ],
};

registry.category("fields").add("contact_documents_preview", documentPreviewField);
