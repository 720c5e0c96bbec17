"""Top-level comments in the top and most-replies orders: keyset pages that hold still.

A page is one backward range scan of `ix_comments_story_top` (story, depth 0, score, id) or
`ix_comments_story_replies` (story, depth 0, child_count, id) from the cursor, `LIMIT`ed:
never a scan of the thread. Unlike a path, a key moves when a reaction or a reply lands, so a
plain keyset would show a comment twice (it fell below the cursor) or never (it rose above
it). The cursor therefore carries the story's version `V` when the first page was read
(`"{V}x{key}x{id}"`), and every later page is the order *as of V*: the events after V
(`comment.reaction` keeps the key before it; `comment.created` names its path) say which
top-level comments moved and where they stood, and which are new since (left out: a fresh
load shows them). The scan reads that many more rows, the moved ones are read by path and
placed by their old key. More than MAX_CHANGES events since V, or events pruned since,
and the page falls back to the keys as they are now.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from veche.domain import paths
from veche.domain.errors import InvalidInput
from veche.i18n import gettext as _
from veche.store.models import Comment, Event, Story

MAX_CHANGES = 1000
REACTION = "comment.reaction"
CREATED = "comment.created"
_CURSOR = re.compile(r"^(\d{1,10})x(\d{1,19})x(\d{1,10})$")


@dataclass(frozen=True)
class Cursor:
    version: int
    key: int
    id: int

    def __str__(self) -> str:
        return f"{self.version}x{self.key}x{self.id}"


def parse_cursor(raw: str) -> Cursor:
    m = _CURSOR.match(raw)
    if m is None:
        raise InvalidInput(_("The page cursor is not valid."), field="after")
    return Cursor(int(m[1]), int(m[2]), int(m[3]))


@dataclass
class _Moves:
    """Top-level comments whose key changed since the snapshot, by path."""

    before: dict[str, int] = field(default_factory=dict)  # top: the key at the snapshot
    added: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # replies since
    new: set[str] = field(default_factory=set)  # written since the snapshot

    @property
    def moved(self) -> set[str]:
        return set(self.before) | set(self.added)

    def key_then(self, c: Comment, now: int) -> int:
        if c.path in self.before:
            return self.before[c.path]
        return now - self.added.get(c.path, 0)


def _moves(s: Session, story_id: int, since: int, upto: int, top: bool) -> _Moves:
    """What happened to top-level keys between two versions of the story, from its events
    (ix_events_story_seq); an empty answer when they cannot tell (too many, or pruned)."""
    moves = _Moves()
    if upto <= since:
        return moves
    rows = s.execute(
        select(Event.seq, Event.kind, Event.payload)
        .where(Event.story_id == story_id, Event.seq > since, Event.seq <= upto)
        .order_by(Event.seq)
        .limit(MAX_CHANGES + 1)
    ).all()
    if len(rows) > MAX_CHANGES or not rows or rows[0][0] != since + 1:
        return moves
    for _seq, kind, payload in rows:
        path = str((payload or {}).get("path", ""))
        if kind == CREATED and len(path) == paths.SEGMENT:
            moves.new.add(path)
        elif top and kind == REACTION and len(path) == paths.SEGMENT:
            moves.before.setdefault(path, int(_get(payload, "score_before")))
        elif not top and kind == CREATED and len(path) == 2 * paths.SEGMENT:
            moves.added[path[: paths.SEGMENT]] += 1
    return moves


def _get(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name)
    return int(value) if isinstance(value, int) else 0


def _snapshot(s: Session) -> None:
    """The page's statements must see one state: PostgreSQL's READ COMMITTED gives each its
    own, so this read runs REPEATABLE READ; SQLite's read transaction is one snapshot."""
    if s.get_bind().dialect.name == "postgresql":
        s.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def read_tops(
    s: Session, story_id: int, *, top: bool, after: str | None, limit: int
) -> tuple[list[Comment], str | None]:
    """One page of top-level comments, best first (`top`) or most replied first, and the
    cursor of the next page (None on the last)."""
    cursor = parse_cursor(after) if after else None
    _snapshot(s)
    column: InstrumentedAttribute[int] = Comment.score if top else Comment.child_count
    version = int(s.scalar(select(Story.event_seq).where(Story.id == story_id)) or 0)
    moves = _Moves()
    if cursor is not None:
        moves = _moves(s, story_id, cursor.version, version, top)
        version = cursor.version  # later pages keep the first page's order
    q = select(Comment).where(Comment.story_id == story_id, Comment.depth == 0)
    if cursor is not None:
        q = q.where(tuple_(column, Comment.id) < tuple_(cursor.key, cursor.id))
    q = q.order_by(column.desc(), Comment.id.desc())
    scanned = s.scalars(q.limit(limit + 1 + len(moves.moved) + len(moves.new))).unique()
    skip = moves.moved | moves.new
    keyed = [(int(getattr(c, column.key)), c) for c in scanned if c.path not in skip]
    if moves.moved:
        q = select(Comment).where(Comment.story_id == story_id, Comment.path.in_(moves.moved))
        for c in s.scalars(q).unique():
            then = moves.key_then(c, int(getattr(c, column.key)))
            if cursor is None or (then, c.id) < (cursor.key, cursor.id):
                keyed.append((then, c))
    keyed.sort(key=lambda kc: (kc[0], kc[1].id), reverse=True)
    more = len(keyed) > limit
    keyed = keyed[:limit]
    if not more or not keyed:
        return [c for _k, c in keyed], None
    last_key, last = keyed[-1]
    return [c for _k, c in keyed], str(Cursor(version, last_key, last.id))
