"""The one read path for comments: every read is a bounded number of index range scans.

A page is its top-level comments and, under each, at most `per_root` replies in display
order; the rest of a subtree is a keyset continuation over `(story_id, path)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import Session, aliased

from veche.domain import paths
from veche.domain.enums import CommentStatus
from veche.store import ranked
from veche.store.models import Comment, Story


class Sort(StrEnum):
    oldest = "oldest"
    newest = "newest"
    top = "top"  # domain.ranking: best first, with a time decay
    replies = "replies"  # most direct replies first

    @property
    def ranked(self) -> bool:
        """Ordered by a key that moves (store.ranked), not by the fixed path."""
        return self in (Sort.top, Sort.replies)


@dataclass(frozen=True)
class Cut:
    """Where the replies under `head` stop, and how many stored replies follow in its range.

    `after` is the last path read (shown or held back); the continuation starts after it."""

    head_id: int
    head_path: str
    after: str
    count: int


@dataclass(frozen=True)
class ThreadPage:
    story: Story
    comments: list[Comment]  # display order: each top-level comment then its first replies
    next_cursor: str | None
    quoted: dict[int, Comment]  # sources of quotes on this page, for "Quote: <handle>"
    cuts: dict[int, Cut] = field(default_factory=dict)  # by top-level comment id


@dataclass(frozen=True)
class RepliesPage:
    """A window of the replies under `head`, in display order. `ancestors` are the comments
    between `head` and the window's first row (the reader already has them on screen); they
    are read only so the window nests and levels exactly as in the whole thread."""

    head: Comment
    ancestors: list[Comment]  # every proper ancestor of the first row, root first
    comments: list[Comment]
    cut: Cut | None
    quoted: dict[int, Comment]


@dataclass(frozen=True)
class CommentContext:
    ancestors: list[Comment]
    comment: Comment
    subtree: list[Comment]  # the comment's first replies, in display order
    quoted: dict[int, Comment]
    cut: Cut | None = None


def _quoted(s: Session, comments: list[Comment]) -> dict[int, Comment]:
    ids = {c.quote_comment_id for c in comments if c.quote_comment_id is not None}
    if not ids:
        return {}
    return {c.id: c for c in s.scalars(select(Comment).where(Comment.id.in_(ids)))}


def quoted_of(s: Session, comments: list[Comment]) -> dict[int, Comment]:
    return _quoted(s, comments)


def _first_replies(
    s: Session, story_id: int, heads: Sequence[str], per_head: int
) -> dict[str, list[Comment]]:
    """Up to `per_head + 1` replies under each top-level head, in one statement: a UNION ALL
    of LIMITed range scans on ix_comments_story_path, so no subtree is read past its limit.
    The union is the FROM of the outer query (an `id IN (…)` lets PostgreSQL hash-join a
    scan of the whole table)."""
    if not heads:
        return {}
    table = Comment.__table__
    branches = [
        select(sub)
        for sub in (
            select(*table.c)
            .where(
                table.c.story_id == story_id,
                table.c.path > h,
                table.c.path < paths.subtree_end(h),
            )
            .order_by(table.c.path)
            .limit(per_head + 1)
            .subquery()
            for h in heads
        )
    ]
    windows = (union_all(*branches) if len(branches) > 1 else branches[0]).subquery()
    row = aliased(Comment, windows)
    out: dict[str, list[Comment]] = {h: [] for h in heads}
    for c in s.scalars(select(row).order_by(row.path)).unique():
        out[c.path[: paths.SEGMENT]].append(c)
    return out


def remaining(s: Session, story_id: int, spans: Sequence[tuple[str, str]]) -> list[int]:
    """How many comments follow `after` inside each head's range, in one statement.

    A `count(*)` over `(story_id, path)` bounds: it walks index entries only (a covering
    index on SQLite, an index-only scan on a vacuumed PostgreSQL table), never comment rows.
    It counts held comments too, so "N more" may promise a few a reader will not see."""
    if not spans:
        return []
    counts = [
        select(func.count())
        .select_from(Comment)
        .where(
            Comment.story_id == story_id,
            Comment.path > after,
            Comment.path < paths.subtree_end(head),
        )
        .scalar_subquery()
        for head, after in spans
    ]
    return [int(n) for n in s.execute(select(*counts)).one()]


def read_page(
    s: Session, story: Story, *, sort: Sort, after: str | None, limit: int, per_root: int
) -> ThreadPage:
    if sort.ranked:
        tops, next_cursor = ranked.read_tops(
            s, story.id, top=sort is Sort.top, after=after, limit=limit
        )
    else:
        tops, next_cursor = _path_tops(s, story.id, sort, after, limit)
    if not tops:
        return ThreadPage(story, [], None, {})
    replies = _first_replies(s, story.id, [t.path for t in tops], per_root)
    rows: list[Comment] = []
    cut_at: list[tuple[Comment, str]] = []
    for top in tops:
        under = replies[top.path]
        if len(under) > per_root:
            under = under[:per_root]
            cut_at.append((top, under[-1].path))
        rows += [top, *under]
    counts = remaining(s, story.id, [(t.path, a) for t, a in cut_at])
    cuts = {t.id: Cut(t.id, t.path, a, n) for (t, a), n in zip(cut_at, counts, strict=True)}
    return ThreadPage(story, rows, next_cursor, _quoted(s, rows), cuts)


def _path_tops(
    s: Session, story_id: int, sort: Sort, after: str | None, limit: int
) -> tuple[list[Comment], str | None]:
    """Oldest or newest first: a keyset page on (story_id, depth, path)."""
    tops_q = select(Comment).where(Comment.story_id == story_id, Comment.depth == 0)
    if sort is Sort.oldest:
        if after:
            tops_q = tops_q.where(Comment.path > after)
        tops_q = tops_q.order_by(Comment.path)
    else:
        if after:
            tops_q = tops_q.where(Comment.path < after)
        tops_q = tops_q.order_by(Comment.path.desc())
    tops = list(s.scalars(tops_q.limit(limit + 1)).unique())
    more = len(tops) > limit
    tops = tops[:limit]
    return tops, tops[-1].path if more and tops else None


def _ancestors(s: Session, story_id: int, path: str, above: int = 0) -> list[Comment]:
    """The proper ancestors of `path`, root first, skipping the first `above` levels."""
    prefixes = [path[:i] for i in range(paths.SEGMENT * (above + 1), len(path), paths.SEGMENT)]
    if not prefixes:
        return []
    q = select(Comment).where(Comment.story_id == story_id, Comment.path.in_(prefixes))
    return list(s.scalars(q.order_by(Comment.path)).unique())


def read_replies(
    s: Session, head: Comment, *, after: str | None, limit: int, inclusive: bool = False
) -> RepliesPage:
    """Replies under `head` in display order, from after `after` (or from it, `inclusive`),
    with the ancestors the first of them needs to nest under; at most `limit` rows."""
    start = after if after is not None else head.path
    end = paths.subtree_end(head.path)
    q = select(Comment).where(Comment.story_id == head.story_id, Comment.path < end)
    q = q.where(Comment.path >= start if inclusive else Comment.path > start)
    rows = list(s.scalars(q.order_by(Comment.path).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    ancestors = _ancestors(s, head.story_id, rows[0].path) if rows else []
    cut = None
    if more:
        [count] = remaining(s, head.story_id, [(head.path, rows[-1].path)])
        cut = Cut(head.id, head.path, rows[-1].path, count)
    return RepliesPage(head, ancestors, rows, cut, _quoted(s, [*ancestors, *rows]))


def read_permalink(s: Session, comment: Comment, *, per_root: int) -> RepliesPage:
    """The block of the thread that shows `comment`: its root with the root's first replies
    when it is among them, else its root, its ancestors and the replies from it on."""
    root = (
        comment
        if comment.depth == 0
        else by_path(s, comment.story_id, comment.path[: paths.SEGMENT])
    )
    assert root is not None, "a comment's root is never deleted"
    if comment.depth > 0:
        first = select(Comment.path).where(
            Comment.story_id == root.story_id,
            Comment.path > root.path,
            Comment.path < paths.subtree_end(root.path),
        )
        shown = s.scalars(first.order_by(Comment.path).limit(per_root)).all()
        if comment.path not in shown:
            return read_replies(s, root, after=comment.path, limit=per_root, inclusive=True)
    return read_replies(s, root, after=None, limit=per_root)


def by_path(s: Session, story_id: int, path: str) -> Comment | None:
    q = select(Comment).where(Comment.story_id == story_id, Comment.path == path)
    return s.scalars(q).unique().first()


def read_one(s: Session, comment_id: int) -> tuple[Comment, dict[int, Comment]] | None:
    """One comment and the source of its quote, without its subtree."""
    comment = get(s, comment_id)
    return None if comment is None else (comment, _quoted(s, [comment]))


def read_card(
    s: Session, comment_id: int
) -> tuple[Comment, Comment | None, dict[int, Comment]] | None:
    """One comment, its parent (whom a capped reply names) and its quote's source."""
    comment = get(s, comment_id)
    if comment is None:
        return None
    parent = get(s, comment.parent_id) if comment.parent_id is not None else None
    return comment, parent, _quoted(s, [comment])


