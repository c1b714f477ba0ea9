import { registry } from "@web/core/registry";

/*
 * Started by tests/test_chunked_upload.py with a small chunk size: a file of
 * several chunks is chosen in the Add Documents modal and goes through the
 * upload-session API (the real client, fetch, CSRF and all), then shows in
 * the contact's Documents tab.
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
            content: "Open Add Documents",
            trigger: `${TAB_READY} .o_contact_documents_add`,
            run: "click",
        },
        {
            content: "Choose a file larger than several chunks",
            trigger: ".modal .o_contact_documents_dropzone",
            run: () => {
                const input = document.querySelector(".modal .o_contact_documents_file_input");
                const transfer = new DataTransfer();
                transfer.items.add(largePdf());
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "Upload it",
            trigger: ".modal .o_contact_documents_upload:enabled",
            run: "click",
        },
        {
            content: "The modal closes once the file is filed",
            trigger: "body:not(:has(.o_contact_documents_add_dialog))",
        },
        {
            content: "Look the file up in the tab",
            trigger: ".o_contact_documents_search_input",
            run: "edit Chunked scan",
        },
        {
            content: "The file is in the list",
            trigger: `${TAB_READY} .o_contact_documents_row .o_contact_documents_open:contains("${FILE_NAME}")`,
        },
    ],
});
