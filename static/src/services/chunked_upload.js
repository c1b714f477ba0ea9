import { browser } from "@web/core/browser/browser";
import { Sha256 } from "./sha256";

/**
 * Upload one file in chunks through the upload-session API of
 * controllers/upload_session.py: open a session (or resume one), PUT the
 * chunks the server does not have yet, each retried with back-off, then
 * finish. A reload resumes where the server stopped: the session token is
 * kept in localStorage under the contact (or the session URL) and the file's
 * name, size and date.
 *
 * The same API may live under another base URL (the portal's document
 * requests): ``sessionUrl`` answers POST (open), GET <token>,
 * PUT <token>/chunk/<i>, POST <token>/finish and DELETE <token>.
 * Used by the Add Documents modal and, in the public bundle, by the portal's
 * upload area (static/src/portal/portal_upload.js).
 */

export const SESSION_ROUTE = "/contact_documents/upload/session";
const HASH_BLOCK_SIZE = 4 * 1024 * 1024;
const STORAGE_PREFIX = "contact_documents.upload:";
// Worth retrying: the network, a proxy or a busy server; anything else is an answer.
const RETRY_STATUSES = [408, 425, 429, 500, 502, 503, 504];

// A server asking to come back later than this (a rate limit of an hour) is answered at once.
const MAX_RETRY_AFTER = 30;

function waitsTooLong(response) {
    return Number(response.headers.get("Retry-After")) > MAX_RETRY_AFTER;
}

export class ChunkedUploadError extends Error {
    /**
     * @param {string} message fit for the user (the server's own when it refused)
     * @param {number} [status] HTTP status, 0 for a network failure
     */
    constructor(message, status = 0) {
        super(message);
        this.name = "ChunkedUploadError";
        this.status = status;
    }
}

/**
 * SHA-256 of a file, read a block at a time.
 *
 * @param {Blob} file
 * @param {{ onProgress?: (loaded: number) => void, signal?: AbortSignal }} [options]
 * @returns {Promise<string>} hexadecimal digest
 */
export async function computeSha256(file, { onProgress, signal } = {}) {
    const hash = new Sha256();
    for (let offset = 0; offset < file.size; offset += HASH_BLOCK_SIZE) {
        signal?.throwIfAborted();
        const block = await file.slice(offset, offset + HASH_BLOCK_SIZE).arrayBuffer();
        hash.update(new Uint8Array(block));
        onProgress?.(Math.min(offset + HASH_BLOCK_SIZE, file.size));
    }
    return hash.hexdigest();
}

/**
 * @param {number} partnerId
 * @param {File} file
 */
export function resumeKey(partnerId, file) {
    return `${STORAGE_PREFIX}${partnerId}:${file.name}:${file.size}:${file.lastModified}`;
}

/**
 * Upload ``file`` as a document of contact ``partnerId``.
 *
 * @param {Object} params
 * @param {number} [params.partnerId] sent as ``partner_id`` when opening the session
 * @param {File} params.file
 * @param {string} [params.sessionUrl] the base URL of the upload-session API
 * @param {Object} [params.openParams] more form fields for opening the session (``share``...)
 * @param {(progress: {phase: "hashing"|"uploading"|"finishing"|"done", loaded: number, total: number}) => void} [params.onProgress]
 *      ``loaded`` and ``total`` are bytes of the file for the current phase
 * @param {number} [params.chunkRetries=5] attempts after the first, per chunk
 * @param {number} [params.retryDelay=1000] first wait in ms, doubled at each attempt (at most 30 s)
 * @param {AbortSignal} [params.signal] aborts the upload; the session stays resumable
 * @param {typeof fetch} [params.fetch] for tests
 * @param {Storage} [params.storage] for tests
 * @param {string} [params.csrfToken] defaults to the page's
 * @returns {Promise<{name: string, mimetype: string, file_size: number, id: number}>} the document filed
 * @throws {ChunkedUploadError} when the server refuses the file or the network fails for good
 */
