"""Reading the `events` feed: what live streams replay by seq, and what retention prunes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from veche.store.models import Comment, Event, Story


@dataclass(frozen=True)
class FeedPage:
    rows: list[tuple[Event, Comment | None]]  # seq order; the comment as it is now
    quoted: dict[int, Comment]  # sources of quotes among those comments


def story_seqs(s: Session, story_ids: Iterable[int]) -> dict[int, int]:
    """Where each story's feed stands: one indexed read for every story a node streams."""
    ids = list(story_ids)
    if not ids:
        return {}
    rows = s.execute(select(Story.id, Story.event_seq).where(Story.id.in_(ids)))
    return {int(i): int(q) for i, q in rows}


def first_seq(s: Session, story_id: int) -> int | None:
    """The oldest event still kept; earlier ones are past the retention window."""
    value = s.scalar(select(func.min(Event.seq)).where(Event.story_id == story_id))
    return None if value is None else int(value)


def read_since(s: Session, story_id: int, after: int, limit: int) -> FeedPage:
    """Events after `after`, each with its comment's current state, in two queries."""
    rows: list[tuple[Event, Comment | None]] = [
        (event, comment)
        for event, comment in s.execute(
            select(Event, Comment)
            .outerjoin(Comment, Comment.id == Event.comment_id)
            .where(Event.story_id == story_id, Event.seq > after)
            .order_by(Event.seq)
            .limit(limit)
        ).unique()
    ]
    ids = {c.quote_comment_id for _e, c in rows if c is not None and c.quote_comment_id}
    quoted = (
        {c.id: c for c in s.scalars(select(Comment).where(Comment.id.in_(ids))).unique()}
        if ids
        else {}
    )
    return FeedPage(rows, quoted)


def prune(s: Session, before: dt.datetime) -> int:
    """Forget events older than the retention window; a stream that needs them gets a reset."""
    result = s.execute(delete(Event).where(Event.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
