"""Moderators' writes: decisions on comments, reports, user restrictions, the audit log.

Each runs inside one store transaction with the comment locked after its story (as every
comment write is), so two moderators deciding the same item queue up, and the second one
finds it already decided.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veche.domain.enums import CommentStatus, ReportReason
from veche.domain.errors import Conflict
from veche.i18n import gettext as _
from veche.store import comments as store_comments
from veche.store.models import AuditEntry, Comment, Event, Report, User


@dataclass(frozen=True)
class Actor:
    """Who acted, as the audit log keeps them: an id and the handle they had then."""

    user_id: int | None
    handle: str


AUTO = Actor(None, "auto")
# What a decision is called on the live stream (and in the events table).
EVENT_KINDS = {
    "approve": "comment.approved",
    "reject": "comment.rejected",
    "remove": "comment.removed",
    "restore": "comment.restored",
    "flag": "comment.flagged",
}


def audit(
    s: Session,
    actor: Actor,
    action: str,
    target_kind: str,
    target_id: int,
    *,
    now: dt.datetime,
    story_id: int | None = None,
    reason: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    s.add(
        AuditEntry(
            at=now, actor_id=actor.user_id, actor=actor.handle, action=action,
            target_kind=target_kind, target_id=target_id, story_id=story_id, reason=reason,
            before=before or {}, after=after or {},
        )
    )  # fmt: skip


def comment_state(c: Comment) -> dict[str, Any]:
    return {
        "status": c.status.value,
        "open_reports": c.open_reports,
        "featured": c.featured_at is not None,
        "mod_reason": c.mod_reason,
    }


def decide(
    s: Session,
    comment: Comment,
    status: CommentStatus,
    *,
    actor: Actor,
    action: str,
    reason: str | None,
    now: dt.datetime,
) -> list[Event]:
    """Move a locked comment to `status`, resolve its reports, and log who and why."""
    before = comment_state(comment)
    if status is not comment.status:
        comment.status_before = comment.status
    comment.decided_by = actor.user_id
    comment.decided_at = now
    comment.mod_version += 1
    comment.mod_reason = reason
    events: list[Event] = []
    if status is not comment.status:
        kind = EVENT_KINDS.get(action, f"comment.{status.value}")
        events = store_comments.set_status(s, comment, status, now, kind=kind)
    if comment.open_reports:
        s.execute(
            update(Report)
            .where(Report.comment_id == comment.id, Report.resolved_at.is_(None))
            .values(resolved_at=now)
        )
        comment.open_reports = 0
    audit(
        s, actor, action, "comment", comment.id, now=now, story_id=comment.story_id,
        reason=reason, before=before, after=comment_state(comment),
    )  # fmt: skip
    return events


def flag(
    s: Session, comment: Comment, score: float, reason: str, *, now: dt.datetime
) -> list[Event]:
    """The slow scorer took a published comment back to the queue: readers stop seeing it
    (a `comment.flagged` event), moderators find it under Auto-flagged."""
    before = comment_state(comment)
    comment.scores = {**(comment.scores or {}), "abuse_model": round(score, 4)}
    comment.flags = [*(comment.flags or []), reason]
    comment.held_by = "scorer"
    comment.status_before = comment.status
    comment.mod_version += 1
    events = store_comments.set_status(
        s, comment, CommentStatus.pending, now, kind=EVENT_KINDS["flag"]
    )
    audit(
        s, AUTO, "flag", "comment", comment.id, now=now, story_id=comment.story_id,
        reason=reason, before=before, after=comment_state(comment),
    )  # fmt: skip
    return events


def feature(
    s: Session, comment: Comment, on: bool, *, actor: Actor, now: dt.datetime
) -> list[Event]:
    before = comment_state(comment)
    comment.featured_at = now if on else None
    s.flush()
    audit(
        s, actor, "feature" if on else "unfeature", "comment", comment.id, now=now,
        story_id=comment.story_id, before=before, after=comment_state(comment),
    )  # fmt: skip
    kind = "comment.featured" if on else "comment.unfeatured"
    return [store_comments.append_event(s, comment.story_id, kind, comment.id, {}, now=now)]


def add_report(
    s: Session,
    comment_id: int,
    reporter_id: int,
    reason: ReportReason,
    note: str | None,
    now: dt.datetime,
) -> int:
    """One report per reader and comment; returns the comment's open reports now."""
    existing = s.scalar(
        select(Report.id).where(Report.comment_id == comment_id, Report.reporter_id == reporter_id)
    )
    if existing is not None:
        raise Conflict(_("You have already reported this comment."))
    try:
        with s.begin_nested():
            s.add(
                Report(
                    comment_id=comment_id, reporter_id=reporter_id, reason=reason, note=note,
                    created_at=now,
                )
            )  # fmt: skip
    except IntegrityError as exc:  # the same reader, twice at once
        raise Conflict(_("You have already reported this comment.")) from exc
    count = s.execute(
        update(Comment)
        .where(Comment.id == comment_id)
        .values(open_reports=Comment.open_reports + 1)
        .returning(Comment.open_reports)
    ).scalar_one()
    return int(count)


def user_state(u: User) -> dict[str, Any]:
    return {
        "banned": u.banned_at is not None,
        "banned_until": u.banned_until.isoformat() if u.banned_until else None,
        "ban_reason": u.ban_reason,
        "shadow_banned": u.shadow_banned,
        "premoderated": u.premoderated,
        "role": u.role.value,
    }


def restrict(
    s: Session,
    user: User,
    action: str,
    changes: dict[str, Any],
    *,
    actor: Actor,
    reason: str | None,
    now: dt.datetime,
) -> None:
    """Set a user's ban, shadow ban or pre-moderation and log it with the state before."""
    before = user_state(user)
    for name, value in changes.items():
        setattr(user, name, value)
    s.flush()
    audit(
        s, actor, action, "user", user.id, now=now, reason=reason, before=before,
        after=user_state(user),
    )  # fmt: skip


def approved_count(s: Session, author_id: int, at_least: int) -> int:
    """How many of an author's comments are published, counted up to `at_least` only: the
    pre-moderation of new authors asks "fewer than N?" on every post."""
    inner = (
        select(Comment.id)
        .where(Comment.author_id == author_id, Comment.status == CommentStatus.visible)
        .limit(at_least)
        .subquery()
    )
    return int(s.scalar(select(func.count()).select_from(inner)) or 0)


def read_audit(
    s: Session,
    *,
    limit: int,
    before_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    target_kind: str | None = None,
    target_id: int | None = None,
) -> list[AuditEntry]:
    """Newest first, in keyset pages by id; each filter is optional."""
    q = select(AuditEntry)
    if before_id is not None:
        q = q.where(AuditEntry.id < before_id)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    if action:
        q = q.where(AuditEntry.action == action)
    if target_kind:
        q = q.where(AuditEntry.target_kind == target_kind)
    if target_id is not None:
        q = q.where(AuditEntry.target_id == target_id)
    return list(s.scalars(q.order_by(AuditEntry.id.desc()).limit(limit)))
