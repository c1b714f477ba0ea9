import { _t } from "@web/core/l10n/translation";
import { formatList } from "@web/core/l10n/utils";
import { formatFileSize } from "../../services/file_size";

// The one size format (services/file_size.js), re-exported for the modal and the portal.
export { formatFileSize };

/**
 * Extension of a file name, lower case and without the dot, as the server
 * reads it (tools/file_types.py): "" for "README" or ".profile".
 *
 * @param {string} name
 * @returns {string}
 */
export function fileExtension(name) {
    const dot = (name || "").lastIndexOf(".");
    return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/**
 * Why the server would refuse this file, checked before uploading it.
 *
 * The server checks the content as well; this only catches what the browser
 * can know: the extension and the size.
 *
 * @param {{ name: string, size: number }} file
 * @param {{ acceptedExtensions: string[], maxUploadSize: number }} rules
 * @returns {string|null} the reason, fit for the user, or null if acceptable
 */
export function fileRefusal(file, { acceptedExtensions, maxUploadSize }) {
    if (!acceptedExtensions.includes(fileExtension(file.name))) {
        // The accepted types are said once, under the drop zone, not under every file.
        return _t("This type of file cannot be added.");
    }
    if (!file.size) {
        return _t("The file is empty.");
    }
    if (file.size > maxUploadSize) {
        return _t("The file is larger than %s.", formatFileSize(maxUploadSize));
    }
    return null;
}

/**
 * The accepted types as the server names them in its refusals: each
 * extension in capitals, listed in the user's language.
 *
 * @param {string[]} extensions the server's ``accepted_extensions``
 * @returns {string} e.g. "DOC, DOCX, GIF, JPEG, JPG, PDF, PNG, PPT, and PPTX"
 */
export function acceptedTypesLabel(extensions) {
    return formatList(extensions.map((extension) => extension.toUpperCase()));
}
