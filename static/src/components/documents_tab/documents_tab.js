import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { useFileViewer } from "@web/core/file_viewer/file_viewer_hook";
import { deserializeDateTime, toLocaleDateTimeString } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { AddDocumentsDialog } from "../add_documents_dialog/add_documents_dialog";
import { formatFileSize } from "../file_size_field/file_size_field";
import { DocumentRowMenu } from "../document_row_menu/document_row_menu";
import { DocumentRequests, openRequestDocumentsDialog } from "../document_requests/document_requests";
import {
    ContactDocumentFile,
    documentDownloadUrl,
    documentPreviewUrl,
    documentThumbnailUrl,
} from "./contact_document_file";

export const PAGE_SIZE = 40;
export const SEARCH_DELAY = 300;
// Above this, a picture whose thumbnail is not made yet shows its type icon: the tab never loads big files.
const INLINE_THUMBNAIL_MAX_SIZE = 256 * 1024;

/**
 * Every document of a contact, a page at a time: filters by direction with
 * their counts, a search by name, and per row a menu to preview, download or
 * delete. Managers also see the trash, where deleted documents wait to be
 * restored. Uploads go through the Add Documents modal.
 */
export class DocumentsTab extends Component {
    static template = "contact_documents.DocumentsTab";
    static components = { DocumentRowMenu, DocumentRequests };
    static props = {
        partnerId: Number,
        onChanged: { type: Function, optional: true },
    };

    setup() {
        this.orm = useService("orm");
        this.dialog = useService("dialog");
        this.notification = useService("notification");
        this.fileViewer = useFileViewer();
        // Not a direction: set apart from the filters of the directions, and shown to managers only.
        this.trashFilter = { key: "trash", label: _t("Trash") };
        // Not a direction either: what the contact sees on the customer portal.
        this.sharedFilter = { key: "shared", label: _t("Shared") };
        this.directionBadgeClasses = {
            internal: "text-bg-info",
            sent: "text-bg-warning",
            received: "text-bg-success",
        };
        this.state = useState({
            filter: "all",
            search: "",
            documents: [],
            counts: { all: 0, internal: 0, sent: 0, received: 0 },
            canDelete: false,
            canUpload: false,
            canShare: false,
            showContact: false,
            acceptedExtensions: [],
            acceptedMimetypes: {},
            maxUploadSize: 0,
            // The labels of the model's selections, as the server translates them.
            directionLabels: {},
            channelLabels: {},
            loading: true,
            loadingMore: false,
            newIds: [],
            // Bumped when a document request was sent: the open requests load again.
            requestsVersion: 0,
            selectedIds: [],
        });
        // Answers to superseded requests (a filter clicked while the search
        // was loading...) are dropped: only the latest one is shown.
        this.requestId = 0;
        this.debouncedLoad = useDebounced(() => this.load(), SEARCH_DELAY);
        onWillStart(() => this.load());
        onWillUpdateProps((nextProps) => {
            if (nextProps.partnerId !== this.props.partnerId) {
                this.state.filter = "all";
                this.state.search = "";
                this.debouncedLoad.cancel();
                return this.load({ partnerId: nextProps.partnerId });
            }
        });
    }

    // ------------------------------------------------------------------
    // Getters used by the template
    // ------------------------------------------------------------------

    get inTrash() {
        return this.state.filter === "trash";
    }

    /** "All", then one filter per direction, in the order of the model's selection. */
    get filters() {
        return [
            { key: "all", label: _t("All") },
            ...Object.entries(this.state.directionLabels).map(([key, label]) => ({ key, label })),
        ];
    }

    get directionLabels() {
        return this.state.directionLabels;
    }

    get channelLabels() {
        return this.state.channelLabels;
    }

    get total() {
        return this.state.counts[this.state.filter] || 0;
    }

    get hasMore() {
        return this.state.documents.length < this.total;
    }

    get shownLabel() {
        return _t("%(shown)s of %(total)s documents", {
            shown: this.state.documents.length,
            total: this.total,
        });
    }

    get emptyLabel() {
        if (this.state.search.trim()) {
            return _t("No document matches “%s”.", this.state.search.trim());
        }
        const emptyFilterLabels = {
            internal: _t("No internal documents."),
            sent: _t("No documents sent to this contact."),
            received: _t("No documents received from this contact."),
            trash: _t("The trash is empty."),
            shared: _t("No document is shared with this contact on the portal."),
        };
        if (this.state.filter !== "all") {
            return emptyFilterLabels[this.state.filter];
        }
        return _t("No documents yet. Add files, or send and receive them by email, SMS or chat.");
    }

