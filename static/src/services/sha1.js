/**
 * SHA-1 fed a block at a time: the checksum ir.attachment keeps of every file.
 *
 * The Add Documents modal hashes each chosen file to ask the server whether
 * it is already filed on the contact. Web Crypto would need the whole file in
 * memory, and only exists on HTTPS pages; this reads the file in slices.
 */

const BLOCK_SIZE = 4 * 1024 * 1024;

export class Sha1 {
    constructor() {
        this.state = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]);
        this.words = new Int32Array(80);
        this.pending = new Uint8Array(64);
        this.pendingLength = 0;
        this.length = 0;
        this.finished = false;
    }

    /**
     * @param {Uint8Array} data
     * @returns {Sha1}
     */
    update(data) {
        if (this.finished) {
            throw new Error("SHA-1 already digested");
        }
        this.length += data.length;
        let offset = 0;
        if (this.pendingLength) {
            offset = Math.min(64 - this.pendingLength, data.length);
            this.pending.set(data.subarray(0, offset), this.pendingLength);
            this.pendingLength += offset;
            if (this.pendingLength < 64) {
                return this;
            }
            this._compress(this.pending, 0);
            this.pendingLength = 0;
        }
        for (; offset + 64 <= data.length; offset += 64) {
            this._compress(data, offset);
        }
        this.pending.set(data.subarray(offset), 0);
        this.pendingLength = data.length - offset;
        return this;
    }

    /**
     * @returns {string} the digest as 40 lowercase hexadecimal digits
     */
    hexdigest() {
        const bitLength = this.length * 8;
        const padLength = (this.pendingLength < 56 ? 56 : 120) - this.pendingLength;
        const padding = new Uint8Array(padLength + 8);
        padding[0] = 0x80;
        const view = new DataView(padding.buffer);
        view.setUint32(padLength, Math.floor(bitLength / 2 ** 32));
        view.setUint32(padLength + 4, bitLength >>> 0);
        this.update(padding);
        this.finished = true;
        return Array.from(this.state, (word) => (word >>> 0).toString(16).padStart(8, "0")).join("");
    }

    _compress(data, offset) {
        const w = this.words;
        for (let i = 0; i < 16; i++) {
            const j = offset + i * 4;
            w[i] = (data[j] << 24) | (data[j + 1] << 16) | (data[j + 2] << 8) | data[j + 3];
        }
        for (let i = 16; i < 80; i++) {
            const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
            w[i] = (x << 1) | (x >>> 31);
        }
        const s = this.state;
        let [a, b, c, d, e] = s;
        for (let i = 0; i < 80; i++) {
            let f;
            let k;
            if (i < 20) {
                f = (b & c) | (~b & d);
                k = 0x5a827999;
            } else if (i < 40) {
                f = b ^ c ^ d;
                k = 0x6ed9eba1;
            } else if (i < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8f1bbcdc;
            } else {
                f = b ^ c ^ d;
                k = 0xca62c1d6;
            }
            const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) | 0;
            e = d;
            d = c;
            c = (b << 30) | (b >>> 2);
            b = a;
            a = t;
        }
        s[0] += a;
        s[1] += b;
        s[2] += c;
        s[3] += d;
        s[4] += e;
    }
}

/**
 * SHA-1 of a file, read a block at a time.
 *
 * @param {Blob} file
 * @param {{ signal?: AbortSignal }} [options]
 * @returns {Promise<string>} hexadecimal digest
 */
export async function computeSha1(file, { signal } = {}) {
    const hash = new Sha1();
    for (let offset = 0; offset < file.size; offset += BLOCK_SIZE) {
        signal?.throwIfAborted();
        const block = await file.slice(offset, offset + BLOCK_SIZE).arrayBuffer();
        hash.update(new Uint8Array(block));
    }
    return hash.hexdigest();
}
