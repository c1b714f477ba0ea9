import { describe, expect, test } from "@odoo/hoot";
import { queryOne, waitFor } from "@odoo/hoot-dom";
import { setupInteractionWhiteList, startInteractions } from "@web/../tests/public/helpers";
import { patchWithCleanup } from "@web/../tests/web_test_helpers";
import { browser } from "@web/core/browser/browser";

setupInteractionWhiteList("contact_documents.portal_upload");

describe.current.tags("headless");

const SESSION_URL = "/contact_documents/request/abc/upload/session";

function jsonResponse(body, status = 200) {
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** The upload area as the server renders it (contact_documents.portal_upload_area), another session URL. */
function uploadArea() {
    return `
        <section class="o_contact_documents_portal_upload"
                 data-session-url="${SESSION_URL}"
                 data-open-params='{"partner_id": 7}'
                 data-accepted-extensions='["pdf", "png"]'
                 data-max-upload-size="1000">
            <div class="o_contact_documents_portal_dropzone">
                <input type="file" multiple="multiple" class="o_contact_documents_portal_input"/>
            </div>
            <ul class="o_contact_documents_portal_files"></ul>
        </section>`;
}

function choose(files) {
    const input = queryOne(".o_contact_documents_portal_input");
    const transfer = new DataTransfer();
    files.forEach((file) => transfer.items.add(file));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

/** The session API under SESSION_URL, played in memory: ``refuse`` names files refused at finish. */
function fakeSessionApi({ refuse = {} } = {}) {
    const calls = [];
    patchWithCleanup(browser, {
        fetch: async (url, init) => {
            const suffix = url.replace(SESSION_URL, "");
            calls.push(`${init.method} ${suffix}`);
            if (init.method === "POST" && suffix === "") {
                const name = init.body.get("name");
                calls.push(`open ${name} for ${init.body.get("partner_id")}`);
                return jsonResponse({
                    token: name.replace(/\W/g, ""), chunk_size: 4, received: [], received_size: 0,
                    chunk_count: Math.ceil(Number(init.body.get("size")) / 4),
                });
            }
            if (suffix.endsWith("/finish")) {
                const token = suffix.split("/")[1];
                const refusal = Object.entries(refuse).find(([name]) => name.replace(/\W/g, "") === token);
                if (refusal) {
                    return jsonResponse({ error: refusal[1] }, 400);
                }
                return jsonResponse({ document: { id: 1, name: token } });
            }
            return jsonResponse({ index: 0 });
        },
    });
    return calls;
}

test("sends each file in chunks to the given session URL, and tells each refusal with its reason", async () => {
    const calls = fakeSessionApi({ refuse: { "fake.pdf": "fake.pdf was refused: its content does not match its extension." } });
    await startInteractions(uploadArea());
    choose([
        new File(["%PDF-1.4 a real one"], "signed.pdf", { type: "application/pdf" }),
        new File(["hello"], "notes.txt", { type: "text/plain" }),
        new File(["x".repeat(1001)], "huge.png", { type: "image/png" }),
        new File(["text"], "fake.pdf", { type: "application/pdf" }),
    ]);
    await waitFor(".o_contact_documents_portal_file[data-state=done]:contains(signed.pdf)");
    await waitFor(".o_contact_documents_portal_file[data-state=failed]:contains(fake.pdf)");
    // Refused before sending, from the server's own list and limit.
    expect(".o_contact_documents_portal_file[data-state=refused]:contains(notes.txt)").toHaveCount(1);
    expect(".o_contact_documents_portal_file[data-state=refused]:contains(huge.png)").toHaveText(/larger than 1000 bytes/);
    expect(".o_contact_documents_portal_file:contains(fake.pdf) .o_contact_documents_portal_file_status").toHaveText(
        "fake.pdf was refused: its content does not match its extension."
    );
    expect(".o_contact_documents_portal_file:contains(signed.pdf) .o_contact_documents_portal_file_size").toHaveText(
        "19 bytes"
    );
    expect(calls).toInclude("open signed.pdf for 7");
    expect(calls.filter((call) => call.startsWith("PUT /signedpdf/chunk/"))).toHaveLength(5);
    expect(calls).toInclude("POST /signedpdf/finish");
    expect(calls.some((call) => call.includes("notes"))).toBe(false);
});
