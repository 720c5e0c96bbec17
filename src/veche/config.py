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
    # Replies shown under each top-level comment before "N more replies": bounds every read.
    replies_per_root: int = 20
    # Rendered shared thread bodies kept per node, and how long browsers and CDNs may keep
    # an anonymous reader's copy (presence dots are at most page_cache_ttl old).
    page_cache_bytes: int = 32 * 1024 * 1024
    page_cache_ttl: int = 60
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
            replies_per_root=int(env.get("VECHE_REPLIES_PER_ROOT") or base.replies_per_root),
            page_cache_bytes=int(env.get("VECHE_PAGE_CACHE_BYTES") or base.page_cache_bytes),
            cache_max_age=int(env.get("VECHE_CACHE_MAX_AGE") or base.cache_max_age),
            cache_stale_while_revalidate=int(
                env.get("VECHE_CACHE_STALE_WHILE_REVALIDATE") or base.cache_stale_while_revalidate
            ),
        )
