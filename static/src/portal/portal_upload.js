import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { Interaction } from "@web/public/interaction";
import { ChunkedUploadError, uploadInChunks } from "@contact_documents/services/chunked_upload";
import { fileRefusal, formatFileSize } from "@contact_documents/components/add_documents_dialog/file_checks";

/**
 * The upload area of the customer portal: drop or choose files, each sent in
 * resumable chunks with its progress; files the server would refuse are
 * refused before sending, with the reason; the server's own refusals (the
 * content does not match the extension...) are shown the same way.
 *
 * Contract (reused by the document request page with another session URL):
 *
 *     <section class="o_contact_documents_portal_upload"
 *              data-session-url="/contact_documents/upload/session"
 *              data-open-params='{"partner_id": 7}'
 *              data-accepted-extensions='["doc", "docx", ...]'
 *              data-max-upload-size="262144000"
 *              data-refresh-selector=".o_contact_documents_portal_list">
 *         ... .o_contact_documents_portal_dropzone (where files are dropped),
 *         input[type=file].o_contact_documents_portal_input (choose files),
 *         ul.o_contact_documents_portal_files (one line per file, filled here)
 *     </section>
 *
 * - ``data-session-url``: base URL of an upload-session API answering
 *   ``POST`` (open: form fields ``name``, ``size``, ``sha256`` plus
 *   ``data-open-params``), ``GET <token>``, ``PUT <token>/chunk/<i>`` (form
 *   file ``chunk``), ``POST <token>/finish`` and ``DELETE <token>``, JSON
 *   answers and ``{"error": reason}`` on refusal (controllers/upload_session.py);
 * - ``data-accepted-extensions`` and ``data-max-upload-size``: the server's
 *   own list and limit (tools/file_types.py), never retyped here;
 * - ``data-refresh-selector`` (optional): the part of the page reloaded once
 *   files are filed, so that they are listed at once.
 *
 * Each line gets ``data-state``: refused, waiting, uploading, done or failed.
 */
export class PortalUpload extends Interaction {
    static selector = ".o_contact_documents_portal_upload";

    setup() {
        const data = this.el.dataset;
        this.sessionUrl = data.sessionUrl;
        this.openParams = JSON.parse(data.openParams || "{}");
        this.rules = {
            acceptedExtensions: JSON.parse(data.acceptedExtensions || "[]"),
            maxUploadSize: Number(data.maxUploadSize),
        };
        this.refreshSelector = data.refreshSelector;
        this.listEl = this.el.querySelector(".o_contact_documents_portal_files");
        this.dropzoneEl = this.el.querySelector(".o_contact_documents_portal_dropzone");
        this.queue = [];
        this.uploading = false;
        this.abortController = new AbortController();
    }

    start() {
        const input = this.el.querySelector(".o_contact_documents_portal_input");
        this.addListener(input, "change", () => {
            this.addFiles(input.files);
            input.value = ""; // choosing the same file again must trigger "change" again
        });
        // The whole area takes the drop, so a file dropped a little off target
        // is never opened by the browser in place of the page.
        this.addListener(this.el, "dragenter", (ev) => this.onDragOver(ev));
        this.addListener(this.el, "dragover", (ev) => this.onDragOver(ev));
        this.addListener(this.el, "dragleave", (ev) => {
            if (!ev.relatedTarget || !this.el.contains(ev.relatedTarget)) {
                this.setDragging(false);
            }
        });
        this.addListener(this.el, "drop", (ev) => {
            if (hasFiles(ev)) {
                ev.preventDefault();
                this.setDragging(false);
                this.addFiles(ev.dataTransfer.files);
            }
        });
    }

    destroy() {
        // Sessions of files not finished stay on the server: choosing them again resumes.
        this.abortController.abort();
    }

    onDragOver(ev) {
        if (hasFiles(ev)) {
            ev.preventDefault();
            ev.dataTransfer.dropEffect = "copy";
            this.setDragging(true);
        }
    }

    setDragging(dragging) {
        this.dropzoneEl?.classList.toggle("o_contact_documents_portal_dropzone_active", dragging);
    }

    /**
     * List the files, refuse at once those the server would refuse for their
     * type or size, and send the others one after the other.
     *
     * @param {FileList|File[]} files
     */
    addFiles(files) {
        for (const file of files) {
            const line = this.renderLine(file);
            const refusal = fileRefusal(file, this.rules);
            if (refusal) {
                this.setLineState(line, "refused", refusal);
            } else {
                this.setLineState(line, "waiting", _t("Waiting"));
                this.queue.push({ file, line });
            }
        }
        this.sendQueue();
    }

    async sendQueue() {
        if (this.uploading) {
            return;
        }
        this.uploading = true;
        let filed = 0;
        try {
            while (this.queue.length) {
                const { file, line } = this.queue.shift();
                if (await this.send(file, line)) {
                    filed++;
                }
            }
        } finally {
            this.uploading = false;
        }
        if (filed && !this.isDestroyed) {
            await this.refreshList();
        }
    }

