"""Rate limits through the `limits` library: in memory on one box, in Redis across nodes."""

from __future__ import annotations

import ipaddress
import logging
import time

from limits import parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from veche.domain.errors import RateLimited
from veche.i18n import gettext as _

log = logging.getLogger(__name__)


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
    """Limits shared through Redis across nodes; while Redis is away, each node keeps its own
    limits in memory rather than refusing writes or letting floods through."""

    RETRY_SECONDS = 5.0

    def __init__(self, storage_url: str | None, namespace: str = "veche") -> None:
        url = storage_url or "memory://"
        options = {"key_prefix": namespace} if url.startswith("redis") else {}
        storage = storage_from_string(url, **options)
        assert isinstance(storage, Storage)
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        self._shared = url.startswith("redis")
        self._down_until = 0.0

    def hit(self, rule: str, action: str, who: str) -> None:
        """Count one attempt; refuse with how long to wait when over the rule."""
        item = parse(rule)
        limiter = self._limiter
        if self._shared and time.monotonic() < self._down_until:
            limiter = self._fallback
        try:
            allowed = limiter.hit(item, action, who)
        except RedisError as exc:
            log.warning("rate limits fall back to this node's memory: %s", exc)
            self._down_until = time.monotonic() + self.RETRY_SECONDS
            limiter = self._fallback
            allowed = limiter.hit(item, action, who)
        if not allowed:
            reset, _remaining = limiter.get_window_stats(item, action, who)
            wait = max(1, int(reset - time.time()))
            raise RateLimited(
                _("Too many attempts. Please wait %(wait)s seconds and try again.")
                % {"wait": wait},
                retry_after=wait,
            )

    def reset(self) -> None:
        self.storage.reset()
