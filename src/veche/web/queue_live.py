"""GET /api/v1/moderation/stream: a site's queue, live, for moderators' queue pages.

Frames: `counts` (each tab's size, whenever it may have changed) and `decided` (a decision
on one of the site's comments, from the audit log, with its audit id as the frame's `id`).
A page that reconnects with Last-Event-ID misses no decision, so two moderators never
act on an item one of them has decided without being told. Each stream ends after a while
and EventSource reconnects from its last id, which keeps a node's shutdown prompt.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sse_starlette.sse import AppStatus

from veche.live.broker import Notice
from veche.service.queue import Changes, Queue
from veche.service.runtime import Viewer
from veche.web.identity import runtime, viewer
from veche.web.live import HEADERS, _last_event_id
from veche.web.schemas import MAX_ID

router = APIRouter(prefix="/api/v1", tags=["moderation"])
LIFETIME = 25.0  # seconds before the server ends a stream and the page reconnects
POLL = 5.0  # a notice lost while Redis was away is caught up with this late at most


def frame(kind: str, data: dict[str, Any], ident: int | None = None) -> bytes:
    head = f"id: {ident}\n" if ident is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, default=str)}\n\n".encode()


@router.get("/moderation/stream", response_class=StreamingResponse)
async def queue_stream(
    request: Request,
    site: str = Query(min_length=1, max_length=64),
    after: int | None = Query(None, ge=0, le=MAX_ID, description="Resume after this audit id"),
    who: Viewer = Depends(viewer),
) -> StreamingResponse:
    """Moderators only: the queue's sizes and every decision on the site, as they happen."""
    queue = Queue(runtime(request))
    site_id, _name = await to_thread.run_sync(queue.site, site, who)
    start = _last_event_id(request, after)
    wake = asyncio.Event()

    def on_notice(notice: Notice) -> None:
        if notice.kind == "queue" and notice.story_id == site_id:
            wake.set()

    broker = runtime(request).broker
    broker.add_sink(on_notice)

    async def frames() -> AsyncIterator[bytes]:
        try:
            changes: Changes = await to_thread.run_sync(queue.changes, site_id, start)
            yield b"retry: 1000\n\n" + frame("counts", {"counts": changes.counts})
            cursor, counts = changes.cursor, changes.counts
            for d in changes.decided:
                yield frame("decided", vars(d), d.audit_id)
            if start is None:
                yield frame("cursor", {"after": cursor}, cursor)
            ends = time.monotonic() + LIFETIME
            polled = time.monotonic()
            while not AppStatus.should_exit and time.monotonic() < ends:
                try:
                    await asyncio.wait_for(wake.wait(), 0.5)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    if time.monotonic() - polled < POLL:
                        continue
                wake.clear()
                polled = time.monotonic()
                changes = await to_thread.run_sync(queue.changes, site_id, cursor)
                for d in changes.decided:
                    yield frame("decided", vars(d), d.audit_id)
                cursor = changes.cursor
                if changes.counts != counts:
                    counts = changes.counts
                    yield frame("counts", {"counts": counts})
        finally:
            broker.remove_sink(on_notice)

    return StreamingResponse(frames(), media_type="text/event-stream", headers=HEADERS)
