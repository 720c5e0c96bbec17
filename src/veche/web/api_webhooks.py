"""/api/v1/sites/{name}/webhooks: admins add, list and remove a site's webhooks and read
their delivery log. Everything goes through service.webhooks, which asks service.policy."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from veche.service.runtime import Viewer
from veche.service.webhooks import Webhooks
from veche.web.api import ERRORS, writer
from veche.web.identity import runtime, viewer
from veche.web.schemas import PathId, QueryId, Strict

router = APIRouter(prefix="/api/v1", tags=["webhooks"], responses=ERRORS)

SiteName = Annotated[str, Path(min_length=1, max_length=64, description="The site's name")]
EventType = Literal["comment.created", "comment.edited", "comment.removed", "comment.approved"]


class WebhookIn(Strict):
    url: str = Field(
        min_length=1, max_length=2048,
        description="http(s) URL of a public address (checked now, and again at each send)",
    )  # fmt: skip
    events: list[EventType] | None = Field(
        default=None, max_length=4, description="The event types to send; all when omitted"
    )


class WebhookOut(BaseModel):
    id: int
    site: str
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime
    secret: str | None = Field(
        default=None,
        description="Signs every delivery (`Veche-Signature`); only in the answer that "
        "created the webhook, never shown again",
    )


class WebhooksOut(BaseModel):
    webhooks: list[WebhookOut]


class RemovedOut(BaseModel):
    id: int
    removed: bool
    dropped_deliveries: int = Field(description="Deliveries still waiting, now marked failed")


class DeliveryOut(BaseModel):
    id: int = Field(description="Sent as `Veche-Delivery`; the same on every retry")
    endpoint_id: int | None
    event: str | None
    event_id: str | None = Field(description="The body's `id`")
    url: str
    status: Literal["pending", "sent", "failed"]
    attempts: int
    last_status: int | None = Field(description="The receiver's last HTTP status")
    last_error: str | None
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None = Field(description="When pending: the next try")
    sent_at: dt.datetime | None


class DeliveriesOut(BaseModel):
    deliveries: list[DeliveryOut]


@router.get("/sites/{name}/webhooks")
def list_webhooks(name: SiteName, request: Request, who: Viewer = Depends(viewer)) -> WebhooksOut:
    """Admins only. Secrets are not shown."""
    found = Webhooks(runtime(request)).endpoints(name, who)
    return WebhooksOut(webhooks=[WebhookOut.model_validate(e.as_json()) for e in found])


@router.post("/sites/{name}/webhooks", status_code=201)
def add_webhook(
    name: SiteName, body: WebhookIn, request: Request, who: Viewer = Depends(writer)
) -> WebhookOut:
    """Admins only. A URL whose host is (or resolves to) a loopback, private, link-local,
    multicast or reserved address is a 422, unless the instance allows private targets.
    The answer carries the signing `secret`: keep it, it is not shown again."""
    added = Webhooks(runtime(request)).add(name, body.url, who, events=list(body.events or []))
    return WebhookOut.model_validate(added.as_json())


@router.delete("/sites/{name}/webhooks/{webhook_id}")
def remove_webhook(
    name: SiteName, webhook_id: PathId, request: Request, who: Viewer = Depends(writer)
) -> RemovedOut:
    """Admins only. Deliveries still waiting are marked failed and stay in the log."""
    dropped = Webhooks(runtime(request)).remove(webhook_id, who, site_name=name)
    return RemovedOut(id=webhook_id, removed=True, dropped_deliveries=dropped)


class WebhookPatch(Strict):
    active: bool = Field(description="false pauses the webhook; true resumes it")


@router.patch("/sites/{name}/webhooks/{webhook_id}")
def update_webhook(
    name: SiteName, webhook_id: PathId, body: WebhookPatch, request: Request,
    who: Viewer = Depends(writer),
) -> WebhookOut:  # fmt: skip
    """Admins only. A paused webhook gets no new deliveries; waiting ones fail."""
    changed = Webhooks(runtime(request)).set_active(webhook_id, body.active, who, site_name=name)
    return WebhookOut.model_validate(changed.as_json())


@router.get("/sites/{name}/webhook-deliveries")
def deliveries(
    name: SiteName,
    request: Request,
    endpoint: QueryId = None,
    before: QueryId = None,
    limit: int = Query(default=50, ge=1, le=200),
    who: Viewer = Depends(viewer),
) -> DeliveriesOut:
    """Admins only: the delivery log, newest first (`before` = the last id seen pages on)."""
    rows = Webhooks(runtime(request)).deliveries(
        name, who, endpoint_id=endpoint, limit=limit, before_id=before
    )
    return DeliveriesOut(deliveries=[DeliveryOut.model_validate(r.as_json()) for r in rows])
