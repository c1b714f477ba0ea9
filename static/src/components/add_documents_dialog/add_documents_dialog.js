import { Component, useEffect, useRef, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, toLocaleDateString } from "@web/core/l10n/dates";
import { useChildRef, useService } from "@web/core/utils/hooks";
import { ChunkedUploadError, uploadInChunks } from "@contact_documents/services/chunked_upload";
import { computeSha1 } from "@contact_documents/services/sha1";
import { acceptedTypesLabel, fileExtension, fileRefusal, formatFileSize } from "./file_checks";

const PHASE_LABELS = {
    waiting: () => _t("Waiting"),
    hashing: () => _t("Checking"),
    uploading: () => _t("Uploading"),
    finishing: () => _t("Finishing"),
    done: () => _t("Done"),
};

/**
 * The Add Documents modal: the user chooses files (or drops them anywhere on
 * the modal), sees which ones will be refused and why, and uploads the others
 * in resumable chunks, with the progress of each file and of all of them.
 */
export class AddDocumentsDialog extends Component {
    static template = "contact_documents.AddDocumentsDialog";
    static components = { Dialog };
    static props = {
        partnerId: Number,
        acceptedExtensions: { type: Array, element: String },
        // extension -> mimetype, for the type icon of each chosen file
        acceptedMimetypes: { type: Object, optional: true },
        maxUploadSize: Number,
        // Whether the user may share on the portal: the "Share with the contact on the portal" toggle.
        canShare: { type: Boolean, optional: true },
        onUploaded: Function,
        close: Function,
    };

    setup() {
        this.orm = useService("orm");
        this.ui = useService("ui");
        this.modalRef = useChildRef();
        this.fileInputRef = useRef("fileInput");
        this.nextFileId = 1;
        this.state = useState({
            files: [],
            dragging: false,
            upload: null,
            serverErrors: [],
            share: false,
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

    /** The files to upload: acceptable, and not already filed unless the user keeps both. */
    get acceptableFiles() {
        return this.state.files.filter((entry) => !entry.refusal && (!entry.filedCopy || entry.keepBoth));
    }

    get isUploading() {
        return Boolean(this.state.upload);
    }

    get isChecking() {
        return this.state.files.some((entry) => entry.checking);
    }

    get canUpload() {
        return this.acceptableFiles.length > 0 && !this.isUploading && !this.isChecking;
    }

    /** A file of a refused type is in the list: the accepted types (said once) are pointed out. */
    get hasRefusedType() {
        return this.state.files.some(
            (entry) => entry.refusal && !this.props.acceptedExtensions.includes(fileExtension(entry.name))
        );
    }

    /** "Drop files here" means nothing on a phone. */
    get canDrop() {
        return !this.ui.isSmall;
    }

    mimetypeOf(entry) {
        return this.props.acceptedMimetypes?.[fileExtension(entry.name)] || entry.file.type || "";
    }

    filedLabel(entry) {
        const date = toLocaleDateString(deserializeDateTime(entry.filedCopy.date));
        if (entry.keepBoth) {
            return _t("Already filed on %(date)s as %(name)s: a second copy will be added.", {
                date,
                name: entry.filedCopy.name,
            });
        }
        return _t("Already filed on %(date)s as %(name)s.", { date, name: entry.filedCopy.name });
    }

    setKeepBoth(entry, keepBoth) {
        entry.keepBoth = keepBoth;
    }

    get progressPercent() {
        return Math.round(overallProgress(this.state.upload?.entries || []) * 100);
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
        const added = [];
        for (const file of files) {
            const refusal = fileRefusal(file, rules);
            this.state.files.push({
                id: this.nextFileId++,
                file,
                name: file.name,
                size: file.size,
                refusal,
                checking: !refusal,
                filedCopy: null,
                keepBoth: false,
            });
            if (!refusal) {
                added.push(this.state.files.at(-1));
            }
        }
        this.state.serverErrors = [];
        if (added.length) {
            this.checkFiledCopies(added);
        }
    }

    /**
     * Tell which files are already filed on the contact: same content, same
     * SHA-1 checksum as ir.attachment keeps. Upload waits for the answer.
     */
    async checkFiledCopies(entries) {
        try {
            const checksums = new Map();
            for (const entry of entries) {
                checksums.set(entry.id, await computeSha1(entry.file));
            }
            const filed = await this.orm.call("contact.document", "get_filed_copies", [
                this.props.partnerId,
                [...checksums.values()],
            ]);
            for (const entry of entries) {
                entry.filedCopy = filed[checksums.get(entry.id)] || null;
            }
        } finally {
            for (const entry of entries) {
                entry.checking = false;
            }
        }
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
        const entries = this.acceptableFiles;
        for (const entry of entries) {
            Object.assign(entry, { phase: "waiting", progress: 0, error: null });
        }
        this.state.serverErrors = [];
        this.abortController = new AbortController();
        this.state.upload = { entries };
        const documents = [];
        const errors = [];
        // One file at a time: each goes in chunks, so a large file never
        // needs a large request and a dropped connection costs one chunk.
        for (const entry of entries) {
            try {
                documents.push(
                    await uploadInChunks({
                        partnerId: this.props.partnerId,
                        file: entry.file,
                        openParams: this.state.share ? { share: 1 } : {},
                        signal: this.abortController.signal,
                        onProgress: (progress) => {
                            entry.phase = progress.phase;
                            entry.progress = fileProgress(progress);
                        },
                    })
                );
            } catch (error) {
                if (this.abortController.signal.aborted) {
                    return;
                }
                if (!(error instanceof ChunkedUploadError)) {
                    throw error;
                }
                entry.phase = "failed";
                entry.error = error.message.includes(entry.name)
                    ? error.message
                    : _t("%(name)s: %(reason)s", { name: entry.name, reason: error.message });
                errors.push(entry.error);
            }
        }
        this.state.upload = null;
        if (documents.length) {
            this.props.onUploaded({ documents, errors });
            this.props.close();
            return;
        }
        this.state.serverErrors = errors;
    }

    cancel() {
        // The sessions of aborted files stay on the server: choosing them again resumes.
        this.abortController?.abort();
        this.props.close();
    }

    phaseLabel(entry) {
        return PHASE_LABELS[entry.phase]?.() || "";
    }

    progressLabel(entry) {
        return _t("%(name)s: %(phase)s", { name: entry.name, phase: this.phaseLabel(entry) });
    }

    entryPercent(entry) {
        return Math.round((entry.progress || 0) * 100);
    }
}

/**
 * How far one file is, from 0 to 1: hashing it is a tenth of the work,
 * sending its chunks most of it.
 *
 * @param {{phase: string, loaded: number, total: number}} progress
 */
export function fileProgress({ phase, loaded, total }) {
    const done = total ? loaded / total : 1;
    switch (phase) {
        case "hashing":
            return 0.1 * done;
        case "uploading":
            return 0.1 + 0.85 * done;
        case "finishing":
            return 0.95;
        case "done":
            return 1;
        default:
            return 0;
    }
}

/**
 * Progress of several files together, weighted by their sizes, from 0 to 1.
 *
 * @param {{size: number, progress?: number}[]} entries
 */
export function overallProgress(entries) {
    const total = entries.reduce((sum, entry) => sum + entry.size, 0);
    if (!total) {
        return entries.length && entries.every((entry) => entry.progress === 1) ? 1 : 0;
    }
    return entries.reduce((sum, entry) => sum + entry.size * (entry.progress || 0), 0) / total;
}
