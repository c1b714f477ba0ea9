import { registry } from "@web/core/registry";

/*
 * Started by tests/test_document_request_ui.py on a document request's link,
 * without logging in: a file is chosen in the page's upload area, goes through
 * the link's upload sessions (the real client, fetch, CSRF and all), and the
 * page then says the request is done.
 */

const FILE_NAME = "Signed contract.pdf";

function contractPdf() {
    return new File(["%PDF-1.4\n%âãÏÓ\n", "%".repeat(2048), "\n%%EOF\n"], FILE_NAME, { type: "application/pdf" });
}

async function screenshot(name) {
    document.querySelectorAll(".o_notification_close").forEach((button) => button.click());
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 150)));
    console.log(`contact_documents:screenshot:${name}`);
    const start = Date.now();
    while (!(window.__contactDocumentsScreenshots || []).includes(name)) {
        if (Date.now() - start > 15000) {
            throw new Error(`Timed out waiting for screenshot ${name}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

registry.category("web_tour.tours").add("contact_documents_document_request", {
    steps: () => [
        {
            content: "The page says what is asked",
            trigger: ".o_contact_documents_request_items:contains(Signed contract, ID card)",
        },
        {
            content: "Take the screenshot of the request page",
            trigger: ".o_contact_documents_portal_upload .o_contact_documents_portal_choose",
            run: () => screenshot("document_request_page"),
        },
        {
            content: "Choose the signed contract",
            trigger: ".o_contact_documents_portal_upload .o_contact_documents_portal_dropzone",
            run: () => {
                const input = document.querySelector(".o_contact_documents_portal_input");
                const transfer = new DataTransfer();
                transfer.items.add(contractPdf());
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The file is sent",
            trigger: `.o_contact_documents_portal_file[data-state=done]:contains(${FILE_NAME})`,
        },
        {
            content: "The page says the request is done, with the file received",
            trigger: `.o_contact_documents_request_done .o_contact_documents_request_received li:contains(${FILE_NAME})`,
        },
        {
            content: "Take the screenshot of the done page",
            trigger: ".o_contact_documents_request_done",
            run: () => screenshot("document_request_done"),
        },
    ],
});

/*
 * Started by tests/test_document_request_ui.py as a plain user on a contact:
 * Request asks for documents, the open request is listed in the Documents tab,
 * Remind sends the link again and Cancel closes it.
 */
registry.category("web_tour.tours").add("contact_documents_request_in_tab", {
    steps: () => [
        {
            content: "Open the Documents tab",
            trigger: ".o_notebook .nav-link[name=contact_documents]",
            run: "click",
        },
        {
            content: "Ask the contact for documents",
            trigger: ".o_contact_documents_tab:not(.o_contact_documents_loading) .o_contact_documents_request_add",
            run: "click",
        },
        {
            content: "Say what is requested",
            trigger: ".modal div[name=name] input",
            run: "edit Passport scan",
        },
        {
            content: "Add a message",
            trigger: ".modal div[name=message] textarea",
            run: "edit For the rental file, thank you.",
        },
        {
            content: "Take the screenshot of the dialog",
            trigger: ".modal div[name=message] textarea:value(For the rental file, thank you.)",
            run: () => screenshot("document_request_dialog"),
        },
        {
            content: "Send the request",
            trigger: ".modal button[name=action_send]",
            run: "click",
        },
        {
            content: "The open request is listed in the tab",
            trigger: ".o_contact_documents_request .o_contact_documents_request_name:contains(Passport scan)",
        },
        {
            content: "Take the screenshot of the tab with its open request",
            trigger: "body:not(:has(.modal))",
            run: () => screenshot("document_request_tab"),
        },
        {
            content: "Remind the contact",
            trigger: ".o_contact_documents_request:contains(Passport scan) .o_contact_documents_request_remind",
            run: "click",
        },
        {
            content: "The reminder is counted",
            trigger: ".o_contact_documents_request:contains(Passport scan) .o_contact_documents_request_details:contains(1 reminder sent)",
        },
        {
            content: "Cancel the request",
            trigger: ".o_contact_documents_request:contains(Passport scan) .o_contact_documents_request_cancel",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .btn-danger",
            run: "click",
        },
        {
            content: "The request is no longer listed",
            trigger: ".o_contact_documents_tab:not(:has(.o_contact_documents_request:contains(Passport scan)))",
        },
    ],
});