    get statusLabel() {
        if (this.state.loading) {
            return _t("Loading documents…");
        }
        return _t("%s documents", this.total);
    }

    /** Selecting and downloading as ZIP: the ZIP route serves no document of the trash. */
    get inShared() {
        return this.state.filter === "shared";
    }

    get canZip() {
        return !this.inTrash;
    }

    get allSelected() {
        return (
            this.state.documents.length > 0 &&
            this.state.documents.every((doc) => this.state.selectedIds.includes(doc.id))
        );
    }

    get selectedZipUrl() {
        return zipUrl({ ids: this.state.selectedIds });
    }

    get filterZipUrl() {
        return zipUrl({ partnerId: this.props.partnerId, filter: this.state.filter, search: this.state.search });
    }

    get downloadSelectedLabel() {
        return _t("Download selected (%s)", this.state.selectedIds.length);
    }

    selectLabel(doc) {
        return _t("Select %s", doc.name);
    }

    filterLabel(filter) {
        return _t("%(filter)s: %(count)s documents", {
            filter: filter.label,
            count: this.state.counts[filter.key] || 0,
        });
    }

    /**
     * A thumbnail made by the server (pictures, PDF and Office files), or a small
     * picture shown as it is while its thumbnail is being made; else a type icon.
     */
    hasThumbnail(doc) {
        // A file whose name lied about its content is only ever downloaded: no thumbnail.
        if (doc.content_mismatch) {
            return false;
        }
        return doc.has_thumbnail || (doc.preview_kind === "image" && doc.file_size <= INLINE_THUMBNAIL_MAX_SIZE);
    }

    thumbnailUrl(doc) {
        return doc.has_thumbnail ? documentThumbnailUrl(doc.id) : documentPreviewUrl(doc.id);
    }

    summaryLabel(doc) {
        // What the hidden columns say, on a phone.
        const date = this.inTrash ? this.trashedLabel(doc) : this.dateLabel(doc);
        return [
            this.directionLabels[doc.direction],
            this.channelLabels[doc.channel] || doc.channel,
            this.sizeLabel(doc),
            date,
        ].join(" · ");
    }

    /** Where the file came from: "From <sender> · <channel>", or "Added by <user>" for an upload. */
    sourceLabel(doc) {
        return doc.source_label || "";
    }

    downloadUrl(doc) {
        return documentDownloadUrl(doc.id);
    }

    openLabel(doc) {
        return doc.is_previewable ? _t("Preview %s", doc.name) : _t("Download %s", doc.name);
    }

    sizeLabel(doc) {
        return formatFileSize(doc.file_size);
    }

    /** The date the Date column shows: when the document was added, or deleted in the trash. */
    shownDate(doc) {
        const date = this.inTrash ? doc.trashed_date : doc.create_date;
        return date ? deserializeDateTime(date) : null;
    }

    /** Date and time, as Odoo's lists show them ("Mar 4, 2025, 9:00 AM"; no year in the current one). */
    dateLabel(doc) {
        const date = this.shownDate(doc);
        return date ? toLocaleDateTimeString(date) : "";
    }

    dateTimeLabel(doc) {
        return this.inTrash ? this.trashedLabel(doc) : this.dateLabel(doc);
    }

    /** Who deleted the document, in the trash. */
    userLabel(doc) {
        return doc.trashed_uid ? doc.trashed_uid[1] : "";
    }

    trashedLabel(doc) {
        const dateLabel = this.dateLabel(doc);
        if (!doc.trashed_uid) {
            return _t("Deleted on %s", dateLabel);
        }
        return _t("Deleted on %(date)s by %(user)s", { date: dateLabel, user: doc.trashed_uid[1] });
    }

    // ------------------------------------------------------------------
    // Loading
    // ------------------------------------------------------------------

    async _fetch({ partnerId = this.props.partnerId, offset = 0 } = {}) {
        const search = this.state.search.trim();
        return this.orm.call("contact.document", "get_documents_tab_data", [partnerId], {
            // "trash" is not a direction: the server pages the deleted documents for it.
            direction: this.state.filter === "all" ? null : this.state.filter,
            search: search || null,
            offset,
            limit: PAGE_SIZE,
        });
    }

