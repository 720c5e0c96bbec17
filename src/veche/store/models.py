"""Tables. `parent_id` is the truth of a thread; `path`/`depth` make it one range scan."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from veche.domain.enums import CommentStatus, QuoteSource, QuoteState, ReportReason, Role
from veche.domain.notifications import MailMode


class UTCDateTime(TypeDecorator[dt.datetime]):
    """SQLite forgets time zones; store UTC and hand back aware datetimes on every engine."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# Byte order, not locale order: the materialized path must sort the same everywhere.
PathString = String(1024).with_variant(String(1024, collation="C"), "postgresql")


class Base(DeclarativeBase):
    pass


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=20, validate_strings=True)


class Setting(Base):
    """Instance-wide settings in one table, datasette style (e.g. the generated secret)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    require_sign_in: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_guests: Mapped[bool] = mapped_column(Boolean, default=False)
    edit_window_seconds: Mapped[int] = mapped_column(Integer, default=15 * 60)
    max_comment_length: Mapped[int] = mapped_column(Integer, default=5000)
    # domain.moderation.ModerationSettings as stored: only what the site set, parsed.
    moderation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Sign-in settings (SSO secret or key, OpenID provider) as stored: only what was set.
    auth: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # What its pages end their titles with (" — The Coast Gazette"): dropped from story titles.
    title_suffix: Mapped[str | None] = mapped_column(String(120), default=None)
    # domain.theme.ThemeSettings as stored: only what the site set (served as its theme.css).
    theme: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The language of its pages, embeds and mails when the reader's is unknown (migration 0018).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")


class Story(Base):
    __tablename__ = "stories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    # False while the title is what a reader's browser sent; the publisher confirms it.
    title_confirmed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    body_src: Mapped[str | None] = mapped_column(Text, default=None)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    body_text: Mapped[str | None] = mapped_column(Text, default=None)
    image_caption: Mapped[str | None] = mapped_column(String(500), default=None)
    photo_credit: Mapped[str | None] = mapped_column(String(300), default=None)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    # Counter of top-level comments ever made: hands out stable ordinals.
    child_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped under the story's row lock by every change, so events commit in seq order.
    event_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship(lazy="joined")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handle: Mapped[str] = mapped_column(String(40))
    # casefolded handle: "Denis Z" and "denis z" are one person
    handle_key: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True, default=None)
    display_name: Mapped[str | None] = mapped_column(String(80), default=None)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.reader)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The TR39 skeleton of the handle: a new handle that looks the same is refused.
    handle_skeleton: Mapped[str | None] = mapped_column(String(160), default=None)
    # The same of the display name: a guest may not pass as a member by their real name.
    name_skeleton: Mapped[str | None] = mapped_column(String(320), default=None)
    # A ban: banned_until None with banned_at set is permanent.
    banned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    banned_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    ban_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    shadow_banned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    premoderated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Accounts (migration 0010): a proved address, presence opt-out, and erasure.
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    hide_presence: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # The reader's own language and IANA time zone (migration 0018); None: not chosen.
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)
    # From a publisher's SSO token (an https URL, checked in service/sso.py).
    avatar_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    # Notification mail: immediate, a daily digest, or off; and when the last digest went.
    notify_mail: Mapped[MailMode] = mapped_column(
        _enum(MailMode, "mail_mode"), default=MailMode.immediate, server_default="immediate"
    )
    digest_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        # Who is online now: one range scan for the live presence sweep.
        Index("ix_users_last_seen_at", "last_seen_at"),
        Index("ix_users_handle_skeleton", "handle_skeleton"),
        Index("ix_users_name_skeleton", "name_skeleton"),
    )


class AuthSession(Base):
    """Server-side sessions so a sign-out or an admin can revoke them."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    user_agent: Mapped[str | None] = mapped_column(String(300), default=None)

    user: Mapped[User] = relationship(lazy="joined")


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), default=None)
    path: Mapped[str] = mapped_column(PathString)
    depth: Mapped[int] = mapped_column(Integer)
    ordinal: Mapped[int] = mapped_column(Integer)
    child_count: Mapped[int] = mapped_column(Integer, default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    guest_name: Mapped[str | None] = mapped_column(String(80), default=None)
    body_src: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        _enum(CommentStatus, "comment_status"), default=CommentStatus.visible
    )
    # What the pipeline's scorers said (name → score), for moderators; None when none ran.
    scores: Mapped[dict[str, float] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)
    quote_source: Mapped[QuoteSource | None] = mapped_column(
        _enum(QuoteSource, "quote_source"), default=None
    )
    quote_comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id"), default=None, index=True
    )
    quote_text: Mapped[str | None] = mapped_column(Text, default=None)
    quote_state: Mapped[QuoteState | None] = mapped_column(
        _enum(QuoteState, "quote_state"), default=None
    )
    # The quote's words as a percent of its source's words when they last matched.
    quote_coverage: Mapped[int | None] = mapped_column(Integer, default=None)
    # Moderation: why it is held (words, scores, reports), who decided, what its author is
    # told, and the status a restore returns to.
    flags: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    held_by: Mapped[str | None] = mapped_column(String(20), default=None)  # scorer | rules
    open_reports: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Counts decisions: a moderator acting on what they saw names it, and a decision made
    # meanwhile by someone else makes theirs a conflict instead of a second decision.
    mod_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    mod_reason: Mapped[str | None] = mapped_column(String(1000), default=None)
    status_before: Mapped[CommentStatus | None] = mapped_column(
        _enum(CommentStatus, "comment_status_before"), default=None
    )
    featured_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # Readers' reactions ("respect"), counted; and the top order's key, kept with the count
    # (domain.ranking.top_score: a lower bound on the count plus a fixed age bonus).
    reactions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    score: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    author: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[author_id])

    __table_args__ = (
        Index("ix_comments_story_path", "story_id", "path", unique=True),
        # Paging top-level comments must not walk their subtrees.
        Index("ix_comments_story_depth_path", "story_id", "depth", "path"),
        Index("ix_comments_parent", "parent_id"),
        # Which streamed stories a user who came online has written in.
        Index("ix_comments_author_story", "author_id", "story_id"),
        # The moderation queue's tabs, newest first, without walking every story.
        Index("ix_comments_status_created", "status", "created_at"),
        Index("ix_comments_open_reports", "open_reports"),
        Index("ix_comments_decided_at", "decided_at"),
        Index("ix_comments_story_featured", "story_id", "featured_at"),
        # Top-level paging under the top and most-replies orders: keyset (key, id) pages.
        Index("ix_comments_story_top", "story_id", "depth", "score", "id"),
        Index("ix_comments_story_replies", "story_id", "depth", "child_count", "id"),
        # A member's public profile: their newest comments, a keyset page (migration 0010).
        Index("ix_comments_author_id", "author_id", "id"),
    )


