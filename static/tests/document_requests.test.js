import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { describe, expect, test } from "@odoo/hoot";
import { queryAllTexts } from "@odoo/hoot-dom";
import { contains, mountWithCleanup, onRpc } from "@web/../tests/web_test_helpers";
import { DocumentRequests } from "@contact_documents/components/document_requests/document_requests";
import { ChunkedUploadError, uploadInChunks } from "@contact_documents/services/chunked_upload";

describe.current.tags("desktop");
defineMailModels();

const TOMORROW = luxon.DateTime.local().plus({ days: 1 }).toISODate();
const LAST_WEEK = luxon.DateTime.local().minus({ days: 7 }).toISODate();

function makeRequest(id, name, dueDate, extra = {}) {
    return {
        id,
        name,
        partner_id: [7, "Jane Customer"],
        due_date: dueDate,
        expiry_date: dueDate,
        message: false,
        state: "open",
        user_id: [2, "Mitchell Admin"],
        reminder_count: 0,
        last_reminder_date: false,
        received_count: 0,
        create_date: "2026-11-01 09:00:00",
        ...extra,
    };
}

/** A fake get_documents_tab_requests over ``requests``; Remind and Cancel change them as the server does. */
function mockRequests(requests, { canRequest = true } = {}) {
    onRpc("contact.document.request", "get_documents_tab_requests", ({ args }) => {
        expect.step(`load ${args[0]}`);
        return { requests: requests.filter((r) => r.state === "open"), can_request: canRequest };
    });
    onRpc("contact.document.request", "action_remind", ({ args }) => {
        expect.step(`remind ${args[0]}`);
        requests.filter((r) => args[0].includes(r.id)).forEach((r) => r.reminder_count++);
        return true;
    });
    onRpc("contact.document.request", "action_cancel", ({ args }) => {
        expect.step(`cancel ${args[0]}`);
        requests.filter((r) => args[0].includes(r.id)).forEach((r) => (r.state = "cancelled"));
        return true;
    });
}

describe("document requests of the tab", () => {
    test("shows nothing while no request is open", async () => {
        mockRequests([]);
        await mountWithCleanup(DocumentRequests, { props: { partnerId: 7 } });
        expect.verifySteps(["load 7"]);
        expect(".o_contact_documents_requests").toHaveCount(0);
    });

    test("lists the open requests, an overdue one marked", async () => {
        mockRequests([
            makeRequest(1, "Signed contract, ID card", TOMORROW),
            makeRequest(2, "Payslips", LAST_WEEK, { reminder_count: 2 }),
        ]);
        await mountWithCleanup(DocumentRequests, { props: { partnerId: 7 } });
        expect(".o_contact_documents_requests_title").toHaveText("2 open document requests");
        expect(queryAllTexts(".o_contact_documents_request_name")).toEqual(["Signed contract, ID card", "Payslips"]);
        expect(".o_contact_documents_request[data-id='2'] .o_contact_documents_request_due").toHaveClass("text-bg-danger");
        expect(".o_contact_documents_request[data-id='1'] .o_contact_documents_request_due").not.toHaveClass("text-bg-danger");
        expect(".o_contact_documents_request[data-id='2'] .o_contact_documents_request_details").toHaveText(
            "Requested by Mitchell Admin · 2 reminders sent"
        );
        expect.verifySteps(["load 7"]);
    });

    test("Remind sends the link again, Cancel asks first then closes the request", async () => {
        mockRequests([makeRequest(1, "Signed contract, ID card", TOMORROW)]);
        await mountWithCleanup(DocumentRequests, { props: { partnerId: 7 } });
        await contains(".o_contact_documents_request_remind").click();
        expect.verifySteps(["load 7", "remind 1", "load 7"]);
        expect(".o_contact_documents_request_details").toHaveText("Requested by Mitchell Admin · 1 reminder sent");
        await contains(".o_contact_documents_request_cancel").click();
        expect.verifySteps([]);
        await contains(".modal .btn-danger").click();
        expect.verifySteps(["cancel 1", "load 7"]);
        expect(".o_contact_documents_requests").toHaveCount(0);
    });

    test("a user who cannot edit the contact gets no Remind or Cancel", async () => {
        mockRequests([makeRequest(1, "Signed contract, ID card", TOMORROW)], { canRequest: false });
        await mountWithCleanup(DocumentRequests, { props: { partnerId: 7 } });
        expect(".o_contact_documents_request").toHaveCount(1);
        expect(".o_contact_documents_request_remind, .o_contact_documents_request_cancel").toHaveCount(0);
        expect.verifySteps(["load 7"]);
    });
});

describe("uploads through a request's link", () => {
    test("a rate limit of an hour is told at once, not retried", async () => {
        const requests = [];
        const fetch = async (url, init) => {
            requests.push(`${init.method} ${url}`);
            return new Response(JSON.stringify({ error: "Too many files were sent through this link in the last hour." }), {
                status: 429,
                headers: { "Content-Type": "application/json", "Retry-After": "3600" },
            });
        };
        const storage = { getItem: () => null, setItem: () => {}, removeItem: () => {} };
        const sessionUrl = "/contact_documents/request/abc/upload/session";
        let error;
        try {
            await uploadInChunks({
                file: new File(["%PDF-1.4"], "contract.pdf"),
                sessionUrl,
                retryDelay: 0,
                fetch,
                storage,
                csrfToken: "CSRF",
            });
        } catch (caught) {
            error = caught;
        }
        expect(error).toBeInstanceOf(ChunkedUploadError);
        expect(error.status).toBe(429);
        expect(error.message).toBe("Too many files were sent through this link in the last hour.");
        expect(requests).toEqual([`POST ${sessionUrl}`]);
    });
});
