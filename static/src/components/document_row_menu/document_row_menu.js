import { Component } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { useDropdownState } from "@web/core/dropdown/dropdown_hooks";
import { _t } from "@web/core/l10n/translation";
import { documentDownloadUrl } from "../documents_tab/contact_document_file";

/**
 * The three-dot menu of a row of the Documents tab: Preview, Download, Share
 * on Portal or Stop Sharing (for users who can edit the contact) and, for
 * managers, Delete File (which moves the file to the trash). In the trash,
 * Restore takes the place of Delete File.
 */
export class DocumentRowMenu extends Component {
    static template = "contact_documents.DocumentRowMenu";
    static components = { Dropdown, DropdownItem };
    static props = {
        document: Object,
        canDelete: Boolean,
        inTrash: { type: Boolean, optional: true },
        onPreview: Function,
        onDelete: Function,
        onRestore: { type: Function, optional: true },
        // Share on Portal / Stop Sharing, for users who can edit the contact: onShare(document, shared)
        canShare: { type: Boolean, optional: true },
        onShare: { type: Function, optional: true },
    };

    setup() {
        this.dropdownState = useDropdownState();
    }

    get toggleLabel() {
        return _t("Actions for %s", this.props.document.name);
    }

    get downloadUrl() {
        return documentDownloadUrl(this.props.document.id);
    }

    /** Why an Office file has no preview (yet): the menu says so, and Download still opens it. */
    get previewNote() {
        if (this.props.document.is_previewable) {
            return "";
        }
        const notes = {
            pending: _t("Preview being prepared…"),
            failed: _t("No preview: this file could not be converted."),
            unavailable: _t("No preview: LibreOffice is not installed on the server."),
        };
        return notes[this.props.document.preview_state] || "";
    }

    onDownloadClick() {
        // A real link, so that the browser downloads the file (and "Save link
        // as" works); the menu closes once the click is done.
        this.dropdownState.close();
    }
}