    /**
     * @returns {Promise<boolean>} whether the file was filed
     */
    async send(file, line) {
        try {
            await uploadInChunks({
                file,
                sessionUrl: this.sessionUrl,
                openParams: this.openParams,
                signal: this.abortController.signal,
                onProgress: ({ phase, loaded, total }) => this.setProgress(line, phase, loaded, total),
            });
        } catch (error) {
            if (this.abortController.signal.aborted) {
                return false;
            }
            if (!(error instanceof ChunkedUploadError)) {
                throw error;
            }
            this.setLineState(line, "failed", error.message);
            return false;
        }
        this.setLineState(line, "done", _t("Sent"));
        return true;
    }

    setProgress(line, phase, loaded, total) {
        const labels = {
            hashing: _t("Checking"),
            uploading: _t("Uploading"),
            finishing: _t("Finishing"),
            done: _t("Sent"),
        };
        const done = total ? loaded / total : 1;
        const progress = { hashing: 0.1 * done, uploading: 0.1 + 0.85 * done, finishing: 0.95, done: 1 }[phase] || 0;
        const percent = Math.round(progress * 100);
        const bar = line.querySelector(".progress");
        bar.classList.remove("d-none");
        bar.setAttribute("aria-valuenow", percent);
        bar.querySelector(".progress-bar").style.width = `${percent}%`;
        this.setLineState(line, phase === "done" ? "done" : "uploading", labels[phase] || "");
    }

    /**
     * @param {HTMLElement} line
     * @param {"refused"|"waiting"|"uploading"|"done"|"failed"} state
     * @param {string} message
     */
    setLineState(line, state, message) {
        line.dataset.state = state;
        const failed = state === "refused" || state === "failed";
        const icon = line.querySelector(".o_contact_documents_portal_file_icon");
        icon.className = `fa fa-fw mt-1 o_contact_documents_portal_file_icon ${
            failed ? "fa-ban text-danger" : state === "done" ? "fa-check text-success" : "fa-file-o text-muted"
        }`;
        const status = line.querySelector(".o_contact_documents_portal_file_status");
        status.className = `small o_contact_documents_portal_file_status ${
            failed ? "text-danger" : state === "done" ? "text-success" : "text-muted"
        }`;
        status.textContent = message;
        if (failed || state === "done") {
            line.querySelector(".progress").classList.add("d-none");
        }
    }

    renderLine(file) {
        const line = document.createElement("li");
        line.className = "d-flex align-items-start gap-2 py-2 border-bottom o_contact_documents_portal_file";
        line.innerHTML = `
            <i class="fa fa-fw mt-1 o_contact_documents_portal_file_icon" aria-hidden="true"></i>
            <div class="flex-grow-1 min-w-0">
                <div class="d-flex gap-2">
                    <span class="text-truncate fw-semibold o_contact_documents_portal_file_name"></span>
                    <span class="text-muted text-nowrap ms-auto o_contact_documents_portal_file_size"></span>
                </div>
                <div class="progress mt-1 d-none" style="height: 4px;" role="progressbar"
                     aria-valuemin="0" aria-valuemax="100" aria-valuenow="0">
                    <div class="progress-bar" style="width: 0%"></div>
                </div>
                <div class="small o_contact_documents_portal_file_status"></div>
            </div>`;
        line.querySelector(".o_contact_documents_portal_file_name").textContent = file.name;
        line.querySelector(".o_contact_documents_portal_file_size").textContent = formatFileSize(file.size);
        line.querySelector(".progress").setAttribute("aria-label", _t("Progress of %s", file.name));
        this.listEl.append(line);
        return line;
    }

    /** Show the files just filed: the list part of a fresh copy of the page takes the old one's place. */
    async refreshList() {
        const current = this.refreshSelector && document.querySelector(this.refreshSelector);
        if (!current) {
            return;
        }
        const response = await this.waitFor(fetch(window.location.href, { credentials: "same-origin" }));
        if (!response.ok) {
            return;
        }
        const html = await this.waitFor(response.text());
        const fresh = new DOMParser().parseFromString(html, "text/html").querySelector(this.refreshSelector);
        if (fresh) {
            current.replaceChildren(...[...fresh.childNodes].map((node) => document.importNode(node, true)));
        }
    }
}

/**
 * My Documents' list: deleting a file one uploaded asks first. Delegated
 * from the list, whose content the upload area reloads.
 */
export class PortalDocumentList extends Interaction {
    static selector = ".o_contact_documents_portal_list";

    start() {
        this.addListener(this.el, "submit", (ev) => {
            const form = ev.target.closest(".o_contact_documents_portal_delete_form");
            if (!form || form.dataset.confirmed) {
                return;
            }
            ev.preventDefault();
            const name = form.closest("tr")?.querySelector(".o_contact_documents_portal_name")?.textContent;
            this.services.dialog.add(ConfirmationDialog, {
                title: _t("Delete File"),
                body: _t("Delete “%s”? It is removed from your documents.", name || ""),
                confirmLabel: _t("Delete"),
                confirmClass: "btn-danger",
                confirm: () => {
                    form.dataset.confirmed = "1";
                    form.requestSubmit();
                },
                cancel: () => {},
            });
        });
    }
}

function hasFiles(ev) {
    return Boolean(ev.dataTransfer && [...ev.dataTransfer.types].includes("Files"));
}

registry
    .category("public.interactions")
    .add("contact_documents.portal_upload", PortalUpload)
    .add("contact_documents.portal_document_list", PortalDocumentList);
