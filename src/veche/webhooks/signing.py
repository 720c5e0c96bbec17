"""The `Veche-Signature` header, in the style of Stripe's: `t=<unix time>,v1=<hex>`.

v1 is HMAC-SHA256 with the endpoint's secret over the time, a dot and the exact body bytes,
so a receiver can tell the body came from veche unchanged, and, by refusing old times, that
it is not a recording replayed later. `verify` is what README shows receivers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCHEME = "v1"
TOLERANCE_SECONDS = 300  # what README tells receivers to accept (five minutes)
SECRET_PREFIX = "whsec_"  # noqa: S105  (a label, not a secret)


def new_secret() -> str:
    """256 random bits; the prefix says what it is when it turns up in a config file."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},{SCHEME}={signature(secret, timestamp, body)}"


def verify(
    secret: str, body: bytes, value: str, *, now: float, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """True if `value` (the header) signs `body` with `secret` at a time within `tolerance`
    seconds of `now`. Several v1 entries may appear (a receiver may check any)."""
    timestamp: int | None = None
    candidates: list[str] = []
    for item in value.split(","):
        key, _, v = item.strip().partition("=")
        if key == "t" and v.isdigit():
            timestamp = int(v)
        elif key == SCHEME:
            candidates.append(v)
    if timestamp is None or abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, c) for c in candidates)
