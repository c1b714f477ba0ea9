import { FileModel } from "@web/core/file_viewer/file_model";

export function documentPreviewUrl(documentId) {
    return `/contact_documents/${documentId}/preview`;
}

export function documentDownloadUrl(documentId) {
    return `/contact_documents/${documentId}/download`;
}

/**
 * A contact document as Odoo's FileViewer expects a file, served by the
 * contact_documents routes (which check access to the contact) rather than by
 * /web/content.
 */
export class ContactDocumentFile extends FileModel {
    /**
     * @param {{ id: number, name: string, mimetype: string }} document
     */
    constructor(document) {
        super();
        this.id = document.id;
        this.name = document.name;
        this.mimetype = document.mimetype;
        this.type = "binary";
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
