"""Moderators' decisions as labelled data for the abuse model."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from veche.domain.enums import CommentStatus
from veche.store.models import Comment

# Reasons that say "abusive" (the defaults, and what a site's own list usually calls it).
ABUSIVE_WORDS = ("abuse", "insult", "threat", "violence", "hate", "оскорб", "угроз")


def labelled(s: Session, limit: int = 50_000) -> list[tuple[str, int]]:
    """(text, 1) for comments taken down for abuse, (text, 0) for ones a moderator approved
    or restored; spam and off-topic decisions say nothing about abuse and are left out."""
    rows = s.execute(
        select(Comment.body_text, Comment.status, Comment.mod_reason)
        .where(Comment.decided_at.is_not(None))
        .order_by(Comment.decided_at.desc())
        .limit(limit)
    )
    out: list[tuple[str, int]] = []
    for text, status, reason in rows:
        why = (reason or "").casefold()
        if status in (CommentStatus.rejected, CommentStatus.removed):
            if any(w in why for w in ABUSIVE_WORDS):
                out.append((text, 1))
        elif status is CommentStatus.visible:
            out.append((text, 0))
    return out
