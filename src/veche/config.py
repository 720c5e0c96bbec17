"""Settings come from the environment so one box and many nodes configure the same way.

Each setting is declared once, on `Config`: its default, its variable, its help and how its
text is read. From that come `Config.from_env`, the options of `veche serve`, and the
settings table in README.md (`veche settings` prints it; a test keeps the two the same).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///" + str(Path("veche.db").resolve())
SYNCHRONOUS = ("NORMAL", "FULL")

Parse = Callable[[str, str], Any]  # (variable name, its text) -> value; ValueError if bad


def _text(_name: str, raw: str) -> str:
    return raw.strip()


def _base_url(_name: str, raw: str) -> str:
    return raw.strip().rstrip("/")


def _flag(_name: str, raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, raw: str) -> int:
    """A non-negative whole number, or a clear failure at start-up."""
    raw = raw.strip()
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number of 0 or more, not {raw!r}")
    return int(raw)


def _positive(name: str, raw: str) -> int:
    """A whole number of 1 or more: a page of nothing, or a sweep every 0 s, is a mistake."""
    raw = raw.strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a whole number of 1 or more, not {raw!r}")
    return int(raw)


def _smtp_url(name: str, raw: str) -> str:
    scheme = raw.strip().split("://", 1)[0].lower()
    if scheme not in ("smtp", "smtps") or "://" not in raw:
        raise ValueError(f"{name} must be smtp://host:port or smtps://host:port")
    return raw.strip()


def _hour(name: str, raw: str) -> int:
    value = _int(name, raw)
    if value > 23:
        raise ValueError(f"{name} must be an hour from 0 to 23, not {raw.strip()!r}")
    return value


def _seconds(name: str, raw: str) -> float:
    return float(_positive(name, raw))


def _choice(*allowed: str) -> Parse:
    def parse(name: str, raw: str) -> str:
        value = raw.strip().upper()
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {raw.strip()!r}")
        return value

    return parse


def setting(default: Any, env: str, help: str, parse: Parse = _text, shown: str = "") -> Any:
    """A Config field with its variable, its help, its parser and, when the default is
    computed or unset, how the docs show it."""
    meta = {"env": env, "help": help, "parse": parse, "shown": shown}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Config:
    """Everything the app factory needs; tests build one directly."""

    database_url: str = setting(
        DEFAULT_DATABASE_URL, "VECHE_DATABASE_URL",
        "SQLAlchemy URL; `postgresql://user@host/db` uses psycopg 3",
        shown="`sqlite:///<cwd>/veche.db`",
    )  # fmt: skip
    base_url: str = setting(
        "http://127.0.0.1:8000", "VECHE_BASE_URL",
        "public address, used in embed fragments and imported story URLs", _base_url,
    )  # fmt: skip
    secret_key: str | None = setting(
        None, "VECHE_SECRET_KEY", "signs CSRF tokens and sites' title keys",
        shown="generated once, kept in the `settings` table",
    )  # fmt: skip
    redis_url: str | None = setting(
        None, "VECHE_REDIS_URL", "`redis://…` shares rate limits and live updates across nodes",
        shown="unset (in-process)",
    )  # fmt: skip
    cookie_secure: bool = setting(
        True, "VECHE_COOKIE_SECURE",
        "`Secure` on cookies (browsers accept it on `localhost`/`127.0.0.1`)", _flag,
    )  # fmt: skip
    trust_proxy_headers: bool = setting(
        False, "VECHE_TRUST_PROXY_HEADERS",
        "believe `X-Forwarded-For` (only behind your own proxy)", _flag,
    )  # fmt: skip
    rate_limit_writes: str = setting(
        "10/minute", "VECHE_RATE_LIMIT_WRITES", "comments and edits per user or address"
    )
    rate_limit_auth: str = setting(
        "10/minute", "VECHE_RATE_LIMIT_AUTH", "sign-ins and sign-ups per address (IPv6 per /64)"
    )
    moderation_model: bool = setting(
        True, "VECHE_MODERATION_MODEL",
        "score every new and edited comment with the local abuse model (e5-small, in a "
        "background thread) after it is stored; off leaves the word lists and lexicons",
        _flag,
    )  # fmt: skip
    moderation_model_path: str = setting(
        "", "VECHE_MODERATION_MODEL_PATH",
        "an abuse model written by `veche moderation train` (default: the one shipped)",
    )  # fmt: skip
    scorers: str = setting(
        "", "VECHE_SCORERS",
        "your own scorers, run after veche's: comma-separated `module:Class` import paths of "
        "classes with `score(item) -> Verdict` (docs/moderation.md)",
    )  # fmt: skip
    rate_limit_moderation: str = setting(
        "600/minute", "VECHE_RATE_LIMIT_MODERATION",
        "moderators' decisions per moderator (a flood is cleared in bulk)",
    )  # fmt: skip
    presence_debounce_seconds: int = setting(
        60, "VECHE_PRESENCE_DEBOUNCE_SECONDS",
        "a signed-in reader's `last seen` is written at most this often", _int,
    )  # fmt: skip
    presence_sweep_seconds: float = setting(
        10.0, "VECHE_PRESENCE_SWEEP_SECONDS",
        "how often each node asks the store whose online status changed, for the presence "
        "dots on live streams (a reader seen after a while away makes every node ask at once)",
        _seconds, shown="`10`",
    )  # fmt: skip
    session_days: int = setting(
        30, "VECHE_SESSION_DAYS", "how long a sign-in lasts", _positive
    )  # fmt: skip
    page_size: int = setting(
        20, "VECHE_PAGE_SIZE", "top-level comments on one page of a thread", _positive
    )  # fmt: skip
    event_retention_hours: int = setting(
        72, "VECHE_EVENT_RETENTION_HOURS",
        "how long the event feed is kept for reconnecting streams; older gaps get a `reset`",
        _int,
    )  # fmt: skip
    sse_heartbeat_seconds: float = setting(
        15.0, "VECHE_SSE_HEARTBEAT_SECONDS",
        "a comment line on idle event streams, so proxies and phones keep them open",
        _seconds, shown="`15`",
    )  # fmt: skip
    sse_queue_size: int = setting(
        256, "VECHE_SSE_QUEUE_SIZE",
        "frames a live reader may have waiting; one slower than that is dropped and replays",
        _positive,
    )  # fmt: skip
    hsts_seconds: int = setting(
        0, "VECHE_HSTS_SECONDS",
        "when > 0, `Strict-Transport-Security: max-age=N; includeSubDomains` on every answer; "
        "set it once TLS is in front and every subdomain serves HTTPS",
        _int, shown="`0` (off)",
    )  # fmt: skip
    max_body_bytes: int = setting(
        1024 * 1024, "VECHE_MAX_BODY_BYTES",
        "larger request bodies are refused with 413 before they are read (chunked bodies "
        "are counted as they arrive)",
        _int, shown="`1048576` (1 MiB)",
    )  # fmt: skip
    lock_timeout_ms: int = setting(
        10_000, "VECHE_LOCK_TIMEOUT_MS",
        "how long a request waits for a database lock (SQLite's write lock, PostgreSQL's "
        "`lock_timeout`) or a free pooled connection before it answers 503 with `Retry-After`",
        _int,
    )  # fmt: skip
    sqlite_synchronous: str = setting(
        "NORMAL", "VECHE_SQLITE_SYNCHRONOUS", "`NORMAL` or `FULL`; see \"Durability\" below",
        _choice(*SYNCHRONOUS),
    )  # fmt: skip
    replies_per_root: int = setting(
        20, "VECHE_REPLIES_PER_ROOT",
        "replies shown under a top-level comment before \"N more replies\"", _int,
    )  # fmt: skip
    page_cache_bytes: int = setting(
        32 * 1024 * 1024, "VECHE_PAGE_CACHE_BYTES",
        "rendered shared thread bodies kept in memory per node", _int,
    )  # fmt: skip
    page_cache_ttl: int = setting(
        60, "VECHE_PAGE_CACHE_TTL",
        "seconds a node keeps a rendering, which bounds how old its presence dots get", _int,
    )  # fmt: skip
    hot_cache_bytes: int = setting(
        64 * 1024 * 1024, "VECHE_HOT_CACHE_BYTES",
        "finished anonymous answers of those bodies (headers, each encoding) the read hot "
        "path replays per node", _int,
    )  # fmt: skip
    cache_max_age: int = setting(
        10, "VECHE_CACHE_MAX_AGE", "seconds anonymous readers and CDNs may keep a thread", _int
    )
    cache_stale_while_revalidate: int = setting(
        30, "VECHE_CACHE_STALE_WHILE_REVALIDATE",
        "seconds they may serve it stale while refetching", _int,
    )  # fmt: skip
    smtp_url: str = setting(
        "", "VECHE_SMTP_URL",
        "mail server: `smtp://[user:password@]host:port` (add `?starttls=1` to upgrade) or "
        "`smtps://…`; unset, mails are written to the log instead of sent",
        _smtp_url, shown="unset (mails go to the log)",
    )  # fmt: skip
    mail_from: str = setting(
        "veche <noreply@localhost>", "VECHE_MAIL_FROM", "the From of every mail veche sends"
    )
    background: bool = setting(
        True, "VECHE_BACKGROUND",
        "run the outbox (mail, webhooks, with retries) and the event followers in this process; "
        "several nodes may all run them",
        _flag,
    )  # fmt: skip
    # Webhooks (veche.webhooks): where they may go, and how long one delivery may take.
    webhooks_allow_private: bool = setting(
        False, "VECHE_WEBHOOKS_ALLOW_PRIVATE",
        "let webhooks reach loopback, private, link-local and other non-public addresses "
        "(a receiver on your own network; tests); off, they are refused when added and at "
        "every send",
        _flag,
    )  # fmt: skip
    webhooks_timeout_seconds: float = setting(
        10.0, "VECHE_WEBHOOKS_TIMEOUT_SECONDS",
        "how long one webhook delivery may take to connect, send and be answered before it "
        "counts as failed and is retried",
        _seconds, shown="`10`",
    )  # fmt: skip
    rate_limit_reactions: str = setting(
        "60/minute", "VECHE_RATE_LIMIT_REACTIONS",
        "reactions set or taken back, and notifications marked read, per member",
    )  # fmt: skip
    digest_hour: int = setting(
        8, "VECHE_DIGEST_HOUR",
        "the hour (UTC, 0-23) from which each day's notification digests are sent", _hour,
    )  # fmt: skip

    @classmethod
    def settings(cls) -> list[Field[Any]]:
        return [f for f in fields(cls) if "env" in f.metadata]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        """Unset or empty variables keep the default; a malformed one is a ValueError
        that names it."""
        env = dict(os.environ if env is None else env)
        given: dict[str, Any] = {}
        for f in cls.settings():
            name = f.metadata["env"]
            raw = env.get(name)
            if raw is not None and raw.strip():
                given[f.name] = f.metadata["parse"](name, raw)
        return replace(cls(), **given)

    @classmethod
    def docs_table(cls) -> str:
        """The README's settings table."""
        rows = ["| variable | default | meaning |", "|---|---|---|"]
        for f in cls.settings():
            shown = f.metadata["shown"] or _shown(f.default)
            rows.append(f"| `{f.metadata['env']}` | {shown} | {f.metadata['help']} |")
        return "\n".join(rows) + "\n"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"
