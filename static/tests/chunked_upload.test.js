import { describe, expect, test } from "@odoo/hoot";
import {
    ChunkedUploadError,
    computeSha256,
    resumeKey,
    uploadInChunks,
} from "@contact_documents/services/chunked_upload";
import { Sha256 } from "@contact_documents/services/sha256";

describe.current.tags("headless");

const encode = (text) => new TextEncoder().encode(text);

function memoryStorage() {
    const items = new Map();
    return {
        items,
        getItem: (key) => (items.has(key) ? items.get(key) : null),
        setItem: (key, value) => items.set(key, String(value)),
        removeItem: (key) => items.delete(key),
    };
}

function jsonResponse(body, status = 200) {
    return new Response(JSON.stringify(body), {
        status,
        headers: { "Content-Type": "application/json" },
    });
}

/**
 * The upload-session API of controllers/upload_session.py, played in memory.
 * ``failures`` maps "METHOD url-suffix" to the errors to answer first
 * ("network" for a dropped connection, or an HTTP status).
 */
function fakeServer({ chunkSize, received = [], token = "t0k3n", failures = {} }) {
    const server = { requests: [], chunks: new Map(), opened: null };
    server.fetch = async (url, init) => {
        const path = url.split("?")[0];
        const call = `${init.method} ${path.replace(/^.*\/session/, "")}`;
        server.requests.push(call);
        const pending = failures[call];
        if (pending?.length) {
            const failure = pending.shift();
            if (failure === "network") {
                throw new TypeError("Failed to fetch");
            }
            return jsonResponse({ error: "busy" }, failure);
        }
        if (call === "POST ") {
            const size = Number(init.body.get("size"));
            server.opened = Object.fromEntries(init.body.entries());
            return jsonResponse({
                token,
                chunk_size: chunkSize,
                chunk_count: Math.ceil(size / chunkSize),
                received,
                received_size: 0,
            });
        }
        if (call.startsWith("PUT ")) {
            expect(init.body.get("csrf_token")).toBe("CSRF");
            const index = Number(call.split("/").at(-1));
            server.chunks.set(index, new Uint8Array(await init.body.get("chunk").arrayBuffer()));
            return jsonResponse({ index });
        }
        if (call.endsWith("/finish")) {
            expect(init.body.get("csrf_token")).toBe("CSRF");
            return jsonResponse({ document: { id: 7, name: "notes.pdf" } });
        }
        return jsonResponse({ error: "not found" }, 404);
    };
    return server;
}

test("SHA-256 matches the standard test vectors, fed in any slices", async () => {
    const hash = (text) => new Sha256().update(encode(text)).hexdigest();
    expect(hash("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hash("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    const million = new Sha256();
    const block = encode("a".repeat(1000));
    for (let i = 0; i < 1000; i++) {
        million.update(block.subarray(0, 300)).update(block.subarray(300));
    }
    expect(million.hexdigest()).toBe(
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    );
    expect(await computeSha256(new Blob(["abc"]))).toBe(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
});

test("uploads the missing chunks, retries a failed one, then finishes", async () => {
    const file = new File(["0123456789"], "notes.pdf", { lastModified: 1000 });
    const server = fakeServer({
        chunkSize: 4,
        received: [],
        failures: { "PUT /t0k3n/chunk/1": ["network", 503] },
    });
    const storage = memoryStorage();
    const progress = [];
    const document = await uploadInChunks({
        partnerId: 3,
        file,
        onProgress: ({ phase, loaded }) => progress.push(`${phase}:${loaded}`),
        retryDelay: 0,
        fetch: server.fetch,
        storage,
        csrfToken: "CSRF",
    });
    expect(document).toEqual({ id: 7, name: "notes.pdf" });
    expect(server.opened).toEqual({
        partner_id: "3",
        name: "notes.pdf",
        size: "10",
        sha256: "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882",
        csrf_token: "CSRF",
    });
    expect(server.requests).toEqual([
        "POST ",
        "PUT /t0k3n/chunk/0",
        "PUT /t0k3n/chunk/1",
        "PUT /t0k3n/chunk/1",
        "PUT /t0k3n/chunk/1",
        "PUT /t0k3n/chunk/2",
        "POST /t0k3n/finish",
    ]);
    const decode = (index) => new TextDecoder().decode(server.chunks.get(index));
    expect([0, 1, 2].map(decode)).toEqual(["0123", "4567", "89"]);
    expect(progress).toEqual([
        "hashing:10",
        "uploading:0",
        "uploading:4",
        "uploading:8",
        "uploading:10",
        "finishing:10",
        "done:10",
    ]);
    expect(storage.items.size).toBe(0);
});

test("a reload resumes from the chunks the server has, without hashing again", async () => {
    const file = new File(["0123456789"], "notes.pdf", { lastModified: 1000 });
    const storage = memoryStorage();
    storage.setItem(resumeKey(3, file), "t0k3n");
    const server = fakeServer({ chunkSize: 4 });
    const baseFetch = server.fetch;
    server.fetch = async (url, init) => {
        if (init.method === "GET") {
            server.requests.push("GET /t0k3n");
            return jsonResponse({
                token: "t0k3n",
                chunk_size: 4,
                chunk_count: 3,
                received: [0, 2],
                received_size: 6,
            });
        }
        return baseFetch(url, init);
    };
    const phases = new Set();
    await uploadInChunks({
        partnerId: 3,
        file,
        onProgress: ({ phase }) => phases.add(phase),
        fetch: server.fetch,
        storage,
        csrfToken: "CSRF",
    });
    expect(server.requests).toEqual(["GET /t0k3n", "PUT /t0k3n/chunk/1", "POST /t0k3n/finish"]);
    expect(phases.has("hashing")).toBe(false);
});

test("a refusal is reported with the server's reason and not retried", async () => {
    const file = new File(["0123"], "setup.exe");
    const refuse = async () =>
        jsonResponse({ error: "setup.exe was refused: only PDF files can be added." }, 400);
    const error = await uploadInChunks({
        partnerId: 3,
        file,
        retryDelay: 0,
        fetch: refuse,
        storage: memoryStorage(),
        csrfToken: "CSRF",
    }).catch((error) => error);
    expect(error).toBeInstanceOf(ChunkedUploadError);
    expect(error.status).toBe(400);
    expect(error.message).toBe("setup.exe was refused: only PDF files can be added.");
});
