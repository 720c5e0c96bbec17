"""A publisher vouches for a story's title by signing it: the embed's `data-title-signature`.

The key is per site and derived from the server's secret, so there is nothing more to store
and rotating the secret rotates every site's key. The publisher's page template computes
HMAC-SHA256(key, url + "\\n" + title) in hex; a browser cannot, so a signed title is the
publisher's word, and the story's title is confirmed.
"""

from __future__ import annotations

import hashlib
import hmac


def site_key(secret: str, site_name: str) -> str:
    return hmac.new(secret.encode(), b"veche-title-key:" + site_name.encode(), "sha256").hexdigest()


def title_signature(key: str, url: str, title: str) -> str:
    return hmac.new(key.encode(), f"{url}\n{title}".encode(), hashlib.sha256).hexdigest()


def title_signed(key: str, url: str, title: str, signature: str) -> bool:
    return hmac.compare_digest(title_signature(key, url, title), signature.strip().lower())
