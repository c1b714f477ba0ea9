import { registry } from "@web/core/registry";

/*
 * Sharing documents with a contact on the customer portal, started by
 * tests/test_portal_ui.py. Dana Documents (a portal user) has, newest first:
 *   Price list.pdf (internal, already shared), Contract.pdf (internal, not shared),
 *   Internal memo.pdf (internal, never shared).
 *
 * 1. contact_documents_portal_share (a CRM user, on Dana's form): uploads a file
 *    with "Share with the contact on the portal" on, shares Contract.pdf from its
 *    row menu; the Shared chip and filter follow.
 * 2. contact_documents_portal_my_documents (Dana, on the portal): /my shows the
 *    Documents card with its count; /my/documents lists what was shared, never
 *    the memo; preview and download; uploads two files, one refused with its reason.
 * 3. contact_documents_portal_received (the CRM user again): Dana's upload is
 *    under Received, on the Client Portal channel.
 */

const TAB_READY = ".o_contact_documents_tab:not(.o_contact_documents_loading)";

async function until(predicate, describe, timeout = 10000) {
    const start = Date.now();
    while (!predicate()) {
        if (Date.now() - start > timeout) {
            throw new Error(`Timed out waiting for: ${describe()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

function pdfFile(name, text = "portal") {
    const content = `%PDF-1.4\n% ${text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`;
    return new File([content], name, { type: "application/pdf" });
}

function setFiles(input, files) {
    const transfer = new DataTransfer();
    files.forEach((file) => transfer.items.add(file));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

/** Ask tests/test_ui.py's ScreenshotsMixin to save a screenshot, and wait until it is saved. */
async function screenshot(name) {
    document.querySelectorAll(".o_notification_close").forEach((button) => button.click());
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 150)));
    console.log(`contact_documents:screenshot:${name}`);
    await until(
        () => (window.__contactDocumentsScreenshots || []).includes(name),
        () => `screenshot ${name}`,
        15000
    );
}

function tabRow(name) {
    return `${TAB_READY} .o_contact_documents_row:has(.o_contact_documents_open:contains("${name}"))`;
}

function portalRow(name) {
    return `.o_contact_documents_portal_row:has(.o_contact_documents_portal_name:contains("${name}"))`;
}

function tabRowNames() {
    return [...document.querySelectorAll(".o_contact_documents_row .o_contact_documents_open")].map((el) =>
        el.textContent.trim()
    );
}

function portalRowNames() {
    return [...document.querySelectorAll(".o_contact_documents_portal_name")].map((el) => el.textContent.trim());
}

registry.category("web_tour.tours").add("contact_documents_portal_share", {
    steps: () => [
        {
            content: "open the Documents tab",
            trigger: ".o_notebook .nav-link[name=contact_documents]",
            run: "click",
        },
        {
            content: "the document shared earlier wears the Shared chip",
            trigger: `${tabRow("Price list.pdf")} .o_contact_documents_shared_chip`,
        },
        {
            content: "the others do not",
            trigger: `${tabRow("Contract.pdf")}:not(:has(.o_contact_documents_shared_chip))`,
        },
        {
            content: "the Shared filter counts it",
            trigger: `${TAB_READY} .o_contact_documents_filter[data-filter=shared] .o_contact_documents_count:text(1)`,
        },
        {
            content: "open the Add Documents modal",
            trigger: `${TAB_READY} .o_contact_documents_add`,
            run: "click",
        },
        {
            content: "choose a PDF",
            trigger: ".modal .o_contact_documents_dropzone",
            run: () => setFiles(document.querySelector(".modal .o_contact_documents_file_input"), [pdfFile("Welcome pack.pdf")]),
        },
        {
            content: "turn on Share with the contact on the portal",
            trigger: ".modal .o_contact_documents_share_toggle input:not(:checked)",
            run: "click",
        },
        {
            content: "the toggle is on",
            trigger: ".modal .o_contact_documents_share_toggle input:checked",
        },
        {
            content: "upload it",
            trigger: ".modal .o_contact_documents_upload:enabled",
            run: "click",
        },
        {
            content: "the modal closes once the file is filed",
            trigger: "body:not(:has(.o_contact_documents_add_dialog))",
        },
        {
            content: "the new document is shared",
            trigger: `${tabRow("Welcome pack.pdf")} .o_contact_documents_shared_chip`,
        },
        {
            content: "open the menu of Contract.pdf",
            trigger: `${tabRow("Contract.pdf")} .o_contact_documents_row_menu_toggle`,
            run: "click",
        },
        {
            content: "Share on Portal",
            trigger: ".o_contact_documents_row_menu .o_contact_documents_share",
            run: "click",
        },
        {
            content: "Contract.pdf now wears the Shared chip",
            trigger: `${tabRow("Contract.pdf")} .o_contact_documents_shared_chip`,
        },
        {
            content: "the Shared filter counts three",
            trigger: `${TAB_READY} .o_contact_documents_filter[data-filter=shared] .o_contact_documents_count:text(3)`,
        },
        {
            content: "screenshot of the Shared chips",
            trigger: `${tabRow("Internal memo.pdf")}`,
            run: () => screenshot("shared_chip"),
        },
        {
            content: "the menu of a shared document offers Stop Sharing",
            trigger: `${tabRow("Contract.pdf")} .o_contact_documents_row_menu_toggle`,
            run: "click",
        },
        {
            content: "Stop Sharing is there (and Share on Portal is not)",
            trigger: ".o_contact_documents_row_menu:has(.o_contact_documents_unshare):not(:has(.o_contact_documents_share))",
            run: () => document.querySelector(".o_contact_documents_row_menu_toggle").click(),
        },
        {
            content: "filter on shared documents",
            trigger: `${TAB_READY} .o_contact_documents_filter[data-filter=shared]`,
            run: "click",
        },
        {
            content: "only the shared documents are listed",
            trigger: `${TAB_READY} .o_contact_documents_filter[data-filter=shared][aria-pressed=true]`,
            run: () =>
                until(
                    () =>
                        JSON.stringify(tabRowNames()) ===
                        JSON.stringify(["Welcome pack.pdf", "Price list.pdf", "Contract.pdf"]),
                    () => `the shared documents, got ${JSON.stringify(tabRowNames())}`
                ),
        },
    ],
});

registry.category("web_tour.tours").add("contact_documents_portal_my_documents", {
    steps: () => [
        {
            content: "the Documents card of /my counts the shared documents",
            trigger: ".o_portal_index_card a[href='/my/documents']",
            run: ({ anchor }) => {
                const text = anchor.textContent.replace(/\s+/g, " ");
                if (!text.includes("3 Documents")) {
                    throw new Error(`the card says: ${text}`);
                }
            },
        },
        {
            content: "open My Documents",
            trigger: ".o_portal_index_card a[href='/my/documents']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the breadcrumbs say where we are",
            trigger: ".o_portal_submenu .breadcrumb-item.active:contains(Documents)",
        },
        {
            content: "the shared documents are listed, the memo never",
            trigger: portalRow("Price list.pdf"),
            run: () =>
                until(
                    () =>
                        JSON.stringify(portalRowNames().sort()) ===
                        JSON.stringify(["Contract.pdf", "Price list.pdf", "Welcome pack.pdf"]),
                    () => `three shared documents, got ${JSON.stringify(portalRowNames())}`
                ),
        },
        {
            content: "a PDF has a type icon, a size and a date",
            trigger: `${portalRow("Price list.pdf")}:has(.o_image[data-mimetype='application/pdf']):has(.o_contact_documents_portal_size:contains(bytes))`,
        },
        {
            content: "Preview shows the PDF in the browser",
            trigger: `${portalRow("Price list.pdf")} a.o_contact_documents_portal_preview[target=_blank]`,
            run: async ({ anchor }) => {
                const response = await fetch(anchor.getAttribute("href"));
                const disposition = response.headers.get("Content-Disposition") || "";
                if (!response.ok || response.headers.get("Content-Type") !== "application/pdf" || disposition.startsWith("attachment")) {
                    throw new Error(`preview answered ${response.status} ${disposition}`);
                }
            },
        },
        {
            content: "Download gives the file as an attachment",
            trigger: `${portalRow("Price list.pdf")} a.o_contact_documents_portal_download[download]`,
            run: async ({ anchor }) => {
                const response = await fetch(anchor.getAttribute("href"));
                const disposition = response.headers.get("Content-Disposition") || "";
                if (!response.ok || !disposition.startsWith("attachment")) {
                    throw new Error(`download answered ${response.status} ${disposition}`);
                }
            },
        },
        {
            content: "the upload area says what it accepts",
            trigger: ".o_contact_documents_portal_rules:contains(250 MB)",
        },
        {
            content: "choose two files: a real PDF and a text file named .pdf",
            trigger: ".o_contact_documents_portal_dropzone",
            run: () =>
                setFiles(document.querySelector(".o_contact_documents_portal_input"), [
                    pdfFile("Signed contract.pdf", "signed"),
                    new File(["just some text, not a PDF at all"], "Notes.pdf", { type: "application/pdf" }),
                ]),
        },
        {
            content: "the refused file says why",
            trigger: ".o_contact_documents_portal_file[data-state=failed]:contains(Notes.pdf) .o_contact_documents_portal_file_status:contains(does not match its extension)",
        },
        {
            content: "the other one was sent",
            trigger: ".o_contact_documents_portal_file[data-state=done]:contains(Signed contract.pdf)",
        },
        {
            content: "it is listed at once, as uploaded by the contact",
            trigger: `${portalRow("Signed contract.pdf")} .o_contact_documents_portal_yours`,
        },
        {
            content: "the contact may take it back",
            trigger: `${portalRow("Signed contract.pdf")} .o_contact_documents_portal_delete`,
        },
        {
            content: "screenshot of My Documents",
            trigger: `${portalRow("Signed contract.pdf")}`,
            run: () => screenshot("portal_my_documents"),
        },
        {
            content: "the refused file was not listed",
            trigger: ".o_contact_documents_portal_list",
            run: () => {
                if (portalRowNames().includes("Notes.pdf")) {
                    throw new Error("the refused file is listed");
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("contact_documents_portal_received", {
    steps: () => [
        {
            content: "open the Documents tab",
            trigger: ".o_notebook .nav-link[name=contact_documents]",
            run: "click",
        },
        {
            content: "filter on received documents",
            trigger: `${TAB_READY} .o_contact_documents_filter[data-filter=received]`,
            run: "click",
        },
        {
            content: "the contact's upload is there, on the Client Portal channel",
            trigger: `${tabRow("Signed contract.pdf")} .o_contact_documents_col_source[data-channel=portal]`,
        },
        {
            content: "the refused file is not",
            trigger: `${TAB_READY} .o_contact_documents_filter[data-filter=received][aria-pressed=true]`,
            run: () => {
                if (tabRowNames().includes("Notes.pdf")) {
                    throw new Error("the refused file was filed");
                }
            },
        },
    ],
});
