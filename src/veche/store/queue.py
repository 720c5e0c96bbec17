"""The moderation queue's reads: one site's tab in keyset pages, with each item's context
(parent, story, reports, its author's history) read in a few batched statements per page,
never one per item.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from veche.domain.enums import CommentStatus, ReportReason
from veche.store.models import AuditEntry, Comment, Report, Story, User


class Tab(StrEnum):
    pending = "pending"  # held by the site's rules (pre-moderation) or a shadow ban
    reported = "reported"  # published, with at least the site's threshold of open reports
    flagged = "flagged"  # held by the scorers
    decided = "decided"  # recently decided, newest decision first


@dataclass
class History:
    """An author's record, as a moderator weighs it."""

    joined: dt.datetime | None = None
    approved: int = 0
    rejected: int = 0
    removed: int = 0
    bans: int = 0
    banned: bool = False
    shadow_banned: bool = False
    premoderated: bool = False


@dataclass
class Item:
    comment: Comment
    story: Story
    parent: Comment | None
    reports: Counter[ReportReason] = field(default_factory=Counter)
    history: History | None = None  # None for a guest
    decider: str | None = None


@dataclass
class QueuePage:
    items: list[Item]
    after: str | None  # the cursor of the next page, if there is one


def _tab_query(tab: Tab, site_id: int, report_threshold: int) -> Select[Comment]:
    q = select(Comment).join(Story, Story.id == Comment.story_id).where(Story.site_id == site_id)
    if tab is Tab.pending:
        held = (CommentStatus.pending, CommentStatus.shadowed)
        return q.where(Comment.status.in_(held), or_(Comment.held_by.is_(None),
                                                      Comment.held_by != "scorer"))  # fmt: skip
    if tab is Tab.flagged:
        return q.where(Comment.status == CommentStatus.pending, Comment.held_by == "scorer")
    if tab is Tab.reported:
        return q.where(
            Comment.status == CommentStatus.visible, Comment.open_reports >= report_threshold
        )
    return q.where(Comment.decided_at.is_not(None))


def _cursor(tab: Tab, c: Comment) -> str:
    at = c.decided_at if tab is Tab.decided else c.created_at
    assert at is not None
    return f"{at.timestamp():.6f}_{c.id}"


def _after(tab: Tab, cursor: str | None) -> tuple[dt.datetime, int] | None:
    if not cursor:
        return None
    stamp, _, ident = cursor.partition("_")
    try:
        return dt.datetime.fromtimestamp(float(stamp), dt.UTC), int(ident)
    except ValueError:
        return None


def read_tab(
    s: Session,
    tab: Tab,
    site_id: int,
    *,
    report_threshold: int,
    limit: int,
    after: str | None = None,
) -> QueuePage:
    """Newest first: in a flood the fresh items matter, and bulk actions clear the rest."""
    q = _tab_query(tab, site_id, report_threshold)
    key = Comment.decided_at if tab is Tab.decided else Comment.created_at
    start = _after(tab, after)
    if start is not None:
        at, ident = start
        q = q.where(or_(key < at, and_(key == at, Comment.id < ident)))
    rows = list(s.scalars(q.order_by(key.desc(), Comment.id.desc()).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    items = context(s, rows)
    return QueuePage(items, _cursor(tab, rows[-1]) if more and rows else None)


def counts(s: Session, site_id: int, report_threshold: int) -> dict[Tab, int]:
    """How many wait in each tab (the decided tab counts the last 24 hours)."""
    out: dict[Tab, int] = {}
    for tab in (Tab.pending, Tab.flagged, Tab.reported):
        q = _tab_query(tab, site_id, report_threshold).with_only_columns(func.count())
        out[tab] = int(s.scalar(q) or 0)
    return out


def context(s: Session, rows: Sequence[Comment]) -> list[Item]:
    """Parents, stories, reports and authors' records for a page: a statement each."""
    if not rows:
        return []
    stories = {
        st.id: st for st in s.scalars(select(Story).where(Story.id.in_({c.story_id for c in rows})))
    }
    parent_ids = {c.parent_id for c in rows if c.parent_id is not None}
    parents = (
        {p.id: p for p in s.scalars(select(Comment).where(Comment.id.in_(parent_ids))).unique()}
        if parent_ids
        else {}
    )
    reports: dict[int, Counter[ReportReason]] = defaultdict(Counter)
    for comment_id, reason, n in s.execute(
        select(Report.comment_id, Report.reason, func.count())
        .where(Report.comment_id.in_([c.id for c in rows]), Report.resolved_at.is_(None))
        .group_by(Report.comment_id, Report.reason)
    ):
        reports[comment_id][reason] = int(n)
    authors = {c.author_id for c in rows if c.author_id is not None}
    histories = _histories(s, authors)
    deciders = {c.decided_by for c in rows if c.decided_by is not None}
    names = (
        {i: h for i, h in s.execute(select(User.id, User.handle).where(User.id.in_(deciders)))}
        if deciders
        else {}
    )
    return [
        Item(
            comment=c, story=stories[c.story_id],
            parent=parents.get(c.parent_id) if c.parent_id is not None else None,
            reports=reports.get(c.id, Counter()),
            history=histories.get(c.author_id) if c.author_id is not None else None,
            decider=names.get(c.decided_by) if c.decided_by is not None else None,
        )
        for c in rows
    ]  # fmt: skip


def _histories(s: Session, author_ids: set[int]) -> dict[int, History]:
    if not author_ids:
        return {}
    out = {
        u.id: History(
            joined=u.created_at, banned=u.banned_at is not None,
            shadow_banned=u.shadow_banned, premoderated=u.premoderated,
        )
        for u in s.scalars(select(User).where(User.id.in_(author_ids)))
    }  # fmt: skip
    for author_id, status, n in s.execute(
        select(Comment.author_id, Comment.status, func.count())
        .where(Comment.author_id.in_(author_ids))
        .group_by(Comment.author_id, Comment.status)
    ):
        h = out.get(author_id) if author_id is not None else None
        if h is None:
            continue
        if status is CommentStatus.visible:
            h.approved = int(n)
        elif status is CommentStatus.rejected:
            h.rejected = int(n)
        elif status is CommentStatus.removed:
            h.removed = int(n)
    for target, n in s.execute(
        select(AuditEntry.target_id, func.count())
        .where(
            AuditEntry.target_kind == "user",
            AuditEntry.target_id.in_(author_ids),
            AuditEntry.action.like("ban%"),
        )
        .group_by(AuditEntry.target_id)
    ):
        if target in out:
            out[target].bans = int(n)
    return out


@dataclass(frozen=True)
class Decided:
    audit_id: int
    comment_id: int
    action: str
    actor: str
    status: str | None


def decisions_since(s: Session, site_id: int, after_id: int, limit: int = 200) -> list[Decided]:
    """Decisions on the site's comments after an audit id: what a queue page already
    showing those items must mark as decided. The audit log is the feed, so a stream
    that resumes from an id misses none."""
    rows = s.execute(
        select(AuditEntry)
        .join(Story, Story.id == AuditEntry.story_id)
        .where(
            Story.site_id == site_id,
            AuditEntry.target_kind == "comment",
            AuditEntry.id > after_id,
        )
        .order_by(AuditEntry.id)
        .limit(limit)
    ).scalars()
    return [
        Decided(e.id, e.target_id, e.action, e.actor, (e.after or {}).get("status")) for e in rows
    ]


def last_audit_id(s: Session) -> int:
    return int(s.scalar(select(func.max(AuditEntry.id))) or 0)