class Report(Base):
    """A reader's report of a comment; one per reader and comment."""

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[ReportReason] = mapped_column(_enum(ReportReason, "report_reason"))
    note: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        Index("ix_reports_comment_reporter", "comment_id", "reporter_id", unique=True),
        Index("ix_reports_created_at", "created_at"),
    )


class AuditEntry(Base):
    """Append-only: who did what to what, when, why, and the state before. A trigger on both
    engines refuses UPDATE and DELETE, so not even a bug in veche can rewrite history."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor: Mapped[str] = mapped_column(String(40))  # the handle then, or "auto"
    action: Mapped[str] = mapped_column(String(40))
    target_kind: Mapped[str] = mapped_column(String(20))  # comment | user | story | site
    target_id: Mapped[int] = mapped_column(Integer)
    story_id: Mapped[int | None] = mapped_column(Integer, default=None)
    reason: Mapped[str | None] = mapped_column(String(1000), default=None)
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_actor_at", "actor_id", "at"),
        Index("ix_audit_target", "target_kind", "target_id"),
    )


class CommentRevision(Base):
    """Each edit keeps the text it replaced, for moderators and disputes."""

    __tablename__ = "comment_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    body_src: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class Event(Base):
    """Every change to a thread, in commit order: the feed live updates and caches follow."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    comment_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_events_story_seq", "story_id", "seq", unique=True),
        # Pruning past the retention window walks time, not stories.
        Index("ix_events_created_at", "created_at"),
    )


# The readers' tables live in their own module; loading it with this one registers them with
# Base.metadata wherever the models are used (migration checks, test set-up).
from veche.store import import_models as import_models  # noqa: E402
from veche.store import reader_models as reader_models  # noqa: E402
