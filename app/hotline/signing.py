"""HMAC-SHA256 signatures of hotline calls, both ways (DESIGN.md §5). Pure: no database.

X-Hotline-Timestamp: unix seconds; X-Hotline-Signature: sha256=<hex HMAC(secret, timestamp + "." + body)>.
"""

from __future__ import annotations

import hashlib
import hmac

from app.core.errors import Unauthorized

PREFIX = "sha256="


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "X-Hotline-Timestamp": str(timestamp),
        "X-Hotline-Signature": sign(secret, timestamp, body),
        "Content-Type": "application/json",
    }


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float, window_s: int) -> str:
    """The hex digest when the call is genuine and fresh; 401 otherwise (nothing said about which part failed
    beyond the header)."""
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise Unauthorized("X-Hotline-Timestamp must be unix seconds", field="X-Hotline-Timestamp")
    if abs(now - int(timestamp)) > window_s:
        raise Unauthorized(f"the timestamp is more than {window_s} s away from now", field="X-Hotline-Timestamp")
    if not signature or not signature.isascii():
        raise Unauthorized("X-Hotline-Signature is missing", field="X-Hotline-Signature")
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise Unauthorized("the signature does not match", field="X-Hotline-Signature")
    return expected[len(PREFIX) :]
