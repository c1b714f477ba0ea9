import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { beforeEach, describe, expect, test } from "@odoo/hoot";
import { queryAllTexts, waitUntil } from "@odoo/hoot-dom";
import { advanceTime, animationFrame } from "@odoo/hoot-mock";
import {
    contains,
    getService,
    makeMockEnv,
    mountWithCleanup,
    onRpc,
    patchWithCleanup,
} from "@web/../tests/web_test_helpers";
import { browser } from "@web/core/browser/browser";
import {
    AddDocumentsDialog,
    fileProgress,
    overallProgress,
} from "@contact_documents/components/add_documents_dialog/add_documents_dialog";
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
// The labels of contact.document's selections, as get_documents_tab_data returns them.
const DIRECTION_LABELS = { internal: "Internal", sent: "Sent", received: "Received" };
const CHANNEL_LABELS = {
    upload: "Upload",
    email: "Email",
    sms: "SMS/MMS",
    facebook: "Facebook Messenger",
    instagram: "Instagram",
    other: "Other Channel",
};

/**
 * The upload-session API in memory, with chunks of 4 bytes: records what the
 * modal opens and sends, and answers each file's finish with its document.
 */
function fakeSessionServer({ stallChunks = false, finishError = null } = {}) {
    const server = { opened: [], chunks: [], pending: new Set() };
    const sessions = new Map();
    const json = (body, status = 200) =>
        new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
    const handle = async (url, init) => {
        const match = url.match(/session(?:\/(\w+))?(?:\/(chunk|finish)(?:\/(\d+))?)?$/);
        const [, token, action, index] = match;
        if (!token) {
            const form = init.body;
            const size = Number(form.get("size"));
            const newToken = `t${sessions.size + 1}`;
            sessions.set(newToken, form.get("name"));
            server.opened.push(`${form.get("partner_id")}: ${form.get("name")} (${size} bytes)`);
            return json({ token: newToken, chunk_size: 4, chunk_count: Math.ceil(size / 4), received: [], received_size: 0 });
        }
        if (action === "chunk") {
            if (stallChunks) {
                return new Promise(() => {});
            }
            server.chunks.push(`${sessions.get(token)} ${index}`);
            return json({ received: [] });
        }
        if (finishError) {
            return json({ error: finishError }, 400);
        }
        return json({ document: { id: Number(token.slice(1)), name: sessions.get(token) } });
    };
    patchWithCleanup(browser, {
        fetch(url, init) {
            if (!String(url).includes("/contact_documents/upload/session")) {
                return super.fetch(...arguments);
            }
            const promise = handle(String(url), init);
            server.pending.add(promise);
            promise.finally(() => server.pending.delete(promise));
            return promise;
        },
    });
    server.idle = async () => {
        for (let round = 0; round < 50; round++) {
            await Promise.all([...server.pending]);
            await animationFrame();
        }
    };
    return server;
}

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
        source_label: "From Dana Documents · Email",
        is_previewable: ["application/pdf", "image/png"].includes(mimetype),
        preview_kind: { "application/pdf": "pdf", "image/png": "image" }[mimetype] || "none",
        preview_state: "none",
        has_thumbnail: false,
        attachment_id: [100 + id, name],
        active: true,
        trashed_date: false,
        trashed_uid: false,
    };
}

function makeTrashedDocument(id, name, direction) {
    return {
        ...makeDocument(id, name, direction),
        active: false,
        trashed_date: "2025-03-05 10:30:00",
        trashed_uid: [6, "Morgan Manager"],
    };
}

