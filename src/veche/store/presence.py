"""Who is online, as the store knows it: `last_seen_at` within the window.

Every node asks the store rather than keeping its own roster, so a reader seen on node A is
online on node B too, and a restart loses nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from veche.domain.enums import CommentStatus
from veche.store.models import Comment, User

CHUNK = 500  # ids per IN list, well under every engine's bound parameter limit


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for at in range(0, len(ids), CHUNK):
        yield list(ids[at : at + CHUNK])


def online_users(s: Session, since: dt.datetime) -> dict[int, tuple[str, dt.datetime]]:
    """Everyone seen since `since` who shows their presence: user id → (handle, last seen)."""
    q = select(User.id, User.handle, User.last_seen_at).where(
        User.last_seen_at >= since, User.hide_presence.is_(False)
    )
    return {uid: (handle, seen) for uid, handle, seen in s.execute(q) if seen is not None}


def online_authors(s: Session, story_id: int, since: dt.datetime) -> dict[int, str]:
    """The online among a story's visible authors; from the few online users, not the thread."""
    wrote = exists().where(
        Comment.author_id == User.id,
        Comment.story_id == story_id,
        Comment.status == CommentStatus.visible,
    )
    rows = s.execute(
        select(User.id, User.handle).where(
            User.last_seen_at >= since, User.hide_presence.is_(False), wrote
        )
    )
    return {uid: handle for uid, handle in rows}


def authors_in(
    s: Session, user_ids: Sequence[int], story_ids: Sequence[int]
) -> set[tuple[int, int]]:
    """(story id, user id) for each of these users with a visible comment in these stories."""
    found: set[tuple[int, int]] = set()
    for users in _chunks(sorted(user_ids)):
        for stories in _chunks(sorted(story_ids)):
            q = (
                select(Comment.story_id, Comment.author_id)
                .where(
                    Comment.author_id.in_(users),
                    Comment.story_id.in_(stories),
                    Comment.status == CommentStatus.visible,
                )
                .distinct()
            )
            found.update((sid, uid) for sid, uid in s.execute(q) if uid is not None)
    return found


def touch_many(s: Session, user_ids: Sequence[int], now: dt.datetime, before: dt.datetime) -> int:
    """Mark readers with an open stream as seen; only rows not seen since `before`."""
    done = 0
    for users in _chunks(sorted(user_ids)):
        result = s.execute(
            update(User)
            .where(
                User.id.in_(users),
                or_(User.last_seen_at.is_(None), User.last_seen_at < before),
            )
            .values(last_seen_at=now)
        )
        done += result.rowcount or 0  # type: ignore[attr-defined]
    return done