def read_context(s: Session, comment_id: int, *, per_root: int = 20) -> CommentContext | None:
    """A comment, its ancestors and its first `per_root` replies (the rest is a cut)."""
    comment = get(s, comment_id)
    if comment is None:
        return None
    ancestors = _ancestors(s, comment.story_id, comment.path)
    window = read_replies(s, comment, after=None, limit=per_root)
    everything = [*ancestors, comment, *window.comments]
    return CommentContext(ancestors, comment, window.comments, _quoted(s, everything), window.cut)


def read_own(s: Session, story_id: int, ids: Sequence[int], author_id: int | None) -> list[Comment]:
    """The listed comments of a story, only `author_id`'s when given: what an overlay asks
    the policy about. Primary-key lookups, as many as the reader has on screen."""
    if not ids:
        return []
    q = select(Comment).where(Comment.story_id == story_id, Comment.id.in_(ids))
    if author_id is not None:
        q = q.where(Comment.author_id == author_id)
    return list(s.scalars(q.order_by(Comment.path)).unique())


def read_held(
    s: Session, story_id: int, author_id: int | None, statuses: Sequence[str], limit: int
) -> list[Comment]:
    """Held comments of a story (only `author_id`'s when given), which the shared body leaves
    out. A reader's own are found through `ix_comments_author_story`; a moderator's (every
    held one) walks the story's comments, as status has no index yet."""
    q = select(Comment).where(Comment.story_id == story_id, Comment.status.in_(statuses))
    if author_id is not None:
        q = q.where(Comment.author_id == author_id)
    return list(s.scalars(q.order_by(Comment.path).limit(limit)).unique())


