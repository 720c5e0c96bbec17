"""Rate limits through the `limits` library: in memory on one box, in Redis across nodes."""

from __future__ import annotations

import ipaddress
import time

from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from veche.domain.errors import RateLimited


def client_bucket(ip: str) -> str:
    """IPv6 users own a /64: limiting single addresses would be trivially bypassed."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{addr}/64", strict=False))
    return str(addr)


class RateLimiter:
    def __init__(self, storage_url: str | None, namespace: str = "veche") -> None:
        url = storage_url or "memory://"
        options = {"key_prefix": namespace} if url.startswith("redis") else {}
        storage = storage_from_string(url, **options)
        assert isinstance(storage, Storage)
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(self.storage)

    def hit(self, rule: str, action: str, who: str) -> None:
        """Count one attempt; refuse with how long to wait when over the rule."""
        item = parse(rule)
        if not self._limiter.hit(item, action, who):
            reset, _remaining = self._limiter.get_window_stats(item, action, who)
            wait = max(1, int(reset - time.time()))
            raise RateLimited(
                f"Too many attempts. Please wait {wait} seconds and try again.", retry_after=wait
            )

    def reset(self) -> None:
        self.storage.reset()
