"""The one write path for comments: ordinals, paths, counters, revisions, quotes and events.

Every function here runs inside the pipeline's short store transaction. Nothing is rendered or
validated here (that happened before the transaction opened); what is checked here is only what
another writer could have changed meanwhile, and each such check rides on an UPDATE that the
write needs anyway, so it costs no extra round trip.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Update, bindparam, select, update
from sqlalchemy import insert as sql_insert
from sqlalchemy.orm import Session

from veche.domain import paths, ranking
from veche.domain.enums import CommentStatus, QuoteSource, QuoteState
from veche.domain.errors import Conflict, NotFound
from veche.domain.quotes import Verdict, recheck
from veche.i18n import gettext as _
from veche.store import threads
from veche.store.models import Comment, CommentRevision, Event, Story


@dataclass(frozen=True)
class NewQuote:
    source: QuoteSource
    comment_id: int | None
    text: str
    state: QuoteState
    coverage: int | None = None


@dataclass(frozen=True)
class NewComment:
    story_id: int
    parent_id: int | None
    parent_path: str
    author_id: int | None
    guest_name: str | None
    body_src: str
    body_html: str
    body_text: str
    created_at: dt.datetime
    idempotency_key: str | None
    quote: NewQuote | None
    status: CommentStatus = CommentStatus.visible
    scores: dict[str, float] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    held_by: str | None = None


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
    s: Session,
    story_id: int,
    kind: str,
    comment_id: int | None,
    payload: dict[str, Any],
    *,
    now: dt.datetime,
    seq: int | None = None,
    later: list[Event] | None = None,
) -> Event:
    """Bumping the story row serialises a story's writers, so seq commits in order. A caller
    that has bumped it already (in the UPDATE that also counts the comment) passes `seq`.
    `later`: a bulk writer's list, written in one statement by `add_events`."""
    if seq is None:
        seq = s.execute(
            update(Story)
            .where(Story.id == story_id)
            .values(event_seq=Story.event_seq + 1)
            .returning(Story.event_seq)
        ).scalar_one()
    event = Event(
        story_id=story_id, seq=seq, kind=kind, comment_id=comment_id, created_at=now,
        payload=payload,
    )  # fmt: skip
    if later is None:
        s.add(event)
    else:
        later.append(event)
    return event


def add_events(s: Session, events: list[Event]) -> None:
    """A bulk writer's events (an import's thread), in one executemany."""
    if events:
        s.execute(
            sql_insert(Event),
            [
                {
                    "story_id": e.story_id, "seq": e.seq, "kind": e.kind,
                    "comment_id": e.comment_id, "created_at": e.created_at, "payload": e.payload,
                }
                for e in events
            ],
        )  # fmt: skip
        events.clear()


def _claim_statement(top_level: bool, importing: bool) -> Update:
    values: dict[str, Any] = {
        "comment_count": Story.comment_count + 1,
        "event_seq": Story.event_seq + 1,
    }
    if top_level:
        values["child_count"] = Story.child_count + 1
    stmt = update(Story).where(Story.id == bindparam("b_story"))
    if not importing:
        stmt = stmt.where(Story.is_open.is_(True))
    return stmt.values(**values).returning(Story.child_count, Story.event_seq)


# Built once: the group writer runs these for every comment, and building, caching and
# ORM-synchronising a fresh statement cost more than SQLite running it. They go to the
# session's connection as Core statements: no loaded object needs their new values.
_CLAIM_STORY = {(t, i): _claim_statement(t, i) for t in (True, False) for i in (True, False)}
_CLAIM_PARENT = {
    importing: (
        update(Comment)
        .where(Comment.id == bindparam("b_parent"))
        .where(*(() if importing else (Comment.status == CommentStatus.visible,)))
        .values(child_count=Comment.child_count + 1)
        .returning(Comment.child_count)
    )
    for importing in (True, False)
}


def _claim_story(s: Session, new: NewComment, *, importing: bool) -> tuple[int, int]:
    """One UPDATE locks the story, counts the comment, hands out the event seq and, for a
    top-level comment, its ordinal; a story closed meanwhile matches no row."""
    stmt = _CLAIM_STORY[(new.parent_id is None, importing)]
    row = s.connection().execute(stmt, {"b_story": new.story_id}).one_or_none()
    if row is None:
        if s.get(Story, new.story_id) is None:
            raise NotFound(_("There is no such story."))
        raise Conflict(_("This discussion is closed to new comments."))
    return int(row[0]), int(row[1])


def _claim_parent(s: Session, new: NewComment, *, importing: bool) -> int:
    """The reply's ordinal, handed out under the parent's row lock; a parent deleted since
    validation matches no row, so nobody replies to a placeholder."""
    stmt = _CLAIM_PARENT[importing]
    ordinal = s.connection().execute(stmt, {"b_parent": new.parent_id}).scalar_one_or_none()
    if ordinal is None:
        raise Conflict(_("That comment was deleted; it cannot be replied to."), field="parent_id")
    return int(ordinal)


