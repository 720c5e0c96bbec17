"""Admins manage a site's webhook endpoints and read their delivery log.

Both the JSON API (an admin's session) and the CLI (the operator at the server, who holds
the database anyway: `CONSOLE`) come through here, and policy.admin_refusal decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from veche.domain.enums import Role
from veche.domain.errors import InvalidInput, NotFound
from veche.i18n import gettext as _
from veche.service import policy
from veche.service.found import refuse
from veche.service.runtime import Runtime
from veche.store import stories as store_stories
from veche.store import webhooks as store
from veche.store.models import Site
from veche.store.reader_models import OutboxItem, WebhookEndpoint
from veche.webhooks import guard, signing
from veche.webhooks.payloads import TYPES

MAX_ENDPOINTS = 10  # per site: each event costs one delivery per endpoint


@dataclass(frozen=True)
class Operator:
    """Whoever runs `veche webhook …` on the server: an admin by position."""

    user_id: int | None = 0
    role: Role | None = Role.admin


CONSOLE = Operator()


@dataclass(frozen=True)
class EndpointView:
    id: int
    site: str
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime
    secret: str | None = None  # only in the answer that created it

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "site": self.site, "url": self.url, "events": self.events,
            "active": self.active, "created_at": self.created_at.isoformat(),
        }  # fmt: skip
        if self.secret is not None:
            out["secret"] = self.secret
        return out


@dataclass(frozen=True)
class DeliveryView:
    id: int
    endpoint_id: int | None
    event: str | None
    event_id: str | None
    url: str
    status: str  # pending | sent | failed
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None

    def as_json(self) -> dict[str, Any]:
        out = dict(vars(self))
        for key in ("created_at", "next_attempt_at", "sent_at"):
            value = out[key]
            out[key] = value.isoformat() if value is not None else None
        return out


def _endpoint(e: WebhookEndpoint, site: str, secret: str | None = None) -> EndpointView:
    return EndpointView(e.id, site, e.url, list(e.events), e.active, e.created_at, secret)


def _delivery(row: OutboxItem) -> DeliveryView:
    payload = row.payload or {}
    body = payload.get("body") or {}
    endpoint_id = payload.get("endpoint_id")
    return DeliveryView(
        id=row.id,
        endpoint_id=int(endpoint_id) if isinstance(endpoint_id, int) else None,
        event=payload.get("event"),
        event_id=body.get("id") if isinstance(body, dict) else None,
        url=row.target,
        status=row.status,
        attempts=row.attempts,
        last_status=row.last_status,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        sent_at=row.sent_at,
    )


def check_events(events: list[str] | tuple[str, ...] | None) -> list[str]:
    """The types asked for, in their canonical order; none given means all of them."""
    if not events:
        return list(TYPES)
    unknown = sorted(set(events) - set(TYPES))
    if unknown:
        raise InvalidInput(
            _("Unknown webhook event %(join)s; one of: %(join2)s.")
            % {"join": ", ".join(unknown), "join2": ", ".join(TYPES)},
            field="events",
        )
    return [t for t in TYPES if t in events]


class Webhooks:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _site(self, s: Session, name: str) -> Site:
        site = store_stories.site_by_name(s, name)
        if site is None:
            raise NotFound(_("There is no site named “%(name)s”.") % {"name": name})
        return site

    def add(
        self, site_name: str, url: str, who: policy.Who, *, events: list[str] | None = None
    ) -> EndpointView:
        """Checks the URL (form, and where its host resolves now) before anything is stored;
        the answer carries the secret, which is never shown again."""
        refuse(policy.admin_refusal(who))
        wanted = check_events(events)
        url = guard.check_url(url.strip(), allow_private=self.rt.config.webhooks_allow_private)
        with self.rt.db.session() as s:
            site = self._site(s, site_name)
            if len(store.of_site(s, site.id)) >= MAX_ENDPOINTS:
                raise InvalidInput(
                    _("A site has at most %(MAX_ENDPOINTS)s webhooks; remove one first.")
                    % {"MAX_ENDPOINTS": MAX_ENDPOINTS},
                    field="url",
                )
            secret = signing.new_secret()
            e = store.add(
                s, site_id=site.id, url=url, secret=secret, events=wanted, now=self.rt.clock()
            )
            return _endpoint(e, site.name, secret)

    def endpoints(self, site_name: str, who: policy.Who) -> list[EndpointView]:
        refuse(policy.admin_refusal(who))
        with self.rt.db.session(write=False) as s:
            site = self._site(s, site_name)
            return [_endpoint(e, site.name) for e in store.of_site(s, site.id)]

    def _find(self, s: Session, endpoint_id: int, site_name: str | None) -> WebhookEndpoint:
        """Given a site, an endpoint of another site is not found (the API's URL names one)."""
        e = store.get(s, endpoint_id)
        if e is not None and site_name is not None:
            e = e if e.site_id == self._site(s, site_name).id else None
        if e is None:
            raise NotFound(_("There is no webhook %(endpoint_id)s.") % {"endpoint_id": endpoint_id})
        return e

    def remove(self, endpoint_id: int, who: policy.Who, *, site_name: str | None = None) -> int:
        """Deletes the endpoint; its waiting deliveries are marked failed. Returns how many."""
        refuse(policy.admin_refusal(who))
        with self.rt.db.session() as s:
            return store.remove(s, self._find(s, endpoint_id, site_name), now=self.rt.clock())

    def set_active(
        self, endpoint_id: int, active: bool, who: policy.Who, *, site_name: str | None = None
    ) -> EndpointView:
        """A paused endpoint gets nothing queued, and what was waiting fails ("endpoint
        disabled") when its turn comes; resuming sends only later events."""
        refuse(policy.admin_refusal(who))
        with self.rt.db.session() as s:
            e = self._find(s, endpoint_id, site_name)
            e.active = active
            site = store_stories.site_by_id(s, e.site_id)
            return _endpoint(e, site.name)

    def deliveries(
        self, site_name: str, who: policy.Who, *, endpoint_id: int | None = None,
        limit: int = 50, before_id: int | None = None,
    ) -> list[DeliveryView]:  # fmt: skip
        """The delivery log, newest first: status, attempts, the last HTTP status and error."""
        refuse(policy.admin_refusal(who))
        with self.rt.db.session(write=False) as s:
            site = self._site(s, site_name)
            rows = store.deliveries(
                s, site.id, endpoint_id=endpoint_id, limit=limit, before_id=before_id
            )
            return [_delivery(r) for r in rows]
