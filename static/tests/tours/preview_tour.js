import { registry } from "@web/core/registry";

/*
 * Previews in Odoo's file viewer, started by tests/test_preview.py on a contact
 * whose documents include slides.pptx (converted to PDF by LibreOffice),
 * clip.webm (a video) and voice.ogg (a voice note).
 */

const TAB_READY = ".o_contact_documents_tab:not(.o_contact_documents_loading)";

function rowOf(name) {
    return `.o_contact_documents_row:has(.o_contact_documents_name:contains("${name}"))`;
}

async function until(predicate, describe, timeout = 10000) {
    const start = Date.now();
    while (!predicate()) {
        if (Date.now() - start > timeout) {
            throw new Error(`Timed out waiting for: ${describe()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

function previewSteps(name) {
    return [
        {
            content: `open the menu of ${name}`,
            trigger: `${TAB_READY} ${rowOf(name)} .o_contact_documents_row_menu_toggle`,
            run: "click",
        },
        {
            content: `preview ${name}`,
            trigger: ".o_contact_documents_row_menu .o_contact_documents_preview",
            run: "click",
        },
    ];
}

const closeViewer = {
    content: "close the viewer",
    trigger: ".o-FileViewer [aria-label=Close]",
    run: "click",
};

registry.category("web_tour.tours").add("contact_documents_preview", {
    steps: () => [
        {
            content: "open the Documents tab",
            trigger: ".o_notebook .nav-link[name=contact_documents]",
            run: "click",
        },
        {
            content: "the presentation has the thumbnail of its first slide",
            trigger: `${TAB_READY} ${rowOf("slides.pptx")} img.o_contact_documents_thumb[src$='/thumbnail']`,
            run: ({ anchor }) =>
                until(
                    () => anchor.complete && anchor.naturalWidth > 0,
                    () => `the thumbnail to load (naturalWidth ${anchor.naturalWidth})`
                ),
        },
        ...previewSteps("slides.pptx"),
        {
            content: "the file viewer opens the presentation's PDF in PDF.js",
            trigger: ".o-FileViewer iframe.o-FileViewer-view[src*='viewer.html'][src*='%2Fcontact_documents%2F']",
        },
        {
            content: "PDF.js renders the slide",
            trigger: ".o-FileViewer iframe.o-FileViewer-view:iframe .page[data-page-number='1'] canvas",
        },
        closeViewer,
        ...previewSteps("clip.webm"),
        {
            content: "the video plays: the browser has decoded its current frame",
            trigger: ".o-FileViewer video.o-FileViewer-view",
            run: ({ anchor }) =>
                until(
                    () => anchor.readyState >= 2,
                    () => `the video to load (readyState ${anchor.readyState}, error ${anchor.error?.code})`
                ),
        },
        closeViewer,
        ...previewSteps("voice.ogg"),
        {
            content: "a voice note gets an audio player, not a video one",
            trigger: ".o-FileViewer:not(:has(video)) audio.o_contact_documents_audio[src*='/contact_documents/']",
            run: ({ anchor }) =>
                until(
                    () => anchor.readyState >= 1,
                    () => `the sound to load (readyState ${anchor.readyState}, error ${anchor.error?.code})`
                ),
        },
        closeViewer,
    ],
});
