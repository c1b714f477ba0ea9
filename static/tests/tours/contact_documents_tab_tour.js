import { registry } from "@web/core/registry";

/*
 * Tours of the Documents tab of a contact, started by tests/test_ui.py on a
 * contact seeded with (newest first):
 *   Meeting minutes.doc (received), Signed contract.pdf (received),
 *   Offer for Dana.docx (sent), Team photo.png (internal),
 *   Quarterly report.pdf (internal).
 */

const SEEDED = {
    all: [
        "Meeting minutes.doc",
        "Signed contract.pdf",
        "Offer for Dana.docx",
        "Team photo.png",
        "Quarterly report.pdf",
    ],
    internal: ["Team photo.png", "Quarterly report.pdf"],
    sent: ["Offer for Dana.docx"],
    received: ["Meeting minutes.doc", "Signed contract.pdf"],
};
const TINY_PNG =
    "iVBORw0KGgoAAAANSUhEUgAAABgAAAAYCAIAAABvFaqvAAAAMklEQVR42mPUqDjBQA3AxEAlMGoQYcCCKXQpIIGgNr0NC0YDe9SgUYNIAYyjJeQQNAgAqlMGASI8/3cAAAAASUVORK5CYII=";
const TAB_READY = ".o_contact_documents_tab:not(.o_contact_documents_loading)";

// ----------------------------------------------------------------------
// Helpers
// ----------------------------------------------------------------------

