"""What every use case needs, built once per process by the app factory or the CLI."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from veche.config import Config
from veche.domain.enums import Role
from veche.live.broker import LocalBroker, Notice, build_broker
from veche.security.ratelimit import RateLimiter
from veche.service.pipeline import PublishAll, Scorer
from veche.store import stories as store_stories
from veche.store.database import Database
from veche.store.models import User


class Screener(Protocol):
    """The slow scoring stage, fed after commit (service.screening.Screening)."""

    def submit(self, comment_id: int, text: str) -> None: ...


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Runtime:
    config: Config
    db: Database
    limiter: RateLimiter
    clock: Callable[[], dt.datetime] = utcnow
    broker: LocalBroker = field(default_factory=LocalBroker)
    scorer: Scorer = field(default_factory=PublishAll)
    screener: Screener | None = None
    _secret: str | None = field(default=None, repr=False)

    @classmethod
    def build(cls, config: Config) -> Runtime:
        db = Database(
            config.database_url,
            lock_timeout_ms=config.lock_timeout_ms,
            synchronous=config.sqlite_synchronous,
        )
        from veche.moderation import scorer  # it imports the pipeline's types

        return cls(
            config=config,
            db=db,
            limiter=RateLimiter(config.redis_url),
            broker=build_broker(config.redis_url),
            scorer=scorer.build(config.scorers),
        )

    def publish(self, story_id: int, seq: int) -> None:
        """After commit: tell this node's streams and caches, and every other node's."""
        if seq:
            self.broker.publish(Notice("story", story_id, seq))

    def screen(self, comment_id: int, text: str) -> None:
        """After commit: the slow scorer looks at it in the background, if it runs here."""
        if self.screener is not None:
            self.screener.submit(comment_id, text)

    def queue_changed(self, site_id: int) -> None:
        """Moderators' queue pages on every node re-read what changed."""
        self.broker.publish(Notice("queue", site_id))

    def came_online(self) -> None:
        """A reader was seen after a while away: every node sweeps presence now."""
        self.broker.publish(Notice("presence"))

    def sessions_revoked(self, user_id: int) -> None:
        """After commit: a member's sessions were revoked; every node's live streams of
        theirs re-check their token (live.sessions)."""
        self.broker.publish(Notice("sessions", user_id))

    @property
    def secret(self) -> str:
        """From VECHE_SECRET_KEY, or generated once and kept in the settings table."""
        if self._secret is None:
            if self.config.secret_key:
                self._secret = self.config.secret_key
            else:
                # Nodes starting together race here: the first insert wins and all read it.
                with self.db.session() as s:
                    store_stories.add_setting_once(s, "secret_key", secrets.token_urlsafe(48))
                with self.db.session(write=False) as s:
                    value = store_stories.get_setting(s, "secret_key")
                assert value is not None
                self._secret = value
        return self._secret


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in user or an anonymous client known by address."""

    user: User | None
    ip: str
    token: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    @property
    def role(self) -> Role | None:
        return self.user.role if self.user is not None else None

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.moderator, Role.admin)
