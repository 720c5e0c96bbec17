"""Reads for `veche export`: stories a page at a time, and each thread as one range scan of
ix_comments_story_path streamed in display order (never a query per parent)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from veche.domain.enums import CommentStatus, QuoteSource, QuoteState
from veche.store.models import Comment, Story, User

# Rows fetched per round trip while a thread streams (a server-side cursor on PostgreSQL).
STREAM_BATCH = 500


@dataclass(frozen=True, slots=True)
class ThreadRow:
    """A comment as the export needs it: its own columns, its author's public names, and the
    status of the comment it quotes (whose words stay gone once that one is)."""

    id: int
    parent_id: int | None
    path: str
    author_id: int | None
    author_handle: str | None
    author_name: str | None
    author_erased: bool  # the account was deleted: its comments keep no name
    guest_name: str | None
    created_at: dt.datetime
    edited_at: dt.datetime | None
    status: CommentStatus
    body_src: str
    reactions: int
    quote_source: QuoteSource | None
    quote_text: str | None
    quote_comment_id: int | None
    quote_state: QuoteState | None
    quoted_status: CommentStatus | None


def story_page(s: Session, site_id: int, *, after_id: int, limit: int) -> list[Story]:
    """A keyset page of a site's stories, oldest first."""
    return list(
        s.scalars(
            select(Story)
            .where(Story.site_id == site_id, Story.id > after_id)
            .order_by(Story.id)
            .limit(limit)
        )
    )


def thread_rows(s: Session, story_id: int) -> Iterator[ThreadRow]:
    """Every comment of a story in display order (parents before their replies)."""
    quoted = aliased(Comment)
    columns = (
        Comment.id, Comment.parent_id, Comment.path, Comment.author_id, User.handle,
        User.display_name, User.deleted_at.is_not(None), Comment.guest_name, Comment.created_at,
        Comment.edited_at, Comment.status, Comment.body_src, Comment.reactions,
        Comment.quote_source, Comment.quote_text, Comment.quote_comment_id, Comment.quote_state,
        quoted.status,
    )  # fmt: skip
    q = (
        select(*columns)
        .outerjoin(User, User.id == Comment.author_id)
        .outerjoin(quoted, quoted.id == Comment.quote_comment_id)
        .where(Comment.story_id == story_id)
        .order_by(Comment.path)
        .execution_options(yield_per=STREAM_BATCH)
    )
    for row in s.execute(q):
        values = list(row)
        values[6] = bool(values[6])  # NULL-safe on both engines
        yield ThreadRow(*values)
