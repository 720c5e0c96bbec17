"""The readers' tables (issue 7): what veche owes the outside world (outbox, webhooks),
sign-in from elsewhere (identities, used SSO tokens), mailed links and the sign-in throttle,
notifications and reactions. Kept apart from the thread's own tables in models.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from veche.domain.notifications import MailState, NotificationKind
from veche.store.models import Base, UTCDateTime, _enum


class OutboxItem(Base):
    """A mail or webhook owed to the outside world, written in the transaction that caused
    it and delivered after commit by notify.worker with backoff; the rows are the log."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # mail | webhook
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), default=None
    )
    target: Mapped[str] = mapped_column(String(2048))  # an address or a URL
    # Set when the same cause must never send twice (a retried write, a digest's day).
    dedupe_key: Mapped[str | None] = mapped_column(String(160), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # A worker holds the row until then; one that died lets it go when this passes.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(String(1000), default=None)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_site_kind", "site_id", "kind", "created_at"),
        Index("ix_outbox_dedupe", "dedupe_key", unique=True),
    )


class Identity(Base):
    """A member's account elsewhere: a publisher's SSO or an OpenID provider."""

    __tablename__ = "identities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))  # sso | oidc
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        Index("ix_identities_subject", "site_id", "provider", "subject", unique=True),
        Index("ix_identities_user", "user_id"),
    )


class UsedSsoToken(Base):
    """A publisher SSO token's jti, kept until the token expires: a second exchange of the
    same token is a replay, refused on every node (the database is the one witness)."""

    __tablename__ = "sso_used_tokens"
    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    jti_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_sso_used_tokens_expires_at", "expires_at"),)


class WebhookEndpoint(Base):
    """A publisher's URL told about comment changes; deliveries are outbox rows (kind
    `webhook`) whose dedupe key names this endpoint, so the outbox is its delivery log."""

    __tablename__ = "webhook_endpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    # Signs every delivery (HMAC-SHA256); shown once, when the endpoint is added.
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    # Never reuse a removed endpoint's id: its old deliveries stay in the log under it.
    __table_args__ = (
        Index("ix_webhook_endpoints_site", "site_id"),
        {"sqlite_autoincrement": True},
    )


class Reaction(Base):
    """One reader's reaction ("respect") to one comment: at most one each, by the key."""

    __tablename__ = "reactions"
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The overlay's "which of these did I react to": one range of the reader's rows.
        Index("ix_reactions_user_comment", "user_id", "comment_id"),
    )


class Notification(Base):
    """A reply to a member's comment or a mention of them: one row per (member, kind,
    comment), so however often the feed is followed, they are told once."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(_enum(NotificationKind, "notification_kind"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    actor: Mapped[str] = mapped_column(String(80))  # their handle or guest name then
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    mail: Mapped[MailState] = mapped_column(
        _enum(MailState, "mail_state"), default=MailState.none, server_default="none"
    )

    __table_args__ = (
        Index("ix_notifications_once", "user_id", "kind", "comment_id", unique=True),
        # A member's list, newest first, and their unread count: one range each.
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
        # The daily digest: who has mail waiting.
        Index("ix_notifications_mail", "mail", "user_id"),
    )


class AccountToken(Base):
    """A one-time link sent by mail: verify an address, reset a password, or sign in.

    Only the SHA-256 of the token is stored; `used_at` makes it single use."""

    __tablename__ = "account_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))  # verify | reset | signin
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # For `verify`: the address being proved (a new one replaces the account's on success).
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (Index("ix_account_tokens_user", "user_id", "purpose"),)


class SigninThrottle(Base):
    """Failed sign-ins per account (or per unknown login), shared by every node: after a
    few, each further attempt waits twice as long as the last."""

    __tablename__ = "signin_throttle"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_signin_throttle_updated", "updated_at"),)