@dataclass(frozen=True)
class Featured:
    """A story's staff picks, most recently featured first, with the sources they quote."""

    comments: list[Comment]
    quoted: dict[int, Comment]
    more: bool  # more are featured than the bound let through


def _featured(story_id: int) -> Select[Comment]:
    return select(Comment).where(
        Comment.story_id == story_id,
        Comment.featured_at.is_not(None),
        Comment.status == CommentStatus.visible,
    )


def read_featured(s: Session, story_id: int, *, limit: int) -> Featured:
    """Featured, published comments in one statement: a backward range scan of
    ix_comments_story_featured, each row joined to its quote's source by primary key. A
    featured comment taken down keeps its `featured_at` (a restore brings the pick back), so
    the scan steps over those: the only rows it reads and leaves out, and hand-picked few."""
    source = aliased(Comment, name="source")
    q = (
        _featured(story_id)
        .add_columns(source)
        .outerjoin(source, source.id == Comment.quote_comment_id)
        .order_by(Comment.featured_at.desc(), Comment.id.desc())
        .limit(limit + 1)
    )
    rows = s.execute(q).unique().all()
    picks = [c for c, _src in rows[:limit]]
    quoted = {src.id: src for _c, src in rows[:limit] if src is not None}
    return Featured(picks, quoted, len(rows) > limit)


def count_featured(s: Session, story_id: int, *, cap: int) -> int:
    """How many are featured, counted to `cap + 1` at most (what the tab can show, and
    whether there is more): the same range scan, LIMITed, for the tab's label."""
    picks = _featured(story_id).with_only_columns(Comment.id).limit(cap + 1).subquery()
    return int(s.scalar(select(func.count()).select_from(picks)) or 0)


def by_idempotency_key(s: Session, key: str) -> Comment | None:
    return s.scalars(select(Comment).where(Comment.idempotency_key == key)).unique().first()


def get(s: Session, comment_id: int, *, for_update: bool = False) -> Comment | None:
    q = select(Comment).where(Comment.id == comment_id)
    if for_update:
        q = q.with_for_update(of=Comment)
    return s.scalars(q).unique().first()