    _apply(data, { append = false } = {}) {
        if (!append) {
            this.state.selectedIds = [];
        }
        this.state.documents = append ? [...this.state.documents, ...data.documents] : data.documents;
        this.state.counts = data.counts;
        this.state.canDelete = data.can_delete;
        this.state.canUpload = data.can_upload;
        this.state.canShare = Boolean(data.can_share);
        this.state.showContact = data.show_contact;
        this.state.acceptedExtensions = data.accepted_extensions;
        this.state.acceptedMimetypes = data.accepted_mimetypes || {};
        this.state.maxUploadSize = data.max_upload_size;
        this.state.directionLabels = data.direction_labels;
        this.state.channelLabels = data.channel_labels;
    }

    /**
     * Load the first page for the current filter and search.
     */
    async load({ partnerId } = {}) {
        const requestId = ++this.requestId;
        this.state.loading = true;
        try {
            const data = await this._fetch({ partnerId });
            if (requestId === this.requestId) {
                this._apply(data);
            }
        } finally {
            if (requestId === this.requestId) {
                this.state.loading = false;
            }
        }
    }

    async loadMore() {
        const requestId = this.requestId;
        this.state.loadingMore = true;
        try {
            const data = await this._fetch({ offset: this.state.documents.length });
            if (requestId === this.requestId) {
                // Documents filed meanwhile shift the pages: never show one twice.
                const shown = new Set(this.state.documents.map((doc) => doc.id));
                data.documents = data.documents.filter((doc) => !shown.has(doc.id));
                this._apply(data, { append: true });
            }
        } finally {
            this.state.loadingMore = false;
        }
    }

    // ------------------------------------------------------------------
    // Handlers
    // ------------------------------------------------------------------

    toggleSelected(doc) {
        const selected = this.state.selectedIds;
        this.state.selectedIds = selected.includes(doc.id)
            ? selected.filter((id) => id !== doc.id)
            : [...selected, doc.id];
    }

    toggleAllSelected() {
        this.state.selectedIds = this.allSelected ? [] : this.state.documents.map((doc) => doc.id);
    }

    setFilter(key) {
        if (this.state.filter === key) {
            return;
        }
        if (key === "trash" || this.inTrash) {
            // Rows of the trash and of the other filters have different columns and
            // menus: never show the ones under the other's while the page loads.
            this.state.documents = [];
            this.state.selectedIds = [];
        }
        this.state.filter = key;
        this.debouncedLoad.cancel();
        this.load();
    }

    onSearchInput(ev) {
        this.state.search = ev.target.value;
        this.debouncedLoad();
    }

    onSearchKeydown(ev) {
        if (ev.key === "Enter") {
            this.debouncedLoad.cancel();
            this.load();
        }
    }

    openRequestDialog() {
        openRequestDocumentsDialog(this.env.services.action, this.props.partnerId, () => {
            this.state.requestsVersion++;
        });
    }

    openAddDialog() {
        this.dialog.add(AddDocumentsDialog, {
            partnerId: this.props.partnerId,
            acceptedExtensions: this.state.acceptedExtensions,
            acceptedMimetypes: this.state.acceptedMimetypes,
            maxUploadSize: this.state.maxUploadSize,
            canShare: this.state.canShare,
            onUploaded: (result) => this.onUploaded(result),
        });
    }

    async onUploaded({ documents, errors }) {
        // Uploads are internal documents: show them, whatever was on screen.
        if (!["all", "internal"].includes(this.state.filter)) {
            if (this.inTrash) {
                this.state.documents = [];
            }
            this.state.filter = "internal";
        }
        this.state.search = "";
        this.debouncedLoad.cancel();
        this.state.newIds = documents.map((doc) => doc.id);
        await this.load();
        this.notification.add(
            documents.length === 1
                ? _t("%s was added.", documents[0].name)
                : _t("%s documents were added.", documents.length),
            { type: "success" }
        );
        if (errors.length) {
            this.notification.add(errors.join("\n"), {
                title: _t("Some files were not added"),
                type: "warning",
                sticky: true,
            });
        }
        this.props.onChanged?.();
    }

    /** A click on a document's name: a preview when it has one, else the link downloads it. */
    onNameClick(ev, doc) {
        if (doc.is_previewable) {
            ev.preventDefault();
            this.previewDocument(doc);
        }
    }

