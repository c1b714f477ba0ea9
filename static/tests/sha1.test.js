import { describe, expect, test } from "@odoo/hoot";
import { computeSha1, Sha1 } from "@contact_documents/services/sha1";

describe.current.tags("headless");

const encode = (text) => new TextEncoder().encode(text);

test("SHA-1 matches the standard test vectors, fed in any slices", async () => {
    const hash = (text) => new Sha1().update(encode(text)).hexdigest();
    expect(hash("")).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect(hash("abc")).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    expect(hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
    );
    const million = new Sha1();
    const block = encode("a".repeat(1000));
    for (let i = 0; i < 1000; i++) {
        million.update(block.subarray(0, 300)).update(block.subarray(300));
    }
    expect(million.hexdigest()).toBe("34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    // What ir.attachment stores as the checksum of a file with this content.
    expect(await computeSha1(new Blob(["abc"]))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
});
