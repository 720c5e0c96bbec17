"""What every use case needs, built once per process by the app factory or the CLI."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from veche.config import Config
from veche.security.ratelimit import RateLimiter
from veche.store import stories as store_stories
from veche.store.database import Database
from veche.store.models import User


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Runtime:
    config: Config
    db: Database
    limiter: RateLimiter
    clock: Callable[[], dt.datetime] = utcnow
    _secret: str | None = field(default=None, repr=False)

    @classmethod
    def build(cls, config: Config) -> Runtime:
        db = Database(
            config.database_url,
            lock_timeout_ms=config.lock_timeout_ms,
            synchronous=config.sqlite_synchronous,
        )
        return cls(config=config, db=db, limiter=RateLimiter(config.redis_url))

    @property
    def secret(self) -> str:
        """From VECHE_SECRET_KEY, or generated once and kept in the settings table."""
        if self._secret is None:
            if self.config.secret_key:
                self._secret = self.config.secret_key
            else:
                with self.db.session() as s:
                    value = store_stories.get_setting(s, "secret_key")
                    if value is None:
                        value = secrets.token_urlsafe(48)
                        store_stories.put_setting(s, "secret_key", value)
                self._secret = value
        return self._secret


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in user or an anonymous client known by address."""

    user: User | None
    ip: str
    token: str | None = None

    @property
    def is_moderator(self) -> bool:
        return self.user is not None and self.user.role.value in {"moderator", "admin"}