    previewDocument(doc) {
        if (!doc.is_previewable) {
            return;
        }
        const files = this.state.documents
            .filter((other) => other.is_previewable)
            .map((other) => new ContactDocumentFile(other));
        this.fileViewer.open(
            files.find((file) => file.id === doc.id),
            files
        );
    }

    deleteDocument(doc) {
        this.dialog.add(ConfirmationDialog, {
            title: _t("Delete File"),
            body: _t("Delete “%s”? It is moved to the trash, where a manager can restore it.", doc.name),
            confirmLabel: _t("Delete"),
            confirmClass: "btn-danger",
            confirm: async () => {
                await this.orm.call("contact.document", "action_trash", [[doc.id]]);
                this._moveDocument(doc, { toTrash: true });
                this.notification.add(_t("%s was moved to the trash.", doc.name), { type: "success" });
                this.props.onChanged?.();
            },
            cancel: () => {},
        });
    }

    /**
     * Share on Portal (``shared`` true) or Stop Sharing: the row's chip and the
     * Shared filter's count follow; a row unshared leaves the Shared filter.
     */
    async shareDocument(doc, shared) {
        await this.orm.call("contact.document", shared ? "action_share" : "action_unshare", [[doc.id]]);
        const row = this.state.documents.find((other) => other.id === doc.id);
        if (row && row.is_shared !== shared) {
            row.is_shared = shared;
            this.state.counts = {
                ...this.state.counts,
                shared: Math.max(0, (this.state.counts.shared || 0) + (shared ? 1 : -1)),
            };
        }
        if (!shared && this.inShared) {
            this.state.documents = this.state.documents.filter((other) => other.id !== doc.id);
        }
        this.notification.add(
            shared
                ? _t("%s is shared with the contact on the portal.", doc.name)
                : _t("%s is no longer shared on the portal.", doc.name),
            { type: "success" }
        );
    }

    async restoreDocument(doc) {
        await this.orm.call("contact.document", "action_restore", [[doc.id]]);
        this._moveDocument(doc, { toTrash: false });
        this.notification.add(_t("%s was restored.", doc.name), { type: "success" });
        this.props.onChanged?.();
    }

    /**
     * Take a document out of the list shown, and move it between the counts
     * of its direction (and All) and the count of the trash.
     */
    _moveDocument(doc, { toTrash }) {
        this.state.documents = this.state.documents.filter((other) => other.id !== doc.id);
        this.state.selectedIds = this.state.selectedIds.filter((id) => id !== doc.id);
        const counts = { ...this.state.counts };
        const step = toTrash ? -1 : 1;
        counts[doc.direction] = Math.max(0, (counts[doc.direction] || 0) + step);
        counts.all = Math.max(0, (counts.all || 0) + step);
        if ("trash" in counts) {
            counts.trash = Math.max(0, counts.trash - step);
        }
        this.state.counts = counts;
    }
}

/**
 * The address of a ZIP of documents: the given ones, or every document of a
 * contact under a filter and a search, as the tab shows them. A plain link:
 * the browser saves the archive as it streams, never holding it in memory.
 *
 * @param {{ids?: number[], partnerId?: number, filter?: string, search?: string}} params
 */
export function zipUrl({ ids, partnerId, filter = "all", search = "" }) {
    const params = new URLSearchParams();
    if (ids) {
        params.set("ids", ids.join(","));
    } else {
        params.set("partner_id", partnerId);
        if (filter !== "all") {
            params.set("direction", filter);
        }
        if (search) {
            params.set("search", search);
        }
    }
    return `/contact_documents/zip?${params}`;
}

/**
 * The Documents tab as a field widget of the contact form, placed on ``id``
 * so that the form loads nothing of the documents itself.
 */
export class DocumentsTabField extends Component {
    static template = "contact_documents.DocumentsTabField";
    static components = { DocumentsTab };
    static props = { ...standardFieldProps };

    async onChanged() {
        // Refresh the smart button's count, unless that would drop the user's edits.
        const record = this.props.record;
        if (!(await record.isDirty())) {
            await record.load();
        }
    }
}

export const documentsTabField = {
    component: DocumentsTabField,
    displayName: _t("Contact Documents"),
    supportedTypes: ["integer"],
};

registry.category("fields").add("contact_documents_tab", documentsTabField);
