import { registry } from "@web/core/registry";
import { uploadInChunks } from "@contact_documents/services/chunked_upload";

/*
 * Started by tests/test_chunked_upload.py with a small chunk size: a file of
 * several chunks goes through the upload-session API from the browser (the
 * real client, fetch, CSRF and all), then shows in the contact's Documents tab.
 */

const FILE_NAME = "Chunked scan.pdf";
const TAB_READY = ".o_contact_documents_tab:not(.o_contact_documents_loading)";

function largePdf() {
    const filler = "%".concat("0123456789abcdef".repeat(13 * 1024), "\n");
    return new File(["%PDF-1.4\n", filler, "%%EOF\n"], FILE_NAME, { type: "application/pdf" });
}

registry.category("web_tour.tours").add("contact_documents_chunked_upload", {
    steps: () => [
        {
            content: "Open the Documents tab",
            trigger: ".o_notebook .nav-link[name=contact_documents]",
            run: "click",
        },
        {
            content: "Upload a file in several chunks",
            trigger: TAB_READY,
            run: async () => {
                const partnerId = Number(window.location.pathname.match(/contacts\/(\d+)/)[1]);
                const phases = new Set();
                const document = await uploadInChunks({
                    partnerId,
                    file: largePdf(),
                    onProgress: ({ phase }) => phases.add(phase),
                    retryDelay: 100,
                });
                if (document.name !== FILE_NAME || !phases.has("uploading") || !phases.has("done")) {
                    throw new Error(`Unexpected upload: ${JSON.stringify(document)}`);
                }
            },
        },
        {
            content: "Look the file up in the tab",
            trigger: ".o_contact_documents_search_input",
            run: "edit Chunked scan",
        },
        {
            content: "The file is in the list",
            trigger: `${TAB_READY} .o_contact_documents_row .o_contact_documents_name > span:contains("${FILE_NAME}")`,
        },
    ],
});
