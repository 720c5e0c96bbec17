"""The one queue for mail and webhooks: written in the transaction that causes a message,
delivered after commit with backoff. Its rows are also the delivery log.

A row is claimed by setting `claimed_until`, so several nodes may run workers: a worker
that dies lets its rows go when the claim passes, and a message is sent at least once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from veche.store.reader_models import OutboxItem

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
ERROR_MAX = 1000


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    site_id: int | None
    target: str
    payload: dict[str, Any]
    attempts: int  # before this one


class DeliveryFailed(Exception):
    """A handler could not deliver: retried later, unless `permanent`."""

    def __init__(self, message: str, *, status: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.status = status
        self.permanent = permanent


# Delivers one job; may return a status (an HTTP code) for the log. Raise DeliveryFailed.
Handler = Callable[[Job], int | None]


def enqueue(
    session: Session,
    *,
    kind: str,
    target: str,
    payload: dict[str, Any],
    now: dt.datetime,
    site_id: int | None = None,
    dedupe_key: str | None = None,
) -> bool:
    """Adds a pending row in the caller's transaction; False when `dedupe_key` was queued
    before (a retried request, a follower replaying an event), so nothing goes out twice."""
    if dedupe_key is not None:
        seen = session.scalar(select(OutboxItem.id).where(OutboxItem.dedupe_key == dedupe_key))
        if seen is not None:
            return False
    session.add(
        OutboxItem(
            kind=kind, site_id=site_id, target=target[:2048], dedupe_key=dedupe_key,
            payload=payload, status=PENDING, attempts=0, next_attempt_at=now, created_at=now,
        )
    )  # fmt: skip
    return True


def _due(now: dt.datetime) -> Any:
    return and_(
        OutboxItem.status == PENDING,
        OutboxItem.next_attempt_at <= now,
        or_(OutboxItem.claimed_until.is_(None), OutboxItem.claimed_until <= now),
    )


def any_due(session: Session, now: dt.datetime) -> bool:
    return session.scalar(select(OutboxItem.id).where(_due(now)).limit(1)) is not None


def claim(session: Session, now: dt.datetime, hold: dt.timedelta, limit: int) -> list[Job]:
    """Due rows, held for `hold` by this worker. On PostgreSQL other workers skip the rows
    being claimed; on SQLite the write lock serialises claims."""
    due = (
        select(OutboxItem)
        .where(_due(now))
        .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = list(session.scalars(due))
    jobs = []
    for row in rows:
        claimed = session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == row.id, _due(now))
            .values(claimed_until=now + hold)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            jobs.append(Job(row.id, row.kind, row.site_id, row.target, row.payload, row.attempts))
    return jobs


def _done_payload(job: Job) -> dict[str, Any]:
    """What the log keeps once a row is done: a mail's text may hold a one-time link (a
    reset, a sign-in), so only its address and subject stay."""
    if job.kind == "mail":
        return {"to": job.payload.get("to"), "subject": job.payload.get("subject")}
    return job.payload


def delivered(session: Session, job: Job, now: dt.datetime, status: int | None = None) -> None:
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == job.id)
        .values(
            status=SENT, attempts=job.attempts + 1, sent_at=now, claimed_until=None,
            last_status=status, last_error=None, payload=_done_payload(job),
        )
    )  # fmt: skip


def failed(
    session: Session,
    job: Job,
    now: dt.datetime,
    error: DeliveryFailed,
    retry_at: dt.datetime | None,
) -> None:
    """Another try at `retry_at`, or none (`failed`) when it is None."""
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == job.id)
        .values(
            status=PENDING if retry_at is not None else FAILED,
            attempts=job.attempts + 1,
            next_attempt_at=retry_at or now,
            claimed_until=None,
            last_status=error.status,
            last_error=str(error)[:ERROR_MAX],
            payload=job.payload if retry_at is not None else _done_payload(job),
        )
    )


@dataclass(frozen=True)
class Delivery:
    """One row of the log, for the CLI, the API and the admin."""

    id: int
    kind: str
    target: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime


def log(session: Session, *, kind: str, site_id: int | None, limit: int = 50) -> Sequence[Delivery]:
    """Newest first."""
    query = select(OutboxItem).where(OutboxItem.kind == kind)
    if site_id is not None:
        query = query.where(OutboxItem.site_id == site_id)
    rows = session.scalars(query.order_by(OutboxItem.id.desc()).limit(limit))
    return [
        Delivery(
            r.id, r.kind, r.target, r.status, r.attempts, r.last_status, r.last_error,
            r.created_at, r.sent_at, r.next_attempt_at,
        )
        for r in rows
    ]  # fmt: skip
