import { registry } from "@web/core/registry";

/*
 * Tours of the screens around the Documents tab, started by tests/test_ui.py
 * (TestDocumentScreensUi): the smart button's list, kanban and form, the
 * settings, the audit log, the channel downloads and a contact without
 * documents. Each may save a screenshot (see ScreenshotsMixin).
 */

async function until(predicate, describe, timeout = 5000) {
    const start = Date.now();
    while (!predicate()) {
        if (Date.now() - start > timeout) {
            throw new Error(`Timed out waiting for: ${describe()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

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

function screenshotStep(name, trigger) {
    return { content: `screenshot ${name}`, trigger, run: () => screenshot(name) };
}

function card(name) {
    return `.o_kanban_record:contains("${name}")`;
}

registry.category("web_tour.tours").add("contact_documents_smart_button_views", {
    steps: () => [
        {
            content: "the files filed together are told in one chatter note, with their size, channel and direction",
            trigger: ".o-mail-Message:contains(4 documents filed:):contains(Signed contract.pdf (590 bytes, Email, Received))",
            run: () => {
                const notes = [...document.querySelectorAll(".o-mail-Message")].filter((message) =>
                    message.textContent.includes("documents filed")
                );
                if (notes.length !== 1) {
                    throw new Error(`${notes.length} chatter notes tell the filing, not one`);
                }
            },
        },
        {
            content: "open the contact's documents from the smart button",
            trigger: ".oe_stat_button[name=action_view_contact_documents]",
            run: "click",
        },
        {
            content: "the list says who each file came from, and through which channel",
            trigger: ".o_list_view .o_data_row:has(td[name=name]:contains(Signed contract.pdf)) td[name=source_label]:text(From Dana Documents · Email)",
        },
        {
            content: "an upload says who added it",
            trigger: ".o_list_view .o_data_row:has(td[name=name]:contains(Quarterly report.pdf)) td[name=source_label]:text(Added by Morgan Manager)",
        },
        {
            content: "types are named for people, sizes in the one format",
            trigger: ".o_list_view .o_data_row:has(td[name=name]:contains(Offer for Dana.docx)) td[name=type_label]:text(Word document)",
            run: ({ anchor }) => {
                const size = anchor.closest(".o_data_row").querySelector("td[name=file_size]");
                if (!/^\d+ bytes$/.test(size.textContent.trim())) {
                    throw new Error(`unexpected size "${size.textContent}"`);
                }
            },
        },
        {
            content: "the contact's own name is not repeated on every row",
            trigger: ".o_list_view:not(:has(th[data-name=partner_id]))",
        },
        screenshotStep("smart_button_list", ".o_list_view .o_data_row"),
        {
            content: "switch to the kanban view",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "cards have the tab's colours: received in green",
            trigger: `${card("Signed contract.pdf")} .badge.text-bg-success`,
        },
        {
            content: "sent in orange, internal in blue",
            trigger: `${card("Offer for Dana.docx")} .badge.text-bg-warning`,
            run: () => {
                const internal = [...document.querySelectorAll(".o_kanban_record")].find((record) =>
                    record.textContent.includes("Team photo.png")
                );
                if (!internal.querySelector(".badge.text-bg-info")) {
                    throw new Error("an internal document's badge is not blue");
                }
            },
        },
        {
            content: "a card says who sent the file",
            trigger: `${card("Signed contract.pdf")}:contains(From Dana Documents · Email)`,
        },
        {
            content: "the type and size read apart from the date",
            trigger: `${card("Signed contract.pdf")} .o_contact_document_card_details:contains(PDF document · 590 bytes)`,
            run: ({ anchor }) => {
                const footer = anchor.closest(".o_kanban_record").querySelector("footer");
                if (!/^Mar 4, 2025, \d{1,2}:\d{2}\s?[AP]M$/.test(footer.textContent.trim())) {
                    throw new Error(`unexpected footer "${footer.textContent}"`);
                }
            },
        },
        {
            content: "the contact is not repeated on its own documents",
            trigger: ".o_kanban_view:not(:has(.o_contact_document_contact))",
        },
        screenshotStep("smart_button_kanban", ".o_kanban_record"),
        {
            content: "open a PDF",
            trigger: `${card("Quarterly report.pdf")}`,
            run: "click",
        },
        {
            content: "the form names the type for people",
            trigger: ".o_form_view .o_field_widget[name=type_label]:text(PDF document)",
        },
        {
            content: "no mimetype on the form",
            trigger: ".o_form_view:not(:has(.o_field_widget[name=mimetype]:visible))",
        },
        {
            content: "the form shows the PDF itself",
            trigger: ".o_form_view iframe.o_contact_documents_preview_pdf:iframe .page[data-page-number='1']",
        },
        screenshotStep("document_form", ".o_form_view .o_contact_documents_preview_field"),
        {
            content: "back to the kanban",
            trigger: ".o_breadcrumb .breadcrumb-item:not(.active) a:contains(Documents of Dana Documents)",
            run: "click",
        },
        {
            content: "open a Word file",
            trigger: `${card("Offer for Dana.docx")}`,
            run: "click",
        },
        {
            content: "it has no preview, only Download, and says who sent it",
            trigger: ".o_form_view:not(:has(.o_contact_documents_preview_field)) .o_field_widget[name=sender_partner_id]:contains(Morgan Manager)",
        },
    ],
});

registry.category("web_tour.tours").add("contact_documents_configuration_screens", {
    steps: () => [
        {
            content: "the settings of Contact Documents, in plain words",
            trigger: ".app_settings_block[data-key=contact_documents] .o_setting_box:contains(Create contacts for unknown senders)",
            run: ({ anchor }) => anchor.closest(".app_settings_block").scrollIntoView({ block: "start" }),
        },
        {
            content: "the allowed download sites",
            trigger: ".app_settings_block[data-key=contact_documents] .o_setting_box:contains(Allowed download sites)",
        },
        screenshotStep("settings", ".app_settings_block[data-key=contact_documents]"),
        {
            content: "open the audit log",
            trigger: "body",
            run: "goToUrl /odoo/action-contact_documents.contact_document_log_action",
            expectUnloadPage: true,
        },
        {
            content: "the audit log lists the filings, with sizes in the one format",
            trigger: ".o_list_view .o_data_row:has(td[name=action]:contains(Filed)) td[name=file_size]:contains(bytes)",
        },
        screenshotStep("audit_log", ".o_list_view .o_data_row"),
        {
            content: "open the channel downloads",
            trigger: "body",
            run: "goToUrl /odoo/action-contact_documents.contact_document_media_action",
            expectUnloadPage: true,
        },
        {
            content: "a failed download says why, in words a user understands",
            trigger: ".o_list_view .o_data_row td[name=failure_reason]:contains(could not be downloaded)",
        },
        screenshotStep("channel_downloads", ".o_list_view .o_data_row"),
        {
            content: "open it",
            trigger: ".o_list_view .o_data_row td[name=name]",
            run: "click",
        },
        {
            content: "its form tells the reason and offers Retry",
            trigger: ".o_form_view .alert-danger:contains(could not be downloaded)",
            run: () => {
                if (!document.querySelector(".o_form_view button[name=action_retry]")) {
                    throw new Error("no Retry button");
                }
            },
        },
        screenshotStep("channel_download_form", ".o_form_view .alert-danger"),
    ],
});

registry.category("web_tour.tours").add("contact_documents_tab_empty", {
    steps: () => [
        {
            content: "open the Documents tab of a contact without documents",
            trigger: ".o_notebook .nav-link[name=contact_documents]",
            run: "click",
        },
        {
            content: "the empty state says how documents arrive",
            trigger: ".o_contact_documents_tab:not(.o_contact_documents_loading) .o_contact_documents_empty:contains(No documents yet. Add files, or send and receive them by email, SMS or chat.)",
        },
    ],
});