export async function uploadInChunks({
    partnerId,
    file,
    sessionUrl = SESSION_ROUTE,
    openParams = {},
    onProgress = () => {},
    chunkRetries = 5,
    retryDelay = 1000,
    signal,
    fetch = (...args) => browser.fetch(...args),
    storage = browser.localStorage,
    csrfToken = odoo.csrf_token,
}) {
    const api = new SessionApi({ fetch, csrfToken, signal, chunkRetries, retryDelay });
    const key = resumeKey(partnerId ?? sessionUrl, file);
    let session = await resumeSession(api, storage, key, sessionUrl);
    if (!session) {
        const sha256 = await computeSha256(file, {
            signal,
            onProgress: (loaded) => onProgress({ phase: "hashing", loaded, total: file.size }),
        });
        const owner = partnerId === undefined ? {} : { partner_id: partnerId };
        session = await api.request("POST", sessionUrl, {
            form: { ...owner, ...openParams, name: file.name, size: file.size, sha256 },
        });
        storage.setItem(key, session.token);
    }
    const received = new Set(session.received);
    let loaded = session.received_size || 0;
    onProgress({ phase: "uploading", loaded, total: file.size });
    for (let index = 0; index < session.chunk_count; index++) {
        if (received.has(index)) {
            continue;
        }
        const start = index * session.chunk_size;
        const chunk = file.slice(start, Math.min(start + session.chunk_size, file.size));
        await api.request("PUT", `${sessionUrl}/${session.token}/chunk/${index}`, {
            form: { chunk },
            forget: () => storage.removeItem(key),
        });
        loaded += chunk.size;
        onProgress({ phase: "uploading", loaded, total: file.size });
    }
    onProgress({ phase: "finishing", loaded: file.size, total: file.size });
    try {
        const { document } = await api.request("POST", `${sessionUrl}/${session.token}/finish`, {
            form: {},
        });
        onProgress({ phase: "done", loaded: file.size, total: file.size });
        return document;
    } finally {
        // Filed or refused for good (damaged, wrong type): nothing to resume either way.
        if (!signal?.aborted) {
            storage.removeItem(key);
        }
    }
}

/**
 * The session kept for this file by an earlier attempt, if the server still has it.
 */
async function resumeSession(api, storage, key, sessionUrl) {
    const token = storage.getItem(key);
    if (!token) {
        return null;
    }
    try {
        return await api.request("GET", `${sessionUrl}/${token}`);
    } catch (error) {
        if (error instanceof ChunkedUploadError && error.status === 404) {
            storage.removeItem(key);
            return null;
        }
        throw error;
    }
}

class SessionApi {
    constructor({ fetch, csrfToken, signal, chunkRetries, retryDelay }) {
        this.fetch = fetch;
        this.csrfToken = csrfToken;
        this.signal = signal;
        this.retries = chunkRetries;
        this.retryDelay = retryDelay;
    }

    /**
     * Send a request, retried with back-off on network errors and transient statuses.
     *
     * @param {string} method
     * @param {string} url
     * @param {{ form?: Object, forget?: Function }} [options]
     *      ``form`` is sent as multipart form data with the CSRF token, which
     *      Odoo checks on POST and PUT; ``forget`` is called when the session
     *      is gone (404)
     */
    async request(method, url, { form, forget } = {}) {
        const init = { method, signal: this.signal, credentials: "same-origin" };
        if (form) {
            init.body = new FormData();
            for (const [name, value] of Object.entries({ ...form, csrf_token: this.csrfToken })) {
                init.body.append(name, value);
            }
        }
        for (let attempt = 0; ; attempt++) {
            let response;
            try {
                response = await this.fetch(url, init);
            } catch (error) {
                if (this.signal?.aborted || attempt >= this.retries) {
                    throw this.signal?.aborted
                        ? error
                        : new ChunkedUploadError(error.message || "Connection lost", 0);
                }
                await this.wait(attempt);
                continue;
            }
            if (response.ok) {
                return response.json();
            }
            if (RETRY_STATUSES.includes(response.status) && attempt < this.retries && !waitsTooLong(response)) {
                await this.wait(attempt);
                continue;
            }
            if (response.status === 404) {
                forget?.();
            }
            const payload = await response.json().catch(() => ({}));
            throw new ChunkedUploadError(
                payload.error || `${response.status} ${response.statusText}`,
                response.status
            );
        }
    }

    wait(attempt) {
        const delay = Math.min(this.retryDelay * 2 ** attempt, 30000);
        return new Promise((resolve, reject) => {
            const onAbort = () => {
                browser.clearTimeout(timeout);
                reject(this.signal.reason);
            };
            const timeout = browser.setTimeout(() => {
                this.signal?.removeEventListener("abort", onAbort);
                resolve();
            }, delay);
            this.signal?.addEventListener("abort", onAbort, { once: true });
        });
    }
}