async function until(predicate, describe, timeout = 5000) {
    const start = Date.now();
    while (!predicate()) {
        if (Date.now() - start > timeout) {
            throw new Error(`Timed out waiting for: ${describe()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

function rowNames() {
    return [...document.querySelectorAll(".o_contact_documents_row .o_contact_documents_open")].map(
        (el) => el.textContent.trim()
    );
}

function rowOf(name) {
    return `.o_contact_documents_row:has(.o_contact_documents_open:contains("${name}"))`;
}

function pngFile(name) {
    const bytes = Uint8Array.from(atob(TINY_PNG), (char) => char.charCodeAt(0));
    return new File([bytes], name, { type: "image/png" });
}

function pdfFile(name) {
    const content = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    return new File([content], name, { type: "application/pdf" });
}

function chooseFiles(files) {
    const input = document.querySelector(".o_contact_documents_file_input");
    const transfer = new DataTransfer();
    files.forEach((file) => transfer.items.add(file));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

function dropFiles(target, files) {
    const transfer = new DataTransfer();
    files.forEach((file) => transfer.items.add(file));
    for (const type of ["dragenter", "dragover", "drop"]) {
        target.dispatchEvent(
            new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer })
        );
    }
}

/**
 * Ask tests/test_ui.py to save a screenshot of the page, and wait until it is saved.
 * Notifications are closed first, and ``scrollTo`` scrolled to the top of the screen.
 */
async function screenshot(name, options) {
    await prepareScreen(options);
    console.log(`contact_documents:screenshot:${name}`);
    await until(
        () => (window.__contactDocumentsScreenshots || []).includes(name),
        () => `screenshot ${name}`,
        15000
    );
}

async function prepareScreen({ scrollTo } = {}) {
    document.querySelectorAll(".o_notification_close").forEach((button) => button.click());
    await until(() => !document.querySelector(".o_notification"), () => "notifications to close");
    if (scrollTo) {
        document.querySelector(scrollTo).scrollIntoView({ block: "start" });
    }
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100)));
}

// ----------------------------------------------------------------------
// Steps
// ----------------------------------------------------------------------

function expectRows(names, content) {
    return {
        content: content || `the list shows ${names.join(", ") || "nothing"}`,
        trigger: TAB_READY,
        run: () =>
            until(
                () => JSON.stringify(rowNames()) === JSON.stringify(names),
                () => `rows ${JSON.stringify(names)}, got ${JSON.stringify(rowNames())}`
            ),
    };
}

function expectCounts(counts) {
    return Object.entries(counts).map(([filter, count]) => ({
        content: `the ${filter} filter counts ${count}`,
        trigger: `${TAB_READY} .o_contact_documents_filter[data-filter=${filter}] .o_contact_documents_count:text(${count})`,
    }));
}

function selectFilter(filter) {
    return [
        {
            content: `select the ${filter} filter`,
            trigger: `.o_contact_documents_filter[data-filter=${filter}]`,
            run: "click",
        },
        {
            content: `the ${filter} filter is pressed`,
            trigger: `${TAB_READY} .o_contact_documents_filter[data-filter=${filter}][aria-pressed=true]`,
        },
    ];
}

function openRowMenu(name) {
    return [
        {
            content: `open the menu of ${name}`,
            trigger: `${rowOf(name)} .o_contact_documents_row_menu_toggle`,
            run: "click",
        },
        {
            content: "the menu is open",
            trigger: ".o_contact_documents_row_menu .o_contact_documents_download",
        },
    ];
}

function openTabSteps() {
    return [
        {
            content: "open the Documents tab",
            trigger: ".o_notebook .nav-link[name=contact_documents]",
            run: "click",
        },
        expectRows(SEEDED.all, "the tab lists every document, newest first"),
    ];
}

function filterAndSearchSteps() {
    return [
        ...expectCounts({ all: 5, internal: 2, sent: 1, received: 2 }),
        {
            content: "images have a thumbnail, other files a type icon",
            trigger: `${rowOf("Team photo.png")} img.o_contact_documents_thumb[src^='/contact_documents/'][src$='/preview']`,
        },
        {
            content: "a PDF shows the PDF type icon",
            trigger: `${rowOf("Quarterly report.pdf")} .o_image[data-mimetype='application/pdf']`,
        },
        ...originSteps(),
        ...selectFilter("internal"),
        expectRows(SEEDED.internal),
        ...selectFilter("sent"),
        expectRows(SEEDED.sent),
        ...selectFilter("received"),
        expectRows(SEEDED.received),
        ...selectFilter("all"),
        expectRows(SEEDED.all),
        {
            content: "search by part of a name",
            trigger: ".o_contact_documents_search_input",
            run: "edit REPORT",
        },
        expectRows(["Quarterly report.pdf"], "only the matching document is listed"),
        ...expectCounts({ all: 1, internal: 1, sent: 0, received: 0 }),
        {
            content: "a search that matches nothing says so",
            trigger: ".o_contact_documents_search_input",
            run: "edit nothing like this",
        },
        {
            content: "the empty message names the search",
            trigger: `${TAB_READY} .o_contact_documents_empty:contains("nothing like this")`,
        },
        {
            content: "clear the search",
            trigger: ".o_contact_documents_search_input",
            run: "clear",
        },
        expectRows(SEEDED.all),
    ];
}

/** Who each file came from and through which channel; uploads say who added them; dates have their time. */
function originSteps() {
    const sources = {
        "Meeting minutes.doc": "From Dana Documents · SMS/MMS",
        "Signed contract.pdf": "From Dana Documents · Email",
        "Offer for Dana.docx": "From Morgan Manager · Email",
        "Team photo.png": "Added by Morgan Manager",
        "Quarterly report.pdf": "Added by Morgan Manager",
    };
    return [
        ...Object.entries(sources).map(([name, source]) => ({
            content: `${name} says where it came from: ${source}`,
            trigger: `${rowOf(name)} .o_contact_documents_col_source:text(${source})`,
        })),
        {
            content: "dates show their time, as Odoo's lists do",
            trigger: `${rowOf("Signed contract.pdf")} .o_contact_documents_col_date:contains(Mar 4, 2025)`,
            run: ({ anchor }) => {
                if (!/^Mar 4, 2025, \d{1,2}:\d{2}\s?[AP]M$/.test(anchor.textContent.trim())) {
                    throw new Error(`date without its time: "${anchor.textContent}"`);
                }
            },
        },
        {
            content: "a file without preview is downloaded by a click on its name",
            trigger: `${rowOf("Offer for Dana.docx")} a.o_contact_documents_open[download][href$='/download']`,
        },
    ];
}

function addDocumentsSteps({ takeScreenshots = false } = {}) {
    return [
        {
            content: "open the Add Documents modal",
            trigger: ".o_contact_documents_add",
            run: "click",
        },
        {
            content: "Upload is disabled until a file is chosen",
            trigger: ".modal .o_contact_documents_upload:disabled",
        },
        {
            content: "choose a file of a refused type",
            trigger: ".modal .o_contact_documents_dropzone",
            run: () => chooseFiles([new File(["MZ not a document"], "installer.exe")]),
        },
        {
            content: "the refused file shows its reason, without repeating the accepted types",
            trigger: ".modal .o_contact_documents_refused:contains(installer.exe) .o_contact_documents_refusal:text(This type of file cannot be added.)",
        },
        {
            content: "the accepted types are said once, under the drop zone, and pointed out",
            trigger: ".modal .o_contact_documents_rules.text-danger:contains(PDF)",
        },
        {
            content: "Upload stays disabled with only a refused file",
            trigger: ".modal .o_contact_documents_upload:disabled",
        },
        ...(takeScreenshots
            ? [
                  {
                      content: "choose an acceptable file next to the refused one, for the screenshot",
                      trigger: ".modal .o_contact_documents_dropzone",
                      run: () => chooseFiles([pdfFile("Meeting notes.pdf")]),
                  },
                  {
                      content: "screenshot of the modal",
                      trigger: ".modal .o_contact_documents_upload:enabled",
                      run: () => screenshot("add_documents_modal"),
                  },
                  {
                      content: "remove that file again",
                      trigger: ".modal .o_contact_documents_chosen_file:contains(Meeting notes.pdf) .o_contact_documents_remove",
                      run: "click",
                  },
              ]
            : []),
        {
            content: "choose a PDF with the file picker",
            trigger: ".modal .o_contact_documents_dropzone",
            run: () => chooseFiles([pdfFile("Meeting notes.pdf")]),
        },
        {
            content: "drop a PNG on the modal",
            trigger: ".modal .o_contact_documents_chosen_file:contains(Meeting notes.pdf)",
            run: () => dropFiles(document.querySelector(".modal .o_contact_documents_dropzone"), [pngFile("Whiteboard.png")]),
        },
        {
            content: "each chosen file shows its size",
            trigger: ".modal .o_contact_documents_chosen_file:contains(Whiteboard.png) .o_contact_documents_chosen_size:text(107 bytes)",
        },
        {
            content: "each chosen file shows the icon of its type",
            trigger: ".modal .o_contact_documents_chosen_file:contains(Meeting notes.pdf) .o_image[data-mimetype='application/pdf']",
        },
        {
            content: "upload the two acceptable files",
            trigger: ".modal .o_contact_documents_upload:enabled:contains(Upload 2 files)",
            run: "click",
        },
        {
            content: "the modal closes once the files are filed",
            trigger: "body:not(:has(.o_contact_documents_add_dialog))",
        },
        expectRows(["Whiteboard.png", "Meeting notes.pdf", ...SEEDED.all], "the new documents are listed at once"),
        ...expectCounts({ all: 7, internal: 4 }),
        ...selectFilter("internal"),
        expectRows(["Whiteboard.png", "Meeting notes.pdf", ...SEEDED.internal], "they are filed as Internal"),
        ...selectFilter("all"),
        expectRows(["Whiteboard.png", "Meeting notes.pdf", ...SEEDED.all]),
        {
            content: "an upload says who added it",
            trigger: `${rowOf("Whiteboard.png")} .o_contact_documents_col_source:contains(Added by)`,
        },
        ...alreadyFiledSteps({ takeScreenshots }),
        ...(takeScreenshots
            ? [
                  {
                      content: "screenshot of the tab",
                      trigger: TAB_READY,
                      run: () => screenshot("documents_tab", { scrollTo: ".o_notebook" }),
                  },
              ]
            : []),
    ];
}

/** A file already filed on the contact (same content) is pointed out before it is uploaded again. */
function alreadyFiledSteps({ takeScreenshots = false } = {}) {
    return [
        {
            content: "open the Add Documents modal again",
            trigger: `${TAB_READY} .o_contact_documents_add`,
            run: "click",
        },
        {
            content: "choose the same image under another name",
            trigger: ".modal .o_contact_documents_dropzone",
            run: () => chooseFiles([pngFile("Whiteboard again.png")]),
        },
        {
            content: "it says when and as what it was filed, and is not uploaded unless asked",
            trigger: ".modal .o_contact_documents_chosen_file:contains(Whiteboard again.png) .o_contact_documents_filed:contains(Already filed on):contains(as Whiteboard.png)",
        },
        {
            content: "Upload is disabled: nothing new to upload",
            trigger: ".modal .o_contact_documents_upload:disabled",
        },
        ...(takeScreenshots
            ? [
                  {
                      content: "screenshot of the modal with a file already filed",
                      trigger: ".modal .o_contact_documents_keep_both",
                      run: () => screenshot("add_documents_already_filed"),
                  },
              ]
            : []),
        {
            content: "keep both",
            trigger: ".modal .o_contact_documents_keep_both",
            run: "click",
        },
        {
            content: "the copy would now be uploaded",
            trigger: ".modal .o_contact_documents_upload:enabled",
        },
        {
            content: "skip it after all",
            trigger: ".modal .o_contact_documents_skip_copy",
            run: "click",
        },
        {
            content: "Upload is disabled again",
            trigger: ".modal .o_contact_documents_upload:disabled",
        },
        {
            content: "close the modal",
            trigger: ".modal .o_contact_documents_cancel",
            run: "click",
        },
        {
            content: "the modal is closed",
            trigger: "body:not(:has(.o_contact_documents_add_dialog))",
        },
    ];
}

function zipSteps() {
    return [
        {
            content: "the whole filter can be downloaded as one ZIP",
            trigger: `${TAB_READY} a.o_contact_documents_download_all[href*="partner_id="]`,
        },
        {
            content: "select a first document",
            trigger: `${rowOf("Quarterly report.pdf")} .o_contact_documents_select`,
            run: "click",
        },
        {
            content: "select a second document",
            trigger: `${rowOf("Team photo.png")} .o_contact_documents_select`,
            run: "click",
        },
        {
            content: "the selection downloads as one ZIP of those two",
            trigger: "a.o_contact_documents_download_selected",
            run: () => {
                const link = document.querySelector("a.o_contact_documents_download_selected");
                const ids = new URL(link.href).searchParams.get("ids").split(",");
                if (!link.textContent.includes("(2)") || ids.length !== 2) {
                    throw new Error(`Unexpected ZIP link ${link.textContent} ${link.href}`);
                }
            },
        },
        {
            content: "select every document shown, then none",
            trigger: ".o_contact_documents_select_all",
            run: "click",
        },
        {
            content: "every row is selected",
            trigger: ".o_contact_documents_list:not(:has(.o_contact_documents_select:not(:checked)))",
        },
        {
            content: "unselect all",
            trigger: ".o_contact_documents_select_all:checked",
            run: "click",
        },
        {
            content: "nothing is selected any more",
            trigger: `${TAB_READY}:not(:has(.o_contact_documents_download_selected)) a.o_contact_documents_download_all`,
        },
    ];
}

function previewAndDownloadSteps({ takeScreenshots = false } = {}) {
    return [
        {
            content: "click the name of the PDF",
            trigger: `${rowOf("Quarterly report.pdf")} .o_contact_documents_open`,
            run: "click",
        },
        {
            content: "the file viewer loads the PDF through the preview route",
            trigger: ".o-FileViewer iframe.o-FileViewer-view[src*='viewer.html'][src*='%2Fcontact_documents%2F']",
        },
        {
            content: "PDF.js renders the PDF's page",
            trigger: ".o-FileViewer iframe.o-FileViewer-view:iframe .page[data-page-number='1']",
        },
        {
            content: "close the viewer",
            trigger: ".o-FileViewer [aria-label=Close]",
            run: "click",
        },
        ...openRowMenu("Team photo.png"),
        {
            content: "preview the image",
            trigger: ".o_contact_documents_row_menu .o_contact_documents_preview",
            run: "click",
        },
        {
            content: "the file viewer shows the image from the preview route",
            trigger: ".o-FileViewer img.o-FileViewer-viewImage[src*='/contact_documents/'][src*='/preview']",
            run: ({ anchor }) =>
                until(
                    () => anchor.complete && anchor.naturalWidth > 0,
                    () => `the image to load (naturalWidth ${anchor.naturalWidth})`
                ),
        },
        {
            content: "close the viewer",
            trigger: ".o-FileViewer [aria-label=Close]",
            run: "click",
        },
        {
            content: "open the menu of a Word file",
            trigger: `${rowOf("Offer for Dana.docx")} .o_contact_documents_row_menu_toggle`,
            run: "click",
        },
        {
            content: "a file without preview offers no Preview, only Download",
            trigger: ".o_contact_documents_row_menu:not(:has(.o_contact_documents_preview)) .o_contact_documents_download",
        },
        {
            content: "close the menu",
            trigger: `${rowOf("Offer for Dana.docx")} .o_contact_documents_row_menu_toggle`,
            run: "click",
        },
        {
            content: "the menu is closed",
            trigger: "body:not(:has(.o_contact_documents_row_menu))",
        },
        ...(takeScreenshots
            ? [
                  {
                      content: "show the list from its top, for the screenshot",
                      trigger: TAB_READY,
                      run: () => prepareScreen({ scrollTo: ".o_notebook" }),
                  },
              ]
            : []),
        ...openRowMenu("Signed contract.pdf"),
        ...(takeScreenshots
            ? [
                  {
                      content: "screenshot of the menu",
                      trigger: ".o_contact_documents_row_menu .o_contact_documents_delete",
                      run: () => screenshot("row_menu"),
                  },
              ]
            : []),
        {
            content: "Download is a link to the download route, which answers with an attachment",
            trigger: ".o_contact_documents_row_menu a.o_contact_documents_download[download][href$='/download']",
            run: async ({ anchor }) => {
                if (!/^\/contact_documents\/\d+\/download$/.test(anchor.getAttribute("href"))) {
                    throw new Error(`unexpected download link ${anchor.getAttribute("href")}`);
                }
                const response = await fetch(anchor.href);
                const disposition = response.headers.get("Content-Disposition") || "";
                if (response.status !== 200 || !disposition.startsWith("attachment")) {
                    throw new Error(`download answered ${response.status} "${disposition}"`);
                }
                anchor.click();
            },
        },
        {
            content: "the menu closes after the download",
            trigger: "body:not(:has(.o_contact_documents_row_menu))",
        },
    ];
}

function trashAndRestoreSteps() {
    const afterUpload = ["Whiteboard.png", "Meeting notes.pdf", ...SEEDED.all];
    return [
        ...openRowMenu("Signed contract.pdf"),
        {
            content: "delete the file",
            trigger: ".o_contact_documents_row_menu .o_contact_documents_delete",
            run: "click",
        },
        {
            content: "deleting asks for confirmation, and says the file goes to the trash",
            trigger: ".modal:contains(Signed contract.pdf):contains(moved to the trash) .btn-danger:contains(Delete)",
            run: "click",
        },
        expectRows(afterUpload.filter((name) => name !== "Signed contract.pdf"), "the row disappears"),
        ...expectCounts({ all: 6, internal: 4, sent: 1, received: 1, trash: 1 }),
        ...selectFilter("trash"),
        expectRows(["Signed contract.pdf"], "the trash lists the deleted file"),
        {
            content: "the trash's columns are when and by whom files were deleted",
            trigger: `${TAB_READY} .o_contact_documents_list thead:has(th:contains(Deleted on)):has(th:contains(Deleted by))`,
        },
        {
            content: "the trash says who deleted the file",
            trigger: `${rowOf("Signed contract.pdf")} .o_contact_documents_col_user:contains(Morgan Manager)`,
        },
        {
            content: "the date column is the date of deletion",
            trigger: `${rowOf("Signed contract.pdf")} .o_contact_documents_col_date[title*="Deleted on"][title*="by Morgan Manager"]`,
        },
        {
            content: "documents of the trash cannot be selected nor downloaded as ZIP",
            trigger: `${TAB_READY}:not(:has(.o_contact_documents_select, .o_contact_documents_select_all, .o_contact_documents_download_all, .o_contact_documents_download_selected))`,
        },
        ...openRowMenu("Signed contract.pdf"),
        {
            content: "in the trash the menu offers Download and Restore, not Delete File",
            trigger: ".o_contact_documents_row_menu:not(:has(.o_contact_documents_delete)):has(a.o_contact_documents_download[href$='/download']) .o_contact_documents_restore",
            run: "click",
        },
        {
            content: "the restored file leaves the trash, which is now empty",
            trigger: `${TAB_READY} .o_contact_documents_empty:contains(The trash is empty)`,
        },
        ...expectCounts({ all: 7, internal: 4, sent: 1, received: 2, trash: 0 }),
        ...selectFilter("all"),
        expectRows(afterUpload, "the restored file is back under All"),
    ];
}

// ----------------------------------------------------------------------
// Tours
// ----------------------------------------------------------------------

registry.category("web_tour.tours").add("contact_documents_tab_manager", {
    steps: () => [
        ...openTabSteps(),
        {
            content: "a manager has a Trash filter, empty for now",
            trigger: `${TAB_READY} .o_contact_documents_filter_trash[data-filter=trash] .fa-trash-o`,
        },
        ...expectCounts({ trash: 0 }),
        ...filterAndSearchSteps(),
        ...addDocumentsSteps({ takeScreenshots: true }),
        ...previewAndDownloadSteps({ takeScreenshots: true }),
        ...zipSteps(),
        ...trashAndRestoreSteps(),
    ],
});

registry.category("web_tour.tours").add("contact_documents_tab_user", {
    steps: () => [
        ...openTabSteps(),
        {
            content: "a plain user has no Trash filter",
            trigger: `${TAB_READY} .o_contact_documents_filters:not(:has(.o_contact_documents_filter_trash, [data-filter=trash]))`,
        },
        ...filterAndSearchSteps(),
        ...addDocumentsSteps(),
        ...previewAndDownloadSteps(),
        ...openRowMenu("Signed contract.pdf"),
        {
            content: "a plain user has Preview and Download but no Delete entry",
            trigger: ".o_contact_documents_row_menu:not(:has(.o_contact_documents_delete)) .o_contact_documents_download",
        },
    ],
});

registry.category("web_tour.tours").add("contact_documents_tab_paging", {
    steps: () => [
        {
            content: "open the Documents tab",
            trigger: ".o_notebook .nav-link[name=contact_documents]",
            run: "click",
        },
        ...expectCounts({ all: 45 }),
        {
            content: "only the first page is loaded",
            trigger: `${TAB_READY} .o_contact_documents_shown:text(40 of 45 documents)`,
            run: () => until(() => rowNames().length === 40, () => `40 rows, got ${rowNames().length}`),
        },
        {
            content: "load the next page",
            trigger: ".o_contact_documents_load_more",
            run: "click",
        },
        {
            content: "every document is listed once, and there is nothing more to load",
            trigger: `${TAB_READY}:not(:has(.o_contact_documents_load_more))`,
            run: () =>
                until(
                    () => rowNames().length === 45 && new Set(rowNames()).size === 45,
                    () => `45 distinct rows, got ${rowNames().length}`
                ),
        },
    ],
});

registry.category("web_tour.tours").add("contact_documents_tab_mobile", {
    steps: () => [
        ...openTabSteps(),
        {
            content: "on a phone, the less important columns are hidden and summed up under the name, channel included",
            trigger: `${rowOf("Signed contract.pdf")} .o_contact_documents_summary:visible:contains(Received · Email · )`,
            run: () => {
                const hidden = [...document.querySelectorAll(".o_contact_documents_col_source, .o_contact_documents_col_size")];
                if (!hidden.length || hidden.some((el) => el.offsetParent !== null)) {
                    throw new Error("the source and size columns should be hidden on a phone");
                }
            },
        },
        {
            content: "+ Add stays on the line of Download all",
            trigger: `${TAB_READY} .o_contact_documents_add`,
            run: ({ anchor }) => {
                const download = document.querySelector(".o_contact_documents_download_all");
                if (Math.abs(download.getBoundingClientRect().top - anchor.getBoundingClientRect().top) > 2) {
                    throw new Error("+ Add wrapped under Download all");
                }
            },
        },
        {
            content: "open Add Documents on the phone",
            trigger: `${TAB_READY} .o_contact_documents_add`,
            run: "click",
        },
        {
            content: "no files to drop on a phone: only Choose Files",
            trigger: ".modal:not(:has(.o_contact_documents_drop_hint)) .o_contact_documents_choose:visible",
        },
        {
            content: "close the modal",
            trigger: ".modal .o_contact_documents_cancel",
            run: "click",
        },
        {
            content: "the modal is closed",
            trigger: "body:not(:has(.o_contact_documents_add_dialog))",
        },
        ...selectFilter("received"),
        expectRows(SEEDED.received),
        { content: "screenshot of the tab on a phone", trigger: TAB_READY, run: () => screenshot("documents_tab_phone", { scrollTo: ".o_notebook" }) },
        ...openRowMenu("Signed contract.pdf"),
        {
            content: "the menu works on a phone",
            trigger: ".o_contact_documents_row_menu .o_contact_documents_download",
        },
    ],
});
