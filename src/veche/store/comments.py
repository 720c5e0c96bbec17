"""The one write path for comments: ordinals, paths, counters, revisions, quotes and events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from veche.domain import paths
from veche.domain.enums import CommentStatus, QuoteSource, QuoteState
from veche.domain.quotes import verify
from veche.store import threads
from veche.store.models import Comment, CommentRevision, Event, Story


@dataclass(frozen=True)
class NewQuote:
    source: QuoteSource
    comment_id: int | None
    text: str
    state: QuoteState


@dataclass(frozen=True)
class NewComment:
    story_id: int
    parent: Comment | None
    author_id: int | None
    guest_name: str | None
    body_src: str
    body_html: str
    body_text: str
    created_at: dt.datetime
    idempotency_key: str | None
    quote: NewQuote | None
    status: CommentStatus = CommentStatus.visible


def lock_story(s: Session, story_id: int) -> None:
    """Every write to a thread takes its story row first, so a story's writers queue in one
    order: taking a comment row first (an edit) while another writer holds the story and
    needs that comment (a new quote of it, via its foreign key) would deadlock."""
    s.execute(select(Story.id).where(Story.id == story_id).with_for_update())


def get_for_write(s: Session, comment_id: int) -> Comment | None:
    """The comment, locked after its story's row (see lock_story)."""
    story_id = s.scalar(select(Comment.story_id).where(Comment.id == comment_id))
    if story_id is None:
        return None
    lock_story(s, story_id)
    return threads.get(s, comment_id, for_update=True)


def append_event(
    s: Session, story_id: int, kind: str, comment_id: int | None, payload: dict[str, Any]
) -> Event:
    """Bumping the story row serialises a story's writers, so seq commits in order."""
    seq = s.execute(
        update(Story)
        .where(Story.id == story_id)
        .values(event_seq=Story.event_seq + 1)
        .returning(Story.event_seq)
    ).scalar_one()
    event = Event(
        story_id=story_id,
        seq=seq,
        kind=kind,
        comment_id=comment_id,
        created_at=dt.datetime.now(dt.UTC),
        payload=payload,
    )
    s.add(event)
    return event


def _next_ordinal(s: Session, story_id: int, parent: Comment | None) -> int:
    # UPDATE … RETURNING holds the row lock to commit: concurrent replies get distinct numbers.
    if parent is None:
        stmt = (
            update(Story)
            .where(Story.id == story_id)
            .values(child_count=Story.child_count + 1)
            .returning(Story.child_count)
        )
    else:
        stmt = (
            update(Comment)
            .where(Comment.id == parent.id)
            .values(child_count=Comment.child_count + 1)
            .returning(Comment.child_count)
        )
    return int(s.execute(stmt).scalar_one())


def insert(s: Session, new: NewComment) -> Comment:
    ordinal = _next_ordinal(s, new.story_id, new.parent)
    path = paths.child_path(new.parent.path if new.parent else "", ordinal)
    comment = Comment(
        story_id=new.story_id,
        parent_id=new.parent.id if new.parent else None,
        path=path,
        depth=paths.depth_of(path),
        ordinal=ordinal,
        child_count=0,
        author_id=new.author_id,
        guest_name=new.guest_name,
        body_src=new.body_src,
        body_html=new.body_html,
        body_text=new.body_text,
        status=new.status,
        created_at=new.created_at,
        idempotency_key=new.idempotency_key,
    )
    if new.quote is not None:
        comment.quote_source = new.quote.source
        comment.quote_comment_id = new.quote.comment_id
        comment.quote_text = new.quote.text
        comment.quote_state = new.quote.state
    s.add(comment)
    s.execute(
        update(Story).where(Story.id == new.story_id).values(comment_count=Story.comment_count + 1)
    )
    s.flush()
    append_event(s, new.story_id, "comment.created", comment.id, {"path": path})
    return comment


def edit(
    s: Session,
    comment: Comment,
    *,
    body_src: str,
    body_html: str,
    body_text: str,
    editor_id: int | None,
    now: dt.datetime,
) -> None:
    s.add(
        CommentRevision(
            comment_id=comment.id, body_src=comment.body_src, replaced_at=now, editor_id=editor_id
        )
    )
    comment.body_src, comment.body_html, comment.body_text = body_src, body_html, body_text
    comment.edited_at = now
    s.flush()
    _requote(s, comment)
    append_event(s, comment.story_id, "comment.edited", comment.id, {})


def set_status(s: Session, comment: Comment, status: CommentStatus) -> None:
    """Deletion keeps the row and its place: replies and numbering stay as they were."""
    comment.status = status
    s.flush()
    _requote(s, comment)
    append_event(s, comment.story_id, f"comment.{status.value}", comment.id, {})


def _requote(s: Session, source: Comment) -> None:
    """Quotes of a comment follow its fate: re-check them against what it shows now."""
    shown = source.body_text if source.status is CommentStatus.visible else None
    quoting = s.scalars(select(Comment).where(Comment.quote_comment_id == source.id)).all()
    for q in quoting:
        state = verify(q.quote_text or "", shown)
        if state is not q.quote_state:
            q.quote_state = state
            append_event(s, q.story_id, "comment.quote_state", q.id, {"state": state.value})


def requote_story(s: Session, story: Story) -> None:
    quoting = s.scalars(
        select(Comment).where(
            Comment.story_id == story.id, Comment.quote_source == QuoteSource.story
        )
    ).all()
    for q in quoting:
        state = verify(q.quote_text or "", story.body_text or story.title)
        if state is not q.quote_state:
            q.quote_state = state
            append_event(s, story.id, "comment.quote_state", q.id, {"state": state.value})
