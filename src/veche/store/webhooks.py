"""Webhook endpoints and their delivery log (the outbox rows of kind `webhook`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from veche.store.models import Story
from veche.store.reader_models import OutboxItem, WebhookEndpoint

KIND = "webhook"


def dedupe_key(endpoint_id: int, story_id: int, seq: int) -> str:
    """One delivery per endpoint and event, whoever queues it and however often."""
    return f"{KIND}:{endpoint_id}:{story_id}:{seq}"


def add(
    s: Session, *, site_id: int, url: str, secret: str, events: list[str], now: dt.datetime
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        site_id=site_id, url=url, secret=secret, events=events, active=True, created_at=now
    )
    s.add(endpoint)
    s.flush()
    return endpoint


def of_site(s: Session, site_id: int) -> list[WebhookEndpoint]:
    return list(
        s.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.site_id == site_id)
            .order_by(WebhookEndpoint.id)
        )
    )


def get(s: Session, endpoint_id: int) -> WebhookEndpoint | None:
    return s.get(WebhookEndpoint, endpoint_id)


def remove(s: Session, endpoint: WebhookEndpoint, *, now: dt.datetime) -> int:
    """Delete it; deliveries still waiting fail at once (kept in the log, never sent)."""
    result = s.execute(
        update(OutboxItem)
        .where(
            OutboxItem.kind == KIND,
            OutboxItem.status == "pending",
            OutboxItem.dedupe_key.like(f"{KIND}:{endpoint.id}:%"),
        )
        .values(status="failed", last_error="endpoint removed", claimed_until=None)
    )
    s.delete(endpoint)
    return int(getattr(result, "rowcount", 0) or 0)


def active_for_stories(s: Session, story_ids: Iterable[int]) -> dict[int, list[WebhookEndpoint]]:
    """Active endpoints by story, for a batch of events: one query for the sites of those
    stories, and nothing more when none of them has an endpoint (the common case)."""
    ids = set(story_ids)
    if not ids:
        return {}
    rows = s.execute(
        select(Story.id, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.site_id == Story.site_id)
        .where(Story.id.in_(ids), WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.id)
    )
    found: dict[int, list[WebhookEndpoint]] = {}
    for story_id, endpoint in rows:
        found.setdefault(int(story_id), []).append(endpoint)
    return found


def deliveries(
    s: Session, site_id: int, *, endpoint_id: int | None = None, limit: int = 50,
    before_id: int | None = None,
) -> list[OutboxItem]:  # fmt: skip
    """The site's webhook deliveries, newest first."""
    query = select(OutboxItem).where(OutboxItem.kind == KIND, OutboxItem.site_id == site_id)
    if endpoint_id is not None:
        query = query.where(OutboxItem.dedupe_key.like(f"{KIND}:{endpoint_id}:%"))
    if before_id is not None:
        query = query.where(OutboxItem.id < before_id)
    return list(s.scalars(query.order_by(OutboxItem.id.desc()).limit(limit)))
