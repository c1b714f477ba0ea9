import { FileModel } from "@web/core/file_viewer/file_model";

export function documentPreviewUrl(documentId) {
    return `/contact_documents/${documentId}/preview`;
}

export function documentDownloadUrl(documentId) {
    return `/contact_documents/${documentId}/download`;
}

export function documentThumbnailUrl(documentId) {
    return `/contact_documents/${documentId}/thumbnail`;
}

/**
 * A contact document as Odoo's FileViewer expects a file, served by the
 * contact_documents routes (which check access to the contact) rather than by
 * /web/content. How it is shown is the server's `preview_kind`, the one truth:
 * an Office file is its PDF rendition, text is served as plain text, audio
 * plays in an <audio> element (see file_viewer_audio.xml).
 */
export class ContactDocumentFile extends FileModel {
    /**
     * @param {{ id: number, name: string, mimetype: string, preview_kind: string }} document
     */
    constructor(document) {
        super();
        this.id = document.id;
        this.name = document.name;
        this.mimetype = document.mimetype;
        this.previewKind = document.preview_kind;
        this.type = "binary";
    }

    get isImage() {
        return this.previewKind === "image";
    }

    get isPdf() {
        return ["pdf", "office"].includes(this.previewKind);
    }

    get isText() {
        return this.previewKind === "text";
    }

    get isVideo() {
        return ["video", "audio"].includes(this.previewKind);
    }

    get isAudio() {
        return this.previewKind === "audio";
    }

    get isUrlYoutube() {
        return false;
    }

    get urlRoute() {
        return documentPreviewUrl(this.id);
    }

    get urlQueryParams() {
        return {};
    }

    get downloadUrl() {
        return documentDownloadUrl(this.id);
    }
}