const DOCUMENTS = [
    makeDocument(1, "Quarterly report.pdf", "internal"),
    makeDocument(2, "Team photo.png", "internal", "image/png"),
    makeDocument(3, "Offer.docx", "sent", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    makeDocument(4, "Signed contract.pdf", "received"),
];

/**
 * A fake get_documents_tab_data over ``documents``, answering as the server does
 * (the trash and its count for managers only); every call's keyword arguments
 * are recorded in ``calls``. action_trash and action_restore move the fake's
 * documents in and out of the trash.
 */
function mockTabData({
    documents = DOCUMENTS,
    canDelete = false,
    canUpload = true,
    acceptedExtensions = RULES.acceptedExtensions,
    directionLabels = DIRECTION_LABELS,
    channelLabels = CHANNEL_LABELS,
} = {}) {
    const calls = [];
    // The tab's open document requests (components/document_requests): none in these tests.
    onRpc("contact.document.request", "get_documents_tab_requests", () => ({ requests: [], can_request: canUpload }));
    documents = documents.map((doc) => ({ ...doc }));
    onRpc("contact.document", "get_documents_tab_data", ({ args, kwargs }) => {
        const { direction, search: searched, offset, limit } = kwargs;
        calls.push({ partnerId: args[0], direction, search: searched, offset, limit });
        if (direction === "trash" && !canDelete) {
            throw new Error("Only Contact Documents managers can see deleted documents.");
        }
        const search = (kwargs.search || "").toLowerCase();
        const matching = documents.filter((doc) => doc.name.toLowerCase().includes(search));
        const active = matching.filter((doc) => doc.active);
        const trash = matching.filter((doc) => !doc.active);
        const counts = { all: active.length, internal: 0, sent: 0, received: 0 };
        active.forEach((doc) => counts[doc.direction]++);
        if (canDelete) {
            counts.trash = trash.length;
        }
        const shown =
            direction === "trash"
                ? trash
                : active.filter((doc) => !direction || doc.direction === direction);
        return {
            documents: shown.slice(kwargs.offset, kwargs.offset + kwargs.limit),
            counts,
            can_delete: canDelete,
            can_upload: canUpload,
            show_contact: false,
            accepted_extensions: acceptedExtensions,
            max_upload_size: RULES.maxUploadSize,
            direction_labels: directionLabels,
            channel_labels: channelLabels,
        };
    });
    for (const [method, active] of [["action_trash", false], ["action_restore", true]]) {
        onRpc("contact.document", method, ({ args }) => {
            expect.step(`${method} ${JSON.stringify(args)}`);
            documents.filter((doc) => args[0].includes(doc.id)).forEach((doc) => (doc.active = active));
            return true;
        });
    }
    return calls;
}

function rowNames() {
    return queryAllTexts(".o_contact_documents_row .o_contact_documents_open");
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

    test("refuses a type the server refuses, leaving the accepted types to the modal's one line", () => {
        expect(String(fileRefusal({ name: "setup.exe", size: 10 }, RULES))).toBe("This type of file cannot be added.");
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
        expect(formatFileSize(1536)).toBe("1.5 KB");
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

    test("directions and channels are named as the server names them", async () => {
        mockTabData({
            directionLabels: { internal: "Interne", sent: "Envoyé", received: "Reçu" },
            channelLabels: { ...CHANNEL_LABELS, email: "Courriel" },
        });
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        expect(queryAllTexts(".o_contact_documents_direction_filters .o_contact_documents_filter > span:first-child")).toEqual(
            ["All", "Interne", "Envoyé", "Reçu"]
        );
        expect(queryAllTexts(".o_contact_documents_col_direction")).toEqual(["Interne", "Interne", "Envoyé", "Reçu"]);
        // On a phone the summary under the name says the channel too.
        expect(queryAllTexts(".o_contact_documents_summary").every((text) => text.includes(" · Courriel · "))).toBe(true);
    });

    test("Add Documents names the types the server accepts", async () => {
        mockTabData({ acceptedExtensions: ["pdf", "png"] });
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        await contains(".o_contact_documents_add").click();
        expect(".o_contact_documents_rules").toHaveText("PDF and PNG files, up to 250 MB each.");
        expect(".o_contact_documents_file_input").toHaveAttribute("accept", ".pdf,.png");
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
        // Its name is a download link, and its menu offers no Preview.
        expect(".o_contact_documents_row[data-id='3'] a.o_contact_documents_open").toHaveAttribute(
            "href",
            "/contact_documents/3/download"
        );
        expect(".o_contact_documents_row[data-id='3'] a.o_contact_documents_open").toHaveAttribute("download");
        await contains(".o_contact_documents_row[data-id='3'] .o_contact_documents_row_menu_toggle").click();
        expect(".o_contact_documents_row_menu .o_contact_documents_preview").toHaveCount(0);
        expect(".o_contact_documents_row_menu a.o_contact_documents_download").toHaveCount(1);
    });

    test("a click on a previewable file's name opens the file viewer", async () => {
        mockTabData();
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        expect(".o_contact_documents_row[data-id='1'] a.o_contact_documents_open").not.toHaveAttribute("download");
        await contains(".o_contact_documents_row[data-id='1'] .o_contact_documents_open").click();
        expect(".o-FileViewer").toHaveCount(1);
        expect(".o-FileViewer-header").toHaveText(/Quarterly report\.pdf/);
    });

    test("each row says where its file came from", async () => {
        mockTabData();
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        expect(queryAllTexts(".o_contact_documents_col_source")).toEqual(
            DOCUMENTS.map(() => "From Dana Documents · Email")
        );
    });

    test("a file whose name lied about its content is marked, without thumbnail, and only downloaded", async () => {
        const renamed = { ...makeDocument(5, "photo.jpg.png", "received", "image/png"), is_previewable: false, content_mismatch: true };
        mockTabData({ documents: [...DOCUMENTS, renamed] });
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        expect(".o_contact_documents_mismatch").toHaveCount(1);
        expect(".o_contact_documents_row[data-id='5'] .o_contact_documents_mismatch").toHaveText(
            "content does not match its name"
        );
        expect(".o_contact_documents_row[data-id='5'] .o_contact_documents_thumb").toHaveCount(0);
        expect(".o_contact_documents_row[data-id='2'] .o_contact_documents_thumb").toHaveCount(1);
        await contains(".o_contact_documents_row[data-id='5'] .o_contact_documents_row_menu_toggle").click();
        expect(".o_contact_documents_row_menu .o_contact_documents_preview").toHaveCount(0);
        expect(".o_contact_documents_row[data-id='5'] a.o_contact_documents_open").toHaveAttribute("download");
    });

    test("the file viewer is given the preview and download routes", () => {
        const pdf = new ContactDocumentFile(DOCUMENTS[0]);
        expect(pdf.isViewable).toBe(true);
        expect(pdf.defaultSource).toMatch(/viewer\.html\?file=[^#]*%2Fcontact_documents%2F1%2Fpreview#/);
        expect(pdf.downloadUrl).toBe("/contact_documents/1/download");
        const image = new ContactDocumentFile(DOCUMENTS[1]);
        expect(image.defaultSource).toMatch(/\/contact_documents\/2\/preview$/);
    });

    test("the file viewer shows each document as its preview kind says", () => {
        const file = (mimetype, previewKind) =>
            new ContactDocumentFile({ id: 9, name: "f", mimetype, preview_kind: previewKind });
        // An Office file with its rendition opens in PDF.js, through the preview route.
        const slides = file("application/vnd.ms-powerpoint", "office");
        expect(slides.isPdf).toBe(true);
        expect(slides.defaultSource).toMatch(/viewer\.html\?file=[^#]*%2Fcontact_documents%2F9%2Fpreview#/);
        // Without one (being converted, failed), it is not viewable.
        expect(file("application/vnd.ms-powerpoint", "none").isViewable).toBe(false);
        expect(file("video/quicktime", "video").isVideo).toBe(true);
        const voice = file("audio/ogg", "audio");
        expect([voice.isVideo, voice.isAudio]).toEqual([true, true]);
        expect(file("text/csv", "text").isText).toBe(true);
        // HTML is never shown, whatever its mimetype would let Odoo's viewer do.
        expect(file("text/html", "none").isViewable).toBe(false);
    });

    test("rows show the server's thumbnail, small pictures as they are, else a type icon", async () => {
        mockTabData({
            documents: [
                { ...makeDocument(1, "slides.pptx", "received", "application/vnd.ms-powerpoint"), has_thumbnail: true },
                { ...makeDocument(2, "big.png", "received", "image/png"), file_size: 5 * 1024 * 1024 },
                makeDocument(3, "small.png", "received", "image/png"),
            ],
        });
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        // (hoot serves every image itself: which route each row asks for is told by the tour)
        expect(".o_contact_documents_row[data-id='1'] img.o_contact_documents_thumb").toHaveCount(1);
        expect(".o_contact_documents_row[data-id='2'] img.o_contact_documents_thumb").toHaveCount(0);
        expect(".o_contact_documents_row[data-id='2'] .o_contact_documents_icon").toHaveCount(1);
        expect(".o_contact_documents_row[data-id='3'] img.o_contact_documents_thumb").toHaveCount(1);
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

    test("a manager deletes a file after confirming: it moves to the trash, and the counts follow", async () => {
        mockTabData({ canDelete: true });
        onRpc("contact.document", "unlink", () => expect.step("unlink"));
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        expect(count("trash")).toBe("0");
        await contains(".o_contact_documents_row[data-id='4'] .o_contact_documents_row_menu_toggle").click();
        await contains(".o_contact_documents_row_menu .o_contact_documents_delete").click();
        expect(".modal").toHaveText(/Signed contract\.pdf/);
        expect(".modal").toHaveText(/moved to the trash, where a manager can restore it/);
        expect.verifySteps([]);
        await contains(".modal .btn-danger").click();
        expect.verifySteps(["action_trash [[4]]"]);
        expect(rowNames()).toEqual(["Quarterly report.pdf", "Team photo.png", "Offer.docx"]);
        expect([count("all"), count("received"), count("trash")]).toEqual(["3", "0", "1"]);
        expect(".o_notification").toHaveText("Signed contract.pdf was moved to the trash.");
    });

    test("the Trash filter is shown to managers only, apart from the directions, with its count", async () => {
        mockTabData({ documents: [...DOCUMENTS, makeTrashedDocument(5, "Old draft.pdf", "sent")], canDelete: true });
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        expect(".o_contact_documents_filter[data-filter=trash]").toHaveCount(1);
        expect(".o_contact_documents_direction_filters .o_contact_documents_filter[data-filter=trash]").toHaveCount(0);
        expect(".o_contact_documents_filter[data-filter=trash] .fa-trash-o").toHaveCount(1);
        expect(count("trash")).toBe("1");
        // Documents of the trash are in no other filter.
        expect([count("all"), count("sent")]).toEqual(["4", "1"]);
    });

    test("a plain user has no Trash filter", async () => {
        mockTabData({ canDelete: false });
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        expect(".o_contact_documents_filter[data-filter=trash]").toHaveCount(0);
        expect(".o_contact_documents_filter").toHaveCount(4);
    });

    test("the trash lists deleted files with who deleted them, without ZIP, and Restore brings one back", async () => {
        const calls = mockTabData({
            documents: [...DOCUMENTS, makeTrashedDocument(5, "Old draft.pdf", "sent")],
            canDelete: true,
        });
        onRpc("contact.document", "unlink", () => expect.step("unlink"));
        await mountWithCleanup(DocumentsTab, { props: { partnerId: 7 } });
        await contains(".o_contact_documents_filter[data-filter=trash]").click();
        expect(calls.at(-1).direction).toBe("trash");
        expect(".o_contact_documents_filter[data-filter=trash]").toHaveAttribute("aria-pressed", "true");
        expect(rowNames()).toEqual(["Old draft.pdf"]);
        expect(".o_contact_documents_list thead").toHaveText(/Deleted on/);
        expect(".o_contact_documents_row[data-id='5'] .o_contact_documents_col_user").toHaveText("Morgan Manager");
        expect(".o_contact_documents_row[data-id='5'] .o_contact_documents_col_date").toHaveAttribute(
            "title",
            /^Deleted on .* by Morgan Manager$/
        );
        // The ZIP route serves no document of the trash.
        expect(".o_contact_documents_select, .o_contact_documents_select_all").toHaveCount(0);
        expect(".o_contact_documents_download_all, .o_contact_documents_download_selected").toHaveCount(0);

        await contains(".o_contact_documents_row[data-id='5'] .o_contact_documents_row_menu_toggle").click();
        expect(".o_contact_documents_row_menu .o_contact_documents_delete").toHaveCount(0);
        expect(".o_contact_documents_row_menu a.o_contact_documents_download").toHaveAttribute(
            "href",
            "/contact_documents/5/download"
        );
        await contains(".o_contact_documents_row_menu .o_contact_documents_restore").click();
        expect.verifySteps(["action_restore [[5]]"]);
        expect(rowNames()).toEqual([]);
        expect(".o_contact_documents_empty").toHaveText("The trash is empty.");
        expect([count("all"), count("sent"), count("trash")]).toEqual(["5", "2", "0"]);

        await contains(".o_contact_documents_filter[data-filter=all]").click();
        expect(rowNames()).toInclude("Old draft.pdf");
        expect(".o_contact_documents_download_all").toHaveCount(1);
    });
});

describe("add documents dialog", () => {
    let uploaded;
    let filed;

    beforeEach(() => {
        uploaded = [];
        // The files already filed on the contact, by SHA-1 checksum.
        filed = {};
        onRpc("contact.document", "get_filed_copies", ({ args }) => {
            expect(args[0]).toBe(7, { message: "asks about the contact's own documents" });
            return Object.fromEntries(args[1].filter((sha1) => sha1 in filed).map((sha1) => [sha1, filed[sha1]]));
        });
    });

    async function mountDialog() {
        await mountWithCleanup("<div/>");
        getService("dialog").add(
            AddDocumentsDialog,
            {
                partnerId: 7,
                acceptedExtensions: RULES.acceptedExtensions,
                acceptedMimetypes: { pdf: "application/pdf", png: "image/png" },
                maxUploadSize: RULES.maxUploadSize,
                onUploaded: (result) => uploaded.push(result),
            },
            { onClose: () => expect.step("close") }
        );
        await animationFrame();
    }

    /** Choose files, and wait until the modal knows which are already filed. */
    async function choose(files) {
        const input = document.querySelector(".o_contact_documents_file_input");
        const transfer = new DataTransfer();
        files.forEach((file) => transfer.items.add(file));
        input.files = transfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        await animationFrame();
        await waitUntil(() => !document.querySelector(".o_contact_documents_checking"));
        await animationFrame();
    }

    test("a file already filed on the contact says when, and is uploaded only if the user keeps both", async () => {
        // SHA-1 of "%PDF-1.4", as ir.attachment computes it.
        filed["18284a4fd0967804c9a02cb5be86798b54509153"] = { name: "Signed contract.pdf", date: "2025-03-04 09:00:00" };
        await mountDialog();
        await choose([new File(["%PDF-1.4"], "contract again.pdf", { type: "application/pdf" })]);
        expect(".o_contact_documents_filed").toHaveText(/^Already filed on Mar 4, 2025 as Signed contract\.pdf\./);
        expect(".o_contact_documents_upload").toHaveProperty("disabled", true);
        await contains(".o_contact_documents_keep_both").click();
        expect(".o_contact_documents_filed").toHaveText(/a second copy will be added/);
        expect(".o_contact_documents_upload").toHaveProperty("disabled", false);
        await contains(".o_contact_documents_skip_copy").click();
        expect(".o_contact_documents_upload").toHaveProperty("disabled", true);
    });

    test("each chosen file has the icon of its type", async () => {
        await mountDialog();
        await choose([new File(["%PDF-1.4"], "notes.pdf"), new File(["MZ"], "setup.exe")]);
        expect(".o_contact_documents_chosen_file:contains(notes.pdf) .o_image").toHaveAttribute(
            "data-mimetype",
            "application/pdf"
        );
        expect(".o_contact_documents_chosen_file:contains(setup.exe) .fa-ban").toHaveCount(1);
    });

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

    test("uploads only the acceptable files in chunks, with the contact, then closes", async () => {
        const server = fakeSessionServer();
        await mountDialog();
        await choose([
            new File(["%PDF-1.4"], "a.pdf", { type: "application/pdf" }),
            new File(["MZ"], "setup.exe"),
            new File(["\x89PNG"], "b.png", { type: "image/png" }),
        ]);
        expect(".o_contact_documents_upload").toHaveText("Upload 2 files");
        await contains(".o_contact_documents_upload").click();
        await server.idle();
        await animationFrame();
        expect(server.opened).toEqual(["7: a.pdf (8 bytes)", "7: b.png (5 bytes)"]);
        expect(server.chunks).toEqual(["a.pdf 0", "a.pdf 1", "b.png 0", "b.png 1"]);
        expect.verifySteps(["close"]);
        expect(uploaded).toEqual([{ documents: [{ id: 1, name: "a.pdf" }, { id: 2, name: "b.png" }], errors: [] }]);
    });

    test("uploading shows each file's progress and disables Upload", async () => {
        fakeSessionServer({ stallChunks: true });
        await mountDialog();
        await choose([new File(["%PDF-1.4"], "big.pdf", { type: "application/pdf" })]);
        await contains(".o_contact_documents_upload").click();
        await animationFrame();
        await animationFrame();
        expect(".o_contact_documents_progress [role=progressbar]").toHaveAttribute("aria-valuenow", "10");
        expect(".o_contact_documents_chosen_file .o_contact_documents_file_phase").toHaveText("Uploading");
        expect(".o_contact_documents_upload").toHaveProperty("disabled", true);
    });

    test("the server's reasons are shown when it refuses every file", async () => {
        const server = fakeSessionServer({
            finishError: "fake.pdf was refused: its content does not match its extension.",
        });
        await mountDialog();
        await choose([new File(["not a pdf"], "fake.pdf", { type: "application/pdf" })]);
        await contains(".o_contact_documents_upload").click();
        await server.idle();
        await animationFrame();
        expect(".o_contact_documents_server_errors").toHaveText(
            "fake.pdf was refused: its content does not match its extension."
        );
        expect.verifySteps([]);
        expect(uploaded).toEqual([]);
        expect(".o_contact_documents_upload").toHaveProperty("disabled", false);
    });

    test("progress of a file follows its phases, and files weigh by their size", () => {
        expect(fileProgress({ phase: "hashing", loaded: 50, total: 100 })).toBe(0.05);
        expect(fileProgress({ phase: "uploading", loaded: 0, total: 100 })).toBe(0.1);
        expect(fileProgress({ phase: "uploading", loaded: 100, total: 100 })).toBe(0.95);
        expect(fileProgress({ phase: "done", loaded: 100, total: 100 })).toBe(1);
        expect(overallProgress([{ size: 300, progress: 1 }, { size: 100, progress: 0 }])).toBe(0.75);
        expect(overallProgress([])).toBe(0);
    });
});