def insert(
    s: Session, new: NewComment, *, importing: bool = False, events: list[Event] | None = None
) -> tuple[Comment, Event]:
    """`events`: a bulk writer collects the comment's event there (see add_events)."""
    ordinal, seq = _claim_story(s, new, importing=importing)
    if new.parent_id is not None:
        ordinal = _claim_parent(s, new, importing=importing)
    path = paths.child_path(new.parent_path, ordinal)
    comment = Comment(
        story_id=new.story_id,
        parent_id=new.parent_id,
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
        scores=new.scores or None,
        flags=new.flags or None,
        held_by=new.held_by,
        created_at=new.created_at,
        idempotency_key=new.idempotency_key,
        score=ranking.top_score(0, new.created_at),
    )
    if new.quote is not None:
        comment.quote_source = new.quote.source
        comment.quote_comment_id = new.quote.comment_id
        comment.quote_text = new.quote.text
        verdict = _quote_state_now(s, new.quote)
        comment.quote_state, comment.quote_coverage = verdict.state, verdict.coverage
    s.add(comment)
    s.flush()
    event = append_event(
        s, new.story_id, "comment.created", comment.id, {"path": path},
        now=new.created_at, seq=seq, later=events,
    )  # fmt: skip
    return comment, event


def _quote_state_now(s: Session, quote: NewQuote) -> Verdict:
    """The source may have been edited or deleted since validation: judge it as committed.
    Deleted meanwhile is refused, as validation would have refused it; edited meanwhile, a
    quote that matched at validation is source_edited, as it would be a moment later."""
    if quote.source is not QuoteSource.comment or quote.comment_id is None:
        return Verdict(quote.state, quote.coverage)
    row = s.execute(
        select(Comment.status, Comment.body_text).where(Comment.id == quote.comment_id)
    ).one_or_none()
    if row is None or row[0] is not CommentStatus.visible:
        raise Conflict(_("The quoted comment was deleted."), field="quote")
    return recheck(quote.text, row[1], quote.state, quote.coverage)


def edit(
    s: Session,
    comment: Comment,
    *,
    body_src: str,
    body_html: str,
    body_text: str,
    editor_id: int | None,
    now: dt.datetime,
    status: CommentStatus | None = None,
    scores: dict[str, float] | None = None,
    flags: list[str] | None = None,
) -> list[Event]:
    s.add(
        CommentRevision(
            comment_id=comment.id, body_src=comment.body_src, replaced_at=now, editor_id=editor_id
        )
    )
    comment.body_src, comment.body_html, comment.body_text = body_src, body_html, body_text
    comment.edited_at = now
    if status is not None:
        comment.status = status
    if scores:
        comment.scores = scores
    if flags:
        comment.flags = [*(comment.flags or []), *flags]
    if status is CommentStatus.pending and comment.held_by is None:
        comment.held_by = "scorer"
    s.flush()
    events = _requote(s, comment, now)
    events.append(append_event(s, comment.story_id, "comment.edited", comment.id, {}, now=now))
    return events


def set_status(
    s: Session,
    comment: Comment,
    status: CommentStatus,
    now: dt.datetime,
    *,
    kind: str | None = None,
) -> list[Event]:
    """Deletion keeps the row and its place: replies and numbering stay as they were."""
    comment.status = status
    s.flush()
    events = _requote(s, comment, now)
    kind = kind or f"comment.{status.value}"
    events.append(append_event(s, comment.story_id, kind, comment.id, {}, now=now))
    return events


def _requote(s: Session, source: Comment, now: dt.datetime) -> list[Event]:
    """Quotes of a comment follow its fate: re-check them against what it shows now."""
    shown = source.body_text if source.status is CommentStatus.visible else None
    quoting = s.scalars(select(Comment).where(Comment.quote_comment_id == source.id)).all()
    return [e for q in quoting if (e := _rejudge(s, q, shown, now)) is not None]


def _rejudge(s: Session, q: Comment, source_text: str | None, now: dt.datetime) -> Event | None:
    """A quote whose words were in its source and are not now says source_edited, never
    altered: a later edit cannot make the quoter look like a forger."""
    verdict = recheck(q.quote_text or "", source_text, q.quote_state, q.quote_coverage)
    if (verdict.state, verdict.coverage) == (q.quote_state, q.quote_coverage):
        return None
    q.quote_state, q.quote_coverage = verdict.state, verdict.coverage
    payload = {"state": verdict.state.value, "coverage": verdict.coverage}
    return append_event(s, q.story_id, "comment.quote_state", q.id, payload, now=now)


def requote_story(s: Session, story: Story, now: dt.datetime) -> list[Event]:
    quoting = s.scalars(
        select(Comment).where(
            Comment.story_id == story.id, Comment.quote_source == QuoteSource.story
        )
    ).all()
    shown = story.body_text or story.title
    return [e for q in quoting if (e := _rejudge(s, q, shown, now)) is not None]
