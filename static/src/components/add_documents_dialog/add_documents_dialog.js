import { Component, useEffect, useRef, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { useChildRef, useService } from "@web/core/utils/hooks";
import { acceptedTypesLabel, fileRefusal, formatFileSize } from "./file_checks";

export const UPLOAD_ROUTE = "/contact_documents/upload";
const FINAL_UPLOAD_STATES = ["loaded", "error", "abort"];

/**
 * The Add Documents modal: the user chooses files (or drops them anywhere on
 * the modal), sees which ones will be refused and why, and uploads the others
 * in one request, with its progress.
 */
export class AddDocumentsDialog extends Component {
    static template = "contact_documents.AddDocumentsDialog";
    static components = { Dialog };
    static props = {
        partnerId: Number,
        acceptedExtensions: { type: Array, element: String },
        maxUploadSize: Number,
        onUploaded: Function,
        close: Function,
    };

    setup() {
        this.fileUpload = useService("file_upload");
        this.modalRef = useChildRef();
        this.fileInputRef = useRef("fileInput");
        this.nextFileId = 1;
        this.state = useState({
            files: [],
            dragging: false,
            upload: null,
            serverErrors: [],
        });
        // The whole modal is the drop zone, so a file dropped a little off
        // target is never opened by the browser in place of Odoo.
        useEffect(
            (modalEl) => {
                if (!modalEl) {
                    return;
                }
                const listeners = {
                    dragenter: (ev) => this.onDragOver(ev),
                    dragover: (ev) => this.onDragOver(ev),
                    dragleave: (ev) => this.onDragLeave(ev),
                    drop: (ev) => this.onDrop(ev),
                };
                for (const [name, listener] of Object.entries(listeners)) {
                    modalEl.addEventListener(name, listener);
                }
                return () => {
                    for (const [name, listener] of Object.entries(listeners)) {
                        modalEl.removeEventListener(name, listener);
                    }
                };
            },
            () => [this.modalRef.el]
        );
    }

    get acceptAttribute() {
        return this.props.acceptedExtensions.map((extension) => `.${extension}`).join(",");
    }

    get rulesLabel() {
        return _t("%(types)s files, up to %(size)s each.", {
            types: acceptedTypesLabel(this.props.acceptedExtensions),
            size: formatFileSize(this.props.maxUploadSize),
        });
    }

    get acceptableFiles() {
        return this.state.files.filter((entry) => !entry.refusal);
    }

    get isUploading() {
        return Boolean(this.state.upload);
    }

    get canUpload() {
        return this.acceptableFiles.length > 0 && !this.isUploading;
    }

    get progressPercent() {
        return Math.round((this.state.upload?.progress || 0) * 100);
    }

    get uploadButtonLabel() {
        const count = this.acceptableFiles.length;
        return count > 1 ? _t("Upload %s files", count) : _t("Upload");
    }

    removeLabel(entry) {
        return _t("Remove %s", entry.name);
    }

    formatSize(size) {
        return formatFileSize(size);
    }

    /**
     * @param {FileList|File[]} files
     */
    addFiles(files) {
        const rules = {
            acceptedExtensions: this.props.acceptedExtensions,
            maxUploadSize: this.props.maxUploadSize,
        };
        for (const file of files) {
            this.state.files.push({
                id: this.nextFileId++,
                file,
                name: file.name,
                size: file.size,
                refusal: fileRefusal(file, rules),
            });
        }
        this.state.serverErrors = [];
    }

    removeFile(entry) {
        this.state.files = this.state.files.filter((other) => other.id !== entry.id);
        this.state.serverErrors = [];
    }

    openFilePicker() {
        this.fileInputRef.el.click();
    }

    onFileInputChange(ev) {
        this.addFiles(ev.target.files);
        // Choosing the same file again must trigger "change" again.
        ev.target.value = "";
    }

    _hasFiles(ev) {
        return Boolean(ev.dataTransfer && [...ev.dataTransfer.types].includes("Files"));
    }

    onDragOver(ev) {
        if (!this._hasFiles(ev) || this.isUploading) {
            return;
        }
        ev.preventDefault();
        ev.dataTransfer.dropEffect = "copy";
        this.state.dragging = true;
    }

    onDragLeave(ev) {
        if (!ev.relatedTarget || !ev.currentTarget.contains(ev.relatedTarget)) {
            this.state.dragging = false;
        }
    }

    onDrop(ev) {
        if (!this._hasFiles(ev)) {
            return;
        }
        ev.preventDefault();
        this.state.dragging = false;
        if (!this.isUploading) {
            this.addFiles(ev.dataTransfer.files);
        }
    }

    async upload() {
        if (!this.canUpload) {
            return;
        }
        this.state.serverErrors = [];
        const upload = await this.fileUpload.upload(
            UPLOAD_ROUTE,
            this.acceptableFiles.map((entry) => entry.file),
            {
                buildFormData: (formData) => formData.append("partner_id", this.props.partnerId),
                // Refusals are shown next to the files, not in a notification.
                displayErrorNotification: false,
            }
        );
        this.state.upload = upload;
        await this._uploadEnd(upload);
        const { status } = upload.xhr;
        this.state.upload = null;
        if (upload.state === "abort") {
            return;
        }
        const body = this._parseResponse(upload.xhr);
        if (status === 200 && body?.documents) {
            this.props.onUploaded({ documents: body.documents, errors: body.errors || [] });
            this.props.close();
            return;
        }
        const errors = [...(body?.errors || []), ...(body?.error ? [body.error] : [])];
        if (!errors.length) {
            errors.push(
                status === 413
                    ? _t("These files are too large to be sent together: upload them in several times.")
                    : _t("The upload failed. Check your connection and try again.")
            );
        }
        this.state.serverErrors = errors;
    }

    cancel() {
        this.state.upload?.xhr.abort();
        this.props.close();
    }

    _uploadEnd(upload) {
        if (FINAL_UPLOAD_STATES.includes(upload.state)) {
            return Promise.resolve();
        }
        const bus = this.fileUpload.bus;
        return new Promise((resolve) => {
            const onEnd = ({ detail }) => {
                if (detail.upload.id !== upload.id) {
                    return;
                }
                bus.removeEventListener("FILE_UPLOAD_LOADED", onEnd);
                bus.removeEventListener("FILE_UPLOAD_ERROR", onEnd);
                resolve();
            };
            bus.addEventListener("FILE_UPLOAD_LOADED", onEnd);
            bus.addEventListener("FILE_UPLOAD_ERROR", onEnd);
        });
    }

    _parseResponse(xhr) {
        if (xhr.response && typeof xhr.response === "object") {
            return xhr.response;
        }
        try {
            return JSON.parse(xhr.response);
        } catch {
            return null;
        }
    }
}
