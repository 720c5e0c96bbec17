"""Reactions: the row, the comment's count and top key, and the event, in one transaction.

Runs in the group writer after the comment was locked behind its story (comments.for_write),
so a story's reactions and comments queue in one order, and the count, the key and the
event's seq always agree. The primary key (comment, user) is the last word on "one each".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veche.domain import ranking
from veche.store.comments import append_event
from veche.store.models import Comment, Event
from veche.store.reader_models import Reaction

EVENT = "comment.reaction"


def has_reacted(s: Session, comment_id: int, user_id: int) -> bool:
    q = select(Reaction.comment_id).where(
        Reaction.comment_id == comment_id, Reaction.user_id == user_id
    )
    return s.scalar(q) is not None


def set_reaction(
    s: Session, comment: Comment, user_id: int, on: bool, now: dt.datetime
) -> Event | None:
    """Add (`on`) or take back the user's reaction; None when it already was so. The event's
    payload keeps the key the comment had before, so a page of the top order read later can
    still place the comment where an earlier page saw it (store.threads)."""
    if has_reacted(s, comment.id, user_id) == on:
        return None
    if on:
        try:
            with s.begin_nested():
                s.add(Reaction(comment_id=comment.id, user_id=user_id, created_at=now))
        except IntegrityError:  # the same reader from another node, a moment ago
            return None
    else:
        s.execute(
            delete(Reaction).where(Reaction.comment_id == comment.id, Reaction.user_id == user_id)
        )
    before = comment.score
    comment.reactions = max(0, comment.reactions + (1 if on else -1))
    comment.score = ranking.top_score(comment.reactions, comment.created_at)
    s.flush()
    payload = {"path": comment.path, "count": comment.reactions, "score_before": before}
    return append_event(s, comment.story_id, EVENT, comment.id, payload, now=now)


def reacted_among(s: Session, user_id: int, ids: Sequence[int]) -> set[int]:
    """Which of `ids` the user reacted to: one range of ix_reactions_user_comment."""
    if not ids:
        return set()
    q = select(Reaction.comment_id).where(
        Reaction.user_id == user_id, Reaction.comment_id.in_(list(ids))
    )
    return {int(i) for i in s.scalars(q)}
