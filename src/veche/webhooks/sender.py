"""One delivery attempt: a signed POST, and what its outcome means for the retries.

A 2xx is delivered. A receiver's 4xx (but 408, 425 and 429, which ask to come back) is
final: it understood the request and refused it, and the same signed body will be refused
again, so retrying only fills its logs. A 3xx is final too: redirects are never followed
(a redirect could point anywhere, past the address checks), so the URL should be the final
one. A 5xx, a timeout or a failed connection is retried with backoff by the outbox worker.
A destination the guard refuses is final.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx2

from veche.webhooks import signing
from veche.webhooks.guard import GuardedTransport, Refused

MAX_RESPONSE_BYTES = 64 * 1024  # read at most this much of an answer, then hang up
SNIPPET = 200  # characters of a refusal's body kept in the delivery log
RETRY_4XX = frozenset({408, 425, 429})
USER_AGENT = "veche-webhooks/1"


@dataclass(frozen=True)
class Attempt:
    """What happened: `error` is None when the receiver took it."""

    status: int | None
    error: str | None = None
    permanent: bool = False

    @property
    def delivered(self) -> bool:
        return self.error is None


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact UTF-8 JSON, keys in a stable order."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def headers(*, secret: str, body: bytes, event: str, delivery: int, now: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Veche-Event": event,
        "Veche-Delivery": str(delivery),
        "Veche-Signature": signing.header(secret, now, body),
    }


def judge(status: int, snippet: str) -> Attempt:
    if 200 <= status < 300:
        return Attempt(status)
    said = f"HTTP {status}" + (f": {snippet}" if snippet else "")
    if 300 <= status < 400:
        return Attempt(status, said + " (redirects are not followed)", permanent=True)
    if 400 <= status < 500 and status not in RETRY_4XX:
        return Attempt(status, said, permanent=True)
    return Attempt(status, said)


def _snippet(response: httpx2.Response, deadline: float) -> str:
    """Up to MAX_RESPONSE_BYTES of the raw answer, read before the deadline; the start of
    it, when it is plain text, explains a refusal in the log."""
    got = bytearray()
    for chunk in response.iter_raw():
        got.extend(chunk)
        if len(got) >= MAX_RESPONSE_BYTES or time.monotonic() > deadline:
            break
    if response.headers.get("content-encoding", "identity") != "identity":
        return ""
    text = bytes(got[:MAX_RESPONSE_BYTES]).decode("utf-8", errors="replace")
    return " ".join(text.split())[:SNIPPET]


def post(
    url: str, body: bytes, head: dict[str, str], *, allow_private: bool, timeout: float
) -> Attempt:
    """POST once; never raises for what the network or the receiver does."""
    deadline = time.monotonic() + timeout
    transport = GuardedTransport(allow_private=allow_private)
    try:
        with (
            httpx2.Client(
                transport=transport, timeout=timeout, follow_redirects=False, trust_env=False
            ) as client,
            client.stream("POST", url, content=body, headers=head) as response,
        ):
            snippet = "" if response.is_success else _snippet(response, deadline)
            return judge(response.status_code, snippet)
    except Refused as exc:
        return Attempt(None, str(exc), permanent=True)
    except httpx2.TimeoutException:
        return Attempt(None, f"no answer within {timeout:g} s")
    except httpx2.HTTPError as exc:  # refused connection, reset, bad TLS, unresolvable name
        return Attempt(None, f"{type(exc).__name__}: {exc}"[:500])
