"""The one read path for comments: a page of a thread is two index range scans."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from veche.domain import paths
from veche.store.models import Comment, Story


class Sort(StrEnum):
    oldest = "oldest"
    newest = "newest"


@dataclass(frozen=True)
class ThreadPage:
    story: Story
    comments: list[Comment]  # display order: each top-level comment then its subtree
    next_cursor: str | None
    quoted: dict[int, Comment]  # sources of quotes on this page, for "Quote: <handle>"


@dataclass(frozen=True)
class CommentContext:
    ancestors: list[Comment]
    comment: Comment
    subtree: list[Comment]  # the comment's replies, in display order
    quoted: dict[int, Comment]


def _quoted(s: Session, comments: list[Comment]) -> dict[int, Comment]:
    ids = {c.quote_comment_id for c in comments if c.quote_comment_id is not None}
    if not ids:
        return {}
    return {c.id: c for c in s.scalars(select(Comment).where(Comment.id.in_(ids)))}


def read_page(s: Session, story: Story, *, sort: Sort, after: str | None, limit: int) -> ThreadPage:
    tops_q = select(Comment.path).where(Comment.story_id == story.id, Comment.depth == 0)
    if sort is Sort.oldest:
        if after:
            tops_q = tops_q.where(Comment.path > after)
        tops_q = tops_q.order_by(Comment.path)
    else:
        if after:
            tops_q = tops_q.where(Comment.path < after)
        tops_q = tops_q.order_by(Comment.path.desc())
    tops = list(s.scalars(tops_q.limit(limit + 1)))
    more = len(tops) > limit
    tops = tops[:limit]
    if not tops:
        return ThreadPage(story, [], None, {})
    lo, hi = min(tops), paths.subtree_end(max(tops))
    rows = list(
        s.scalars(
            select(Comment)
            .where(Comment.story_id == story.id, Comment.path >= lo, Comment.path < hi)
            .order_by(Comment.path)
        ).unique()
    )
    if sort is Sort.newest:
        rows = _newest_first(rows)
    return ThreadPage(story, rows, tops[-1] if more else None, _quoted(s, rows))


def _newest_first(rows: list[Comment]) -> list[Comment]:
    """Reverse the order of top-level groups; replies inside stay in conversation order."""
    groups: list[list[Comment]] = []
    for c in rows:
        if c.depth == 0 or not groups:
            groups.append([])
        groups[-1].append(c)
    return [c for g in reversed(groups) for c in g]


def read_one(s: Session, comment_id: int) -> tuple[Comment, dict[int, Comment]] | None:
    """One comment and the source of its quote, without its subtree."""
    comment = get(s, comment_id)
    return None if comment is None else (comment, _quoted(s, [comment]))


def read_context(s: Session, comment_id: int) -> CommentContext | None:
    comment = s.get(Comment, comment_id)
    if comment is None:
        return None
    prefixes = [comment.path[:i] for i in range(paths.SEGMENT, len(comment.path), paths.SEGMENT)]
    ancestors = (
        list(
            s.scalars(
                select(Comment)
                .where(Comment.story_id == comment.story_id, Comment.path.in_(prefixes))
                .order_by(Comment.path)
            ).unique()
        )
        if prefixes
        else []
    )
    subtree = list(
        s.scalars(
            select(Comment)
            .where(
                Comment.story_id == comment.story_id,
                Comment.path > comment.path,
                Comment.path < paths.subtree_end(comment.path),
            )
            .order_by(Comment.path)
        ).unique()
    )
    everything = [*ancestors, comment, *subtree]
    return CommentContext(ancestors, comment, subtree, _quoted(s, everything))


def by_idempotency_key(s: Session, key: str) -> Comment | None:
    return s.scalars(select(Comment).where(Comment.idempotency_key == key)).unique().first()


def get(s: Session, comment_id: int, *, for_update: bool = False) -> Comment | None:
    q = select(Comment).where(Comment.id == comment_id)
    if for_update:
        q = q.with_for_update(of=Comment)
    return s.scalars(q).unique().first()
