"""Reads for the comment-count widget: stories by URL with their version, and how many
published comments each has.

`stories.comment_count` counts every comment ever made (held, refused and deleted ones
too: it hands out numbers), so the readers' count is counted from the comments.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veche.domain.enums import CommentStatus
from veche.store.models import Comment, Story


class StoryVersion(NamedTuple):
    id: int
    url: str
    seq: int  # stories.event_seq: every change to the thread bumps it


def stories_by_url(s: Session, urls: Collection[str]) -> list[StoryVersion]:
    """The stories of those URLs that exist: one lookup on the unique URL index."""
    if not urls:
        return []
    rows = s.execute(select(Story.id, Story.url, Story.event_seq).where(Story.url.in_(list(urls))))
    return [StoryVersion(int(i), str(u), int(q)) for i, u, q in rows]


def published_counts(s: Session, story_ids: Collection[int]) -> dict[int, int]:
    """Published comments per story, as every reader sees them (nothing held, nothing
    deleted); a story with none is absent."""
    if not story_ids:
        return {}
    rows = s.execute(
        select(Comment.story_id, func.count())
        .where(Comment.story_id.in_(list(story_ids)))
        .where(Comment.status == CommentStatus.visible)
        .group_by(Comment.story_id)
    )
    return {int(story_id): int(n) for story_id, n in rows}
