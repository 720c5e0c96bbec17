"""Settings come from the environment so one box and many nodes configure the same way."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///" + str(Path("veche.db").resolve())


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SYNCHRONOUS = ("NORMAL", "FULL")


def _int(env: dict[str, str], name: str, default: int) -> int:
    """A non-negative whole number, or a clear failure at start-up."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number of 0 or more, not {raw!r}")
    return int(raw)


def _choice(env: dict[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = (env.get(name) or "").strip().upper()
    if not raw:
        return default
    if raw not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return raw


@dataclass(frozen=True)
class Config:
    """Everything the app factory needs; tests build one directly."""

    database_url: str = DEFAULT_DATABASE_URL
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = None
    redis_url: str | None = None
    cookie_secure: bool = True
    trust_proxy_headers: bool = False
    # Writes and sign-ins per client per window; tests lower or raise them.
    rate_limit_writes: str = "10/minute"
    rate_limit_auth: str = "10/minute"
    presence_debounce_seconds: int = 60
    session_days: int = 30
    page_size: int = 20
    # Live streams: events older than this are pruned, and a reconnect past them is a reset.
    event_retention_hours: int = 72
    sse_heartbeat_seconds: float = 15.0
    # Frames a subscriber may have waiting; a reader slower than that is dropped and replays.
    sse_queue_size: int = 256
    # Strict-Transport-Security max-age; 0 sends none (set it once TLS is in front).
    hsts_seconds: int = 0
    # Request bodies larger than this are refused with 413 before they are read.
    max_body_bytes: int = 1024 * 1024
    # How long a request waits for a database lock before answering 503 (both engines).
    lock_timeout_ms: int = 10_000
    # NORMAL: in WAL mode a power loss may lose the last commits, never corrupts the file.
    sqlite_synchronous: str = "NORMAL"
    # Replies shown under each top-level comment before "N more replies": bounds every read.
    replies_per_root: int = 20
    # Rendered shared thread bodies kept per node, and how long browsers and CDNs may keep
    # an anonymous reader's copy (presence dots are at most page_cache_ttl old).
    page_cache_bytes: int = 32 * 1024 * 1024
    page_cache_ttl: int = 60
    # Finished answers of those bodies (headers, each encoding) the hot path replays.
    hot_cache_bytes: int = 64 * 1024 * 1024
    cache_max_age: int = 10
    cache_stale_while_revalidate: int = 30

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        base = cls()
        return replace(
            base,
            database_url=env.get("VECHE_DATABASE_URL") or base.database_url,
            base_url=(env.get("VECHE_BASE_URL") or base.base_url).rstrip("/"),
            secret_key=env.get("VECHE_SECRET_KEY") or None,
            redis_url=env.get("VECHE_REDIS_URL") or None,
            cookie_secure=_flag(env.get("VECHE_COOKIE_SECURE"), True),
            trust_proxy_headers=_flag(env.get("VECHE_TRUST_PROXY_HEADERS"), False),
            rate_limit_writes=env.get("VECHE_RATE_LIMIT_WRITES") or base.rate_limit_writes,
            rate_limit_auth=env.get("VECHE_RATE_LIMIT_AUTH") or base.rate_limit_auth,
            event_retention_hours=_int(
                env, "VECHE_EVENT_RETENTION_HOURS", base.event_retention_hours
            ),
            hsts_seconds=_int(env, "VECHE_HSTS_SECONDS", base.hsts_seconds),
            max_body_bytes=_int(env, "VECHE_MAX_BODY_BYTES", base.max_body_bytes),
            lock_timeout_ms=_int(env, "VECHE_LOCK_TIMEOUT_MS", base.lock_timeout_ms),
            sqlite_synchronous=_choice(
                env, "VECHE_SQLITE_SYNCHRONOUS", base.sqlite_synchronous, SYNCHRONOUS
            ),
            replies_per_root=_int(env, "VECHE_REPLIES_PER_ROOT", base.replies_per_root),
            page_cache_bytes=_int(env, "VECHE_PAGE_CACHE_BYTES", base.page_cache_bytes),
            hot_cache_bytes=_int(env, "VECHE_HOT_CACHE_BYTES", base.hot_cache_bytes),
            cache_max_age=_int(env, "VECHE_CACHE_MAX_AGE", base.cache_max_age),
            cache_stale_while_revalidate=_int(
                env, "VECHE_CACHE_STALE_WHILE_REVALIDATE", base.cache_stale_while_revalidate
            ),
        )
