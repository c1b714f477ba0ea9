import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { beforeEach, describe, expect, test } from "@odoo/hoot";
import { queryAllTexts } from "@odoo/hoot-dom";
import { advanceTime, animationFrame } from "@odoo/hoot-mock";
import {
    contains,
    getService,
    makeMockEnv,
    mountWithCleanup,
    onRpc,
    patchWithCleanup,
} from "@web/../tests/web_test_helpers";
import { fileUploadService } from "@web/core/file_upload/file_upload_service";
import { AddDocumentsDialog } from "@contact_documents/components/add_documents_dialog/add_documents_dialog";
import {
    fileExtension,
    fileRefusal,
    formatFileSize,
} from "@contact_documents/components/add_documents_dialog/file_checks";
import { ContactDocumentFile } from "@contact_documents/components/documents_tab/contact_document_file";
import {
    DocumentsTab,
    PAGE_SIZE,
    SEARCH_DELAY,
} from "@contact_documents/components/documents_tab/documents_tab";

describe.current.tags("desktop");
defineMailModels();

const MB = 1024 * 1024;
const RULES = { acceptedExtensions: ["doc", "docx", "gif", "jpeg", "jpg", "pdf", "png", "ppt", "pptx"], maxUploadSize: 250 * MB };

function makeDocument(id, name, direction, mimetype = "application/pdf") {
    return {
        id,
        name,
        direction,
        mimetype,
        channel: "email",
        file_size: 2048,
        create_date: "2025-03-01 09:00:00",
        create_uid: [2, "Mitchell Admin"],
        partner_id: [7, "Dana Documents"],
        is_previewable: ["application/pdf", "image/png"].includes(mimetype),
        attachment_id: [100 + id, name],
    };
}

