"""GET /api/v1/stories/{id}/events: a story's changes as Server-Sent Events, live.

Each frame's `id` is the story's event seq. A client that reconnects with `Last-Event-ID`
(the header EventSource sends, or `?last_event_id=` for a first connection made from a page
of known version) gets exactly what it missed from the store, then the live events.
"""

from __future__ import annotations

from typing import Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sse_starlette.sse import EventSourceResponse

from veche.domain.errors import InvalidInput
from veche.live.hub import Hub
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


def hub(request: Request) -> Hub:
    found: Hub = request.app.state.hub
    return found


def _last_event_id(request: Request, query: int | None) -> int | None:
    raw = request.headers.get("last-event-id")
    if raw is None or raw.strip() == "":
        return query
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID):
        raise InvalidInput("Last-Event-ID must be an event seq.", field="Last-Event-ID")
    return int(raw)


@router.get("/stories/{story_id}/events", response_class=EventSourceResponse, responses=STREAM_DOC)
async def story_events(
    story_id: PathId,
    request: Request,
    last_event_id: int | None = Query(
        None, ge=0, le=MAX_ID, description="Resume after this seq (as the Last-Event-ID header)"
    ),
    who: Viewer = Depends(viewer),
) -> EventSourceResponse:
    """Live changes to a thread; a held comment reaches only its author and moderators."""
    start = _last_event_id(request, last_event_id)
    sub = await hub(request).subscribe(story_id, who, start)
    cfg = runtime(request).config
    return EventSourceResponse(
        sub.frames(),
        ping=cfg.sse_heartbeat_seconds,
        send_timeout=SEND_TIMEOUT,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


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
