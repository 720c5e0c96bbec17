"""GET /api/v1/stories/{id}/events: a story's changes as Server-Sent Events, live.

Each frame's `id` is the story's event seq. A client that reconnects with `Last-Event-ID`
(the header EventSource sends, or `?last_event_id=` for a first connection made from a page
of known version) gets exactly what it missed from the store, then the live events.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sse_starlette import ServerSentEvent
from sse_starlette.sse import AppStatus
from starlette.types import Receive, Scope, Send

from veche.domain.errors import InvalidInput
from veche.i18n import gettext as _
from veche.live.hub import Hub, Subscriber
from veche.service.runtime import Viewer
from veche.web.identity import runtime, viewer
from veche.web.schemas import MAX_ID, ErrorOut, PathId

router = APIRouter(prefix="/api/v1", tags=["live"])
SEND_TIMEOUT = 30.0  # a reader whose socket takes no bytes for this long is dropped

STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An endless `text/event-stream`: `hello` (the seq it starts at and "
        "the story's online authors), then `comment.created`, `comment.edited`, "
        "`comment.deleted`, `comment.removed`, `comment.quote_state`, `story.updated` or "
        "`reset` events, each with the story's seq as its `id`, and `presence` events "
        "(`{handle, online}`, no `id`) as authors come and go; each `data` a JSON object.",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    **{code: {"model": ErrorOut} for code in (404, 422)},
}


# What EventSourceResponse sent, kept: caches and nginx must pass the stream through.
HEADERS = {"Cache-Control": "no-store", "Connection": "keep-alive", "X-Accel-Buffering": "no"}
PING = ServerSentEvent(comment="ping").encode()


class LiveStream(Response):
    """One subscriber's event stream, lean enough for ten thousand idle readers.

    sse-starlette's EventSourceResponse held a task group of four tasks, their cancel
    scopes, events and a lock for every connection (most of 59 KB per idle reader). Here
    the request's own task sends whatever the subscriber has, joined into one write
    (heartbeats included: `keep_streams` pushes them); one more task only waits for the
    client to leave, which drops the subscriber and so ends the loop. A send that takes
    longer than `send_timeout` drops it too. sse-starlette still frames the heartbeat."""

    media_type = "text/event-stream"

    def __init__(self, sub: Subscriber, *, send_timeout: float) -> None:
        self.sub = sub
        self.send_timeout = send_timeout
        self.status_code = 200
        self.background = None
        self.init_headers(HEADERS)  # no body: no Content-Length

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sub = self.sub
        gone = asyncio.ensure_future(_client_gone(receive))
        gone.add_done_callback(lambda _task: sub.drop())
        try:
            start = {"type": "http.response.start", "status": 200, "headers": self.raw_headers}
            await send(start)
            while True:
                await sub.wait()
                if sub.dropped:
                    break
                body = b"".join(sub.take())
                if not body:
                    continue
                try:
                    async with asyncio.timeout(self.send_timeout):
                        await send({"type": "http.response.body", "body": body, "more_body": True})
                except TimeoutError:
                    sub.drop()
                    return  # the reader takes nothing: a last empty body would not get through
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            gone.cancel()
            sub.topic.hub.leave(sub)


async def _client_gone(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def keep_streams(hub: Hub, heartbeat: float, every: float = 0.5) -> None:
    """The node's one timer for its streams: a heartbeat comment to each stream that sent
    nothing for a while, and the end of every stream once the server is told to stop.

    uvicorn lets open answers finish before it stops the app, and an event stream never
    finishes by itself; sse-starlette hooks uvicorn's signal handler to say it should."""
    every = min(every, heartbeat)
    waited = 0.0
    while not AppStatus.should_exit:
        await asyncio.sleep(every)
        waited += every
        if waited >= heartbeat:
            waited = 0.0
            for sub in _subscribers(hub):
                sub.heartbeat(PING)
    for sub in _subscribers(hub):
        sub.drop()


def tune_gc(young: int = 7000) -> None:
    """For the serving process: thousands of open streams keep a large heap of long-lived
    objects, and at Python's default (a young collection every 700 allocations) the full
    collections that follow walked all of it for half a second in the middle of a fan-out
    (B3). Ten times fewer young collections leave cycles a little longer, and no such pause."""
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(young, gen1, gen2)


def _subscribers(hub: Hub) -> list[Subscriber]:
    return [sub for topic in list(hub.topics.values()) for sub in list(topic.subscribers)]


def hub(request: Request) -> Hub:
    found: Hub = request.app.state.hub
    return found


def _last_event_id(request: Request, query: int | None) -> int | None:
    raw = request.headers.get("last-event-id")
    if raw is None or raw.strip() == "":
        return query
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID):
        raise InvalidInput(_("Last-Event-ID must be an event seq."), field="Last-Event-ID")
    return int(raw)


@router.get(
    "/stories/{story_id}/events", response_class=LiveStream, status_code=200, responses=STREAM_DOC
)
async def story_events(
    story_id: PathId,
    request: Request,
    last_event_id: int | None = Query(
        None, ge=0, le=MAX_ID, description="Resume after this seq (as the Last-Event-ID header)"
    ),
    who: Viewer = Depends(viewer),
) -> LiveStream:
    """Live changes to a thread; a held comment reaches only its author and moderators."""
    start = _last_event_id(request, last_event_id)
    sub = await hub(request).subscribe(story_id, who, start)
    return LiveStream(sub, send_timeout=SEND_TIMEOUT)


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unreachable"]
    broker: Literal["connected", "disconnected"]
    subscribers: int = Field(description="Live streams this node holds open")


def _database_ok(request: Request) -> bool:
    try:
        with runtime(request).db.session(write=False) as s:
            s.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


@router.get("/health", responses={503: {"model": HealthOut}})
async def health(request: Request, response: Response) -> HealthOut:
    """For a load balancer: 503 while the database is unreachable. A broker that is away
    degrades live fan-out between nodes but stops nothing, so it is reported, not failed."""
    db_ok = await to_thread.run_sync(_database_ok, request)
    connected = runtime(request).broker.connected
    if not db_ok:
        response.status_code = 503
    return HealthOut(
        status="ok" if db_ok and connected else "degraded",
        database="ok" if db_ok else "unreachable",
        broker="connected" if connected else "disconnected",
        subscribers=hub(request).subscriber_count,
    )