const DOCUMENTS = [
    makeDocument(1, "Quarterly report.pdf", "internal"),
    makeDocument(2, "Team photo.png", "internal", "image/png"),
    makeDocument(3, "Offer.docx", "sent", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    makeDocument(4, "Signed contract.pdf", "received"),
];

/**
 * A fake get_documents_tab_data over ``documents``, answering as the server does;
 * every call's keyword arguments are recorded in ``calls``.
 */
function mockTabData({ documents = DOCUMENTS, canDelete = false, canUpload = true } = {}) {
    const calls = [];
    onRpc("contact.document", "get_documents_tab_data", ({ args, kwargs }) => {
        const { direction, search: searched, offset, limit } = kwargs;
        calls.push({ partnerId: args[0], direction, search: searched, offset, limit });
        const search = (kwargs.search || "").toLowerCase();
        const matching = documents.filter((doc) => doc.name.toLowerCase().includes(search));
        const counts = { all: matching.length, internal: 0, sent: 0, received: 0 };
        matching.forEach((doc) => counts[doc.direction]++);
        const shown = matching.filter((doc) => !kwargs.direction || doc.direction === kwargs.direction);
        return {
            documents: shown.slice(kwargs.offset, kwargs.offset + kwargs.limit),
            counts,
            can_delete: canDelete,
            can_upload: canUpload,
            show_contact: false,
            accepted_extensions: RULES.acceptedExtensions,
            max_upload_size: RULES.maxUploadSize,
        };
    });
    return calls;
}

function rowNames() {
    return queryAllTexts(".o_contact_documents_row .o_contact_documents_name > span");
}

function count(filter) {
    return queryAllTexts(`.o_contact_documents_filter[data-filter=${filter}] .o_contact_documents_count`)[0];
}

describe("file checks", () => {
    // The reasons are translated strings: translations come with the environment.
    beforeEach(() => makeMockEnv());

    test("extension as the server reads it", () => {
        expect(fileExtension("Report.Final.PDF")).toBe("pdf");
        expect(fileExtension("README")).toBe("");
        expect(fileExtension(".profile")).toBe("");
    });

    test("refuses a type the server refuses, naming the accepted types", () => {
        const reason = String(fileRefusal({ name: "setup.exe", size: 10 }, RULES));
        expect(reason).toInclude("This type of file cannot be added");
        expect(reason).toInclude("DOCX");
        expect(reason).toInclude("PDF");
    });

    test("refuses a file over 250 MB, and an empty file", () => {
        expect(String(fileRefusal({ name: "big.pdf", size: 250 * MB + 1 }, RULES))).toBe(
            "The file is larger than 250 MB."
        );
        expect(fileRefusal({ name: "big.pdf", size: 250 * MB }, RULES)).toBe(null);
        expect(String(fileRefusal({ name: "empty.png", size: 0 }, RULES))).toBe("The file is empty.");
    });

    test("accepts every accepted extension, whatever its case", () => {
        for (const name of ["a.doc", "a.DOCX", "a.gif", "a.jpeg", "a.JPG", "a.pdf", "a.png", "a.ppt", "a.pptx"]) {
            expect(fileRefusal({ name, size: 1 }, RULES)).toBe(null, { message: name });
        }
    });

    test("sizes are readable", () => {
        expect(formatFileSize(512)).toBe("512 bytes");
        expect(formatFileSize(1536)).toBe("1.5 kB");
        expect(formatFileSize(250 * MB)).toBe("250 MB");
    });
});

describe("documents tab", () => {
    test("lists the documents with the count of each filter", async () => {
        mockTabData();
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        expect(rowNames()).toEqual(DOCUMENTS.map((doc) => doc.name));
        expect([count("all"), count("internal"), count("sent"), count("received")]).toEqual(["4", "2", "1", "1"]);
        expect(".o_contact_documents_filter[data-filter=all]").toHaveAttribute("aria-pressed", "true");
        // Images show a thumbnail, other files a type icon.
        expect(".o_contact_documents_row img.o_contact_documents_thumb").toHaveCount(1);
        expect(".o_contact_documents_row[data-id='2'] img.o_contact_documents_thumb").toHaveAttribute("loading", "lazy");
        expect(".o_contact_documents_row[data-id='1'] .o_image").toHaveAttribute("data-mimetype", "application/pdf");
    });

    test("a filter asks the server for that direction only", async () => {
        const calls = mockTabData();
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        await contains(".o_contact_documents_filter[data-filter=received]").click();
        expect(rowNames()).toEqual(["Signed contract.pdf"]);
        expect(calls.at(-1)).toEqual({ partnerId: 7, direction: "received", search: null, offset: 0, limit: PAGE_SIZE });
        expect(".o_contact_documents_filter[data-filter=received]").toHaveAttribute("aria-pressed", "true");
        expect(".o_contact_documents_filter[data-filter=all]").toHaveAttribute("aria-pressed", "false");
        await contains(".o_contact_documents_filter[data-filter=sent]").click();
        expect(rowNames()).toEqual(["Offer.docx"]);
    });

    test("the search waits for the user to stop typing, then narrows the list", async () => {
        const calls = mockTabData();
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        await contains(".o_contact_documents_search_input").edit("rep", { confirm: false });
        await contains(".o_contact_documents_search_input").edit("report", { confirm: false });
        expect(calls).toHaveLength(1);
        await advanceTime(SEARCH_DELAY);
        await animationFrame();
        expect(calls).toHaveLength(2);
        expect(calls[1].search).toBe("report");
        expect(rowNames()).toEqual(["Quarterly report.pdf"]);
        expect(count("all")).toBe("1");
    });

    test("a contact with many documents loads them a page at a time", async () => {
        const documents = Array.from({ length: 45 }, (_, index) =>
            makeDocument(index + 1, `Scan ${index + 1}.pdf`, "received")
        );
        const calls = mockTabData({ documents });
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        expect(".o_contact_documents_row").toHaveCount(PAGE_SIZE);
        expect(".o_contact_documents_shown").toHaveText(`${PAGE_SIZE} of 45 documents`);
        await contains(".o_contact_documents_load_more").click();
        expect(calls.at(-1).offset).toBe(PAGE_SIZE);
        expect(".o_contact_documents_row").toHaveCount(45);
        expect(".o_contact_documents_load_more").toHaveCount(0);
    });

    test("without write access to the contact there is no Add button", async () => {
        mockTabData({ canUpload: false });
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        expect(".o_contact_documents_add").toHaveCount(0);
    });

    test("a plain user's menu has Preview and Download, but no Delete", async () => {
        mockTabData({ canDelete: false });
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        await contains(".o_contact_documents_row[data-id='4'] .o_contact_documents_row_menu_toggle").click();
        expect(".o_contact_documents_row_menu .o_contact_documents_preview").toHaveCount(1);
        expect(".o_contact_documents_row_menu a.o_contact_documents_download").toHaveAttribute(
            "href",
            "/contact_documents/4/download"
        );
        expect(".o_contact_documents_row_menu .o_contact_documents_delete").toHaveCount(0);
    });

    test("a file that is neither an image nor a PDF can only be downloaded", async () => {
        mockTabData();
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        await contains(".o_contact_documents_row[data-id='3'] .o_contact_documents_row_menu_toggle").click();
        await contains(".o_contact_documents_row_menu .o_contact_documents_preview").click();
        expect(".o_notification").toHaveText("Offer.docx cannot be previewed: download it to open it.");
        expect(".o-FileViewer").toHaveCount(0);
    });

    test("the file viewer is given the preview and download routes", () => {
        const pdf = new ContactDocumentFile(DOCUMENTS[0]);
        expect(pdf.isViewable).toBe(true);
        expect(pdf.defaultSource).toMatch(/viewer\.html\?file=[^#]*%2Fcontact_documents%2F1%2Fpreview#/);
        expect(pdf.downloadUrl).toBe("/contact_documents/1/download");
        const image = new ContactDocumentFile(DOCUMENTS[1]);
        expect(image.defaultSource).toMatch(/\/contact_documents\/2\/preview$/);
    });

    test("Preview opens Odoo's file viewer, which moves between the previewable files", async () => {
        mockTabData();
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        await contains(".o_contact_documents_row[data-id='1'] .o_contact_documents_row_menu_toggle").click();
        await contains(".o_contact_documents_row_menu .o_contact_documents_preview").click();
        expect(".o-FileViewer").toHaveCount(1);
        expect(".o-FileViewer-header").toHaveText(/Quarterly report\.pdf/);
        expect(".o-FileViewer-header .o-FileViewer-download a").toHaveAttribute("href", "/contact_documents/1/download");
        // The Word file is skipped: it cannot be shown.
        expect(".o-FileViewer-navigation").toHaveCount(2);
    });

    test("a manager deletes a file after confirming; the row and the counts update", async () => {
        mockTabData({ canDelete: true });
        onRpc("contact.document", "unlink", ({ args }) => {
            expect.step(`unlink ${args[0]}`);
            return true;
        });
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        await contains(".o_contact_documents_row[data-id='4'] .o_contact_documents_row_menu_toggle").click();
        await contains(".o_contact_documents_row_menu .o_contact_documents_delete").click();
        expect(".modal").toHaveText(/Signed contract\.pdf/);
        expect.verifySteps([]);
        await contains(".modal .btn-danger").click();
        expect.verifySteps(["unlink 4"]);
        expect(rowNames()).toEqual(["Quarterly report.pdf", "Team photo.png", "Offer.docx"]);
        expect([count("all"), count("received")]).toEqual(["3", "0"]);
    });
});

describe("add documents dialog", () => {
    let uploaded;

    beforeEach(() => {
        uploaded = [];
    });

    async function mountDialog() {
        await mountWithCleanup("<div/>");
        getService("dialog").add(
            AddDocumentsDialog,
            {
                partnerId: 7,
                acceptedExtensions: RULES.acceptedExtensions,
                maxUploadSize: RULES.maxUploadSize,
                onUploaded: (result) => uploaded.push(result),
            },
            { onClose: () => expect.step("close") }
        );
        await animationFrame();
    }

    function choose(files) {
        const input = document.querySelector(".o_contact_documents_file_input");
        const transfer = new DataTransfer();
        files.forEach((file) => transfer.items.add(file));
        input.files = transfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        return animationFrame();
    }

    test("Upload is disabled until an acceptable file is chosen; refused files say why", async () => {
        await mountDialog();
        expect(".o_contact_documents_upload").toHaveProperty("disabled", true);
        await choose([new File(["MZ"], "setup.exe")]);
        expect(".o_contact_documents_refused .o_contact_documents_refusal").toHaveText(
            /This type of file cannot be added/
        );
        expect(".o_contact_documents_upload").toHaveProperty("disabled", true);
        await choose([new File(["%PDF-1.4"], "notes.pdf", { type: "application/pdf" })]);
        expect(".o_contact_documents_chosen_file:not(.o_contact_documents_refused)").toHaveText(/notes\.pdf\s*8 bytes/);
        expect(".o_contact_documents_upload").toHaveProperty("disabled", false);
        await contains(".o_contact_documents_chosen_file:contains(notes.pdf) .o_contact_documents_remove").click();
        expect(".o_contact_documents_upload").toHaveProperty("disabled", true);
    });

    test("files dropped on the modal are added", async () => {
        await mountDialog();
        const transfer = new DataTransfer();
        transfer.items.add(new File(["%PDF-1.4"], "dropped.pdf", { type: "application/pdf" }));
        const modal = document.querySelector(".o_contact_documents_add_dialog");
        modal.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: transfer }));
        await animationFrame();
        expect(".o_contact_documents_dropzone").toHaveClass("o_contact_documents_dropzone_active");
        modal.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: transfer }));
        await animationFrame();
        expect(".o_contact_documents_chosen_name").toHaveText("dropped.pdf");
        expect(".o_contact_documents_dropzone").not.toHaveClass("o_contact_documents_dropzone_active");
    });

    test("uploads only the acceptable files, with the contact, then closes", async () => {
        onRpc("/contact_documents/upload", async (request) => {
            const form = await request.formData();
            expect.step(`partner ${form.get("partner_id")}: ${form.getAll("ufile").map((file) => file.name).join(", ")}`);
            return { documents: [{ id: 9, name: "a.pdf" }, { id: 10, name: "b.png" }], errors: [] };
        });
        await mountDialog();
        await choose([
            new File(["%PDF-1.4"], "a.pdf", { type: "application/pdf" }),
            new File(["MZ"], "setup.exe"),
            new File(["\x89PNG"], "b.png", { type: "image/png" }),
        ]);
        expect(".o_contact_documents_upload").toHaveText("Upload 2 files");
        await contains(".o_contact_documents_upload").click();
        await animationFrame();
        expect.verifySteps(["partner 7: a.pdf, b.png", "close"]);
        expect(uploaded).toEqual([{ documents: [{ id: 9, name: "a.pdf" }, { id: 10, name: "b.png" }], errors: [] }]);
    });

    test("uploading shows its progress and disables Upload", async () => {
        let xhr;
        patchWithCleanup(fileUploadService, {
            createXhr() {
                xhr = super.createXhr(...arguments);
                xhr.send = () => {};
                return xhr;
            },
        });
        await mountDialog();
        await choose([new File(["%PDF-1.4"], "big.pdf", { type: "application/pdf" })]);
        await contains(".o_contact_documents_upload").click();
        const progress = new Event("progress");
        Object.assign(progress, { loaded: 50, total: 200, lengthComputable: true });
        xhr.upload.dispatchEvent(progress);
        await animationFrame();
        expect(".o_contact_documents_progress [role=progressbar]").toHaveAttribute("aria-valuenow", "25");
        expect(".o_contact_documents_progress").toHaveText(/25%/);
        expect(".o_contact_documents_upload").toHaveProperty("disabled", true);
    });

    test("the server's reasons are shown when it refuses every file", async () => {
        onRpc("/contact_documents/upload", () =>
            new Response(
                JSON.stringify({ documents: [], errors: ["fake.pdf was refused: its content does not match its extension."] }),
                { status: 400, headers: { "Content-Type": "application/json" } }
            )
        );
        await mountDialog();
        await choose([new File(["not a pdf"], "fake.pdf", { type: "application/pdf" })]);
        await contains(".o_contact_documents_upload").click();
        await animationFrame();
        expect(".o_contact_documents_server_errors").toHaveText(
            "fake.pdf was refused: its content does not match its extension."
        );
        expect.verifySteps([]);
        expect(uploaded).toEqual([]);
        expect(".o_contact_documents_upload").toHaveProperty("disabled", false);
    });
});
