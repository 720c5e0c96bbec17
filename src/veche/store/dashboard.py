"""The moderator dashboard's numbers for one site over a window, each one grouped statement.

Hours are bucketed by the database (strftime on SQLite, date_trunc on PostgreSQL), so a
flood of a hundred thousand comments is a few hundred rows here, not a hundred thousand.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from veche.domain.enums import CommentStatus
from veche.store.models import AuditEntry, Comment, Report, Story


def _hour(s: Session, column: Any) -> ColumnElement[Any]:
    if s.get_bind().dialect.name == "postgresql":
        return func.to_char(func.date_trunc("hour", column), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", column)


@dataclass
class Numbers:
    per_hour: dict[str, int] = field(default_factory=dict)  # "YYYY-MM-DD HH" → comments
    held_per_hour: dict[str, int] = field(default_factory=dict)  # by the scorers
    total: int = 0
    auto_flagged: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # audit action → count
    decision_minutes: list[float] = field(default_factory=list)
    reported_stories: list[tuple[int, str, int]] = field(default_factory=list)


def numbers(s: Session, site_id: int, since: dt.datetime, *, sample: int = 2000) -> Numbers:
    out = Numbers()
    hour = _hour(s, Comment.created_at)
    rows = s.execute(
        select(hour, Comment.held_by, func.count())
        .join(Story, Story.id == Comment.story_id)
        .where(Story.site_id == site_id, Comment.created_at >= since)
        .group_by(hour, Comment.held_by)
    )
    for bucket, held_by, n in rows:
        key = str(bucket)
        out.per_hour[key] = out.per_hour.get(key, 0) + int(n)
        out.total += int(n)
        if held_by == "scorer":
            out.held_per_hour[key] = out.held_per_hour.get(key, 0) + int(n)
            out.auto_flagged += int(n)
    for action, n in s.execute(
        select(AuditEntry.action, func.count())
        .join(Story, Story.id == AuditEntry.story_id)
        .where(
            Story.site_id == site_id, AuditEntry.target_kind == "comment", AuditEntry.at >= since
        )
        .group_by(AuditEntry.action)
    ):
        out.outcomes[str(action)] = int(n)
    decided = s.execute(
        select(Comment.created_at, Comment.decided_at)
        .join(Story, Story.id == Comment.story_id)
        .where(
            Story.site_id == site_id,
            Comment.decided_at >= since,
            Comment.status != CommentStatus.deleted,
        )
        .order_by(Comment.decided_at.desc())
        .limit(sample)
    )
    out.decision_minutes = [
        (decided_at - created).total_seconds() / 60
        for created, decided_at in decided
        if decided_at is not None
    ]
    out.reported_stories = [
        (int(story_id), str(title), int(n))
        for story_id, title, n in s.execute(
            select(Story.id, Story.title, func.count(Report.id))
            .join(Comment, Comment.id == Report.comment_id)
            .join(Story, Story.id == Comment.story_id)
            .where(Story.site_id == site_id, Report.created_at >= since)
            .group_by(Story.id, Story.title)
            .order_by(func.count(Report.id).desc(), Story.id)
            .limit(10)
        )
    ]
    return out
