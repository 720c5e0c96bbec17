"""Notifications' reads and writes: each an index range on the member's rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from veche.domain.notifications import MailState, NotificationKind
from veche.store.models import Comment, Story, User
from veche.store.reader_models import Notification

Key = tuple[int, NotificationKind, int]  # (user, kind, comment): told once


def comments_with_parents(
    s: Session, ids: Iterable[int]
) -> tuple[dict[int, Comment], dict[int, int | None]]:
    """The events' comments as they are now, and each one's parent's author: two queries."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}, {}
    comments = {c.id: c for c in s.scalars(select(Comment).where(Comment.id.in_(wanted))).unique()}
    parents = {c.parent_id for c in comments.values() if c.parent_id is not None}
    authors: dict[int, int | None] = {}
    if parents:
        rows = s.execute(select(Comment.id, Comment.author_id).where(Comment.id.in_(parents)))
        authors = {int(i): a for i, a in rows}
    return comments, authors


def users(s: Session, ids: Iterable[int]) -> dict[int, User]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in s.scalars(select(User).where(User.id.in_(wanted)))}


def existing(s: Session, comment_ids: Iterable[int]) -> set[Key]:
    """Who was told of these comments already: a replayed event tells nobody twice."""
    wanted = sorted(set(comment_ids))
    if not wanted:
        return set()
    rows = s.execute(
        select(Notification.user_id, Notification.kind, Notification.comment_id).where(
            Notification.comment_id.in_(wanted)
        )
    )
    return {(int(u), NotificationKind(k), int(c)) for u, k, c in rows}


def unread_count(s: Session, user_id: int) -> int:
    return int(
        s.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def page(
    s: Session, user_id: int, before: int | None, limit: int
) -> list[tuple[Notification, Comment, Story]]:
    """Newest first, a keyset page by id (ids grow with time)."""
    query = (
        select(Notification, Comment, Story)
        .join(Comment, Comment.id == Notification.comment_id)
        .join(Story, Story.id == Notification.story_id)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(Notification.id < before)
    return [(n, c, st) for n, c, st in s.execute(query).unique()]


def mark_read(s: Session, user_id: int, ids: Sequence[int] | None, now: dt.datetime) -> int:
    """The member's own rows only; `ids` None marks all."""
    stmt = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    result = s.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


def digest_users(s: Session, limit: int) -> list[int]:
    """Members with notifications waiting for a digest (ix_notifications_mail)."""
    rows = s.scalars(
        select(Notification.user_id)
        .where(Notification.mail == MailState.digest)
        .group_by(Notification.user_id)
        .order_by(Notification.user_id)
        .limit(limit)
    )
    return [int(u) for u in rows]


def waiting_for_digest(
    s: Session, user_id: int, limit: int
) -> list[tuple[Notification, Comment, Story]]:
    rows = s.execute(
        select(Notification, Comment, Story)
        .join(Comment, Comment.id == Notification.comment_id)
        .join(Story, Story.id == Notification.story_id)
        .where(Notification.user_id == user_id, Notification.mail == MailState.digest)
        .order_by(Notification.id)
        .limit(limit)
    ).unique()
    return [(n, c, st) for n, c, st in rows]


def settle_mail(s: Session, user_id: int, state: MailState, ids: Sequence[int] | None) -> None:
    """Digest rows sent (`ids`), or every waiting one dropped when mail is turned off."""
    stmt = update(Notification).where(
        Notification.user_id == user_id, Notification.mail == MailState.digest
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    s.execute(stmt.values(mail=state))
