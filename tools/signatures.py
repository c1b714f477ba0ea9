"""Signature checks shared by the webhooks: HMAC-SHA256 of the raw body, and constant-time comparison.

Meta (``X-Hub-Signature-256``) and the generic events webhook
(``X-Contact-Documents-Signature``) both sign the raw request body with
HMAC-SHA256 as ``sha256=<hex>``; Twilio signs differently but compares the same way.
"""
import hashlib
import hmac

SHA256_PREFIX = 'sha256='


def same_text(expected, given):
    """Compare two texts in constant time, whatever characters an attacker puts in ``given``.

    ``hmac.compare_digest`` refuses non-ASCII str (TypeError, a 500): compare their UTF-8 bytes.
    """
    def encode(text):
        return (text or '').encode('utf-8', 'surrogatepass')
    return hmac.compare_digest(encode(expected), encode(given))


def sha256_signature(secret, raw_body):
    """``sha256=<hex>`` of HMAC-SHA256(secret, raw_body)."""
    return SHA256_PREFIX + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def check_sha256_signature(secret, raw_body, header):
    """True when ``header`` signs the raw bytes of the body; never re-serialise the JSON."""
    if not secret or not header or not header.startswith(SHA256_PREFIX):
        return False
    return same_text(sha256_signature(secret, raw_body), header)
