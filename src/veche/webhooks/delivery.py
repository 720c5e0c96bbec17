"""From the events table to publishers' servers, through the outbox.

`follower` reads the events feed (notify.feed: each event once, in commit order) and queues
one outbox row per subscribed endpoint and event, in the transaction that moves its cursor;
the row holds the finished JSON body, so every retry sends the same bytes. `handler` is the
outbox worker's "webhook" kind: it signs the body with the endpoint's current secret (never
copied into the outbox, which is the readable log) and makes one attempt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from veche.notify.feed import Follower
from veche.notify.outbox import DeliveryFailed, Handler, Job, enqueue
from veche.service.runtime import Runtime
from veche.store import webhooks as store
from veche.store.models import Comment, Event, Story
from veche.webhooks import payloads, sender

KIND = store.KIND


def queue_events(s: Session, events: Sequence[Event], *, base_url: str, now: dt.datetime) -> int:
    """Outbox rows for these events; how many were queued (a replay queues none again)."""
    relevant = [e for e in events if e.kind in payloads.FROM_KIND and e.comment_id is not None]
    endpoints = store.active_for_stories(s, {e.story_id for e in relevant})
    relevant = [e for e in relevant if e.story_id in endpoints]
    if not relevant:
        return 0
    comment_ids = {e.comment_id for e in relevant}
    comments = {c.id: c for c in s.scalars(select(Comment).where(Comment.id.in_(comment_ids)))}
    stories = {t.id: t for t in s.scalars(select(Story).where(Story.id.in_(list(endpoints))))}
    queued = 0
    for event in relevant:
        comment = comments.get(event.comment_id or 0)
        if comment is None:
            continue
        kind = payloads.FROM_KIND[event.kind]
        body: dict[str, Any] | None = None
        for endpoint in endpoints[event.story_id]:
            if kind not in endpoint.events:
                continue
            if body is None:
                body = payloads.body(kind, event, comment, stories[event.story_id],
                                     base_url=base_url)  # fmt: skip
            queued += enqueue(
                s, kind=KIND, target=endpoint.url, now=now, site_id=endpoint.site_id,
                payload={"endpoint_id": endpoint.id, "event": kind, "body": body},
                dedupe_key=store.dedupe_key(endpoint.id, event.story_id, event.seq),
            )  # fmt: skip
    return queued


def follower(rt: Runtime) -> Follower:
    def handle(s: Session, events: Sequence[Event]) -> Callable[[], None] | None:
        queue_events(s, events, base_url=rt.config.base_url, now=rt.clock())
        return None

    return Follower(rt, "webhooks", handle)


def handler(rt: Runtime) -> Handler:
    def deliver(job: Job) -> int | None:
        endpoint_id = job.payload.get("endpoint_id")
        with rt.db.session(write=False) as s:
            endpoint = store.get(s, endpoint_id) if isinstance(endpoint_id, int) else None
            secret = endpoint.secret if endpoint is not None else None
            active = endpoint is not None and endpoint.active
        if secret is None:
            raise DeliveryFailed("endpoint removed", permanent=True)
        if not active:
            raise DeliveryFailed("endpoint disabled", permanent=True)
        body = sender.encode(job.payload["body"])
        head = sender.headers(
            secret=secret, body=body, event=str(job.payload["event"]), delivery=job.id,
            now=int(rt.clock().timestamp()),
        )  # fmt: skip
        attempt = sender.post(
            job.target, body, head, allow_private=rt.config.webhooks_allow_private,
            timeout=rt.config.webhooks_timeout_seconds,
        )  # fmt: skip
        if not attempt.delivered:
            raise DeliveryFailed(
                attempt.error or "failed", status=attempt.status, permanent=attempt.permanent
            )
        return attempt.status

    return deliver
