"""What moderators read: the queue's tabs with each item in context, and the audit log.

Both return plain view objects, so pages and JSON render the same thing and no ORM row
leaves the service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from veche.domain.errors import InvalidInput, NotFound
from veche.domain.moderation import ModerationSettings
from veche.domain.paths import ordinals
from veche.i18n import gettext as _
from veche.service import policy
from veche.service.found import refuse
from veche.service.runtime import Runtime, Viewer
from veche.store import moderation as store_moderation
from veche.store import queue as store
from veche.store import stories as store_stories
from veche.store.queue import Tab

PAGE = 50
EXCERPT = 280


def excerpt(text: str, limit: int = EXCERPT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class HistoryView:
    joined: dt.datetime | None
    approved: int
    rejected: int
    removed: int
    bans: int
    banned: bool
    shadow_banned: bool
    premoderated: bool


@dataclass(frozen=True)
class QueueEntry:
    id: int
    story_id: int
    story_title: str
    number: tuple[int, ...]
    status: str
    author: str
    guest: bool
    created_at: dt.datetime
    body_html: str
    body_text: str
    parent_excerpt: str | None
    parent_author: str | None
    flags: tuple[str, ...]
    scores: dict[str, float]
    reports: dict[str, int]
    open_reports: int
    version: int
    history: HistoryView | None
    decided_by: str | None
    decided_at: dt.datetime | None
    mod_reason: str | None

    def as_json(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "history"}
        out["number"] = list(self.number)
        out["flags"] = list(self.flags)
        out["history"] = None if self.history is None else vars(self.history)
        return out


@dataclass(frozen=True)
class QueueView:
    site: str
    tab: Tab
    counts: dict[str, int]
    entries: list[QueueEntry]
    after: str | None
    reasons: tuple[str, ...] = field(default=())


def _entry(item: store.Item) -> QueueEntry:
    c = item.comment
    author = c.author.handle if c.author is not None else (c.guest_name or "guest")
    p = item.parent
    h = item.history
    return QueueEntry(
        id=c.id, story_id=c.story_id, story_title=item.story.title, number=ordinals(c.path),
        status=c.status.value, author=author, guest=c.author_id is None,
        created_at=c.created_at, body_html=c.body_html, body_text=c.body_text,
        parent_excerpt=excerpt(p.body_text) if p is not None else None,
        parent_author=(p.author.handle if p.author else p.guest_name or "guest") if p else None,
        flags=tuple(c.flags or ()), scores=dict(c.scores or {}),
        reports={r.value: n for r, n in item.reports.items()}, open_reports=c.open_reports,
        version=c.mod_version,
        history=None if h is None else HistoryView(**vars(h)),
        decided_by=item.decider, decided_at=c.decided_at, mod_reason=c.mod_reason,
    )  # fmt: skip


@dataclass(frozen=True)
class Changes:
    """What a live queue page learns: decisions after its cursor, and the tabs' sizes."""

    decided: list[store.Decided]
    counts: dict[str, int]
    cursor: int


class Queue:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def site(self, site_name: str, who: Viewer) -> tuple[int, str]:
        refuse(policy.moderate_refusal(who))
        with self.rt.db.session(write=False) as s:
            site = store_stories.site_by_name(s, site_name)
            if site is None:
                raise NotFound(
                    _("There is no site named “%(site_name)s”.") % {"site_name": site_name}
                )
            return site.id, site.name

    def sites(self, who: Viewer) -> list[str]:
        refuse(policy.moderate_refusal(who))
        with self.rt.db.session(write=False) as s:
            return [site.name for site in store_stories.all_sites(s)]

    def changes(self, site_id: int, after: int | None) -> Changes:
        """From `after` (an audit id); None starts now, with nothing decided yet."""
        with self.rt.db.session(write=False) as s:
            settings = ModerationSettings.from_stored(
                store_stories.site_by_id(s, site_id).moderation
            )
            counts = {
                t.value: n for t, n in store.counts(s, site_id, settings.report_threshold).items()
            }
            if after is None:
                return Changes([], counts, store.last_audit_id(s))
            decided = store.decisions_since(s, site_id, after)
            return Changes(decided, counts, decided[-1].audit_id if decided else after)

    def tab(self, site_name: str, tab: str, who: Viewer, after: str | None = None) -> QueueView:
        refuse(policy.moderate_refusal(who))
        try:
            which = Tab(tab)
        except ValueError:
            raise InvalidInput(
                _("The queue's tabs are pending, flagged, reported and decided."), field="tab"
            ) from None
        with self.rt.db.session(write=False) as s:
            site = store_stories.site_by_name(s, site_name)
            if site is None:
                raise NotFound(
                    _("There is no site named “%(site_name)s”.") % {"site_name": site_name}
                )
            settings = ModerationSettings.from_stored(site.moderation)
            page = store.read_tab(
                s, which, site.id, report_threshold=settings.report_threshold, limit=PAGE,
                after=after,
            )  # fmt: skip
            counts = store.counts(s, site.id, settings.report_threshold)
            entries = [_entry(i) for i in page.items]
        return QueueView(
            site.name, which, {t.value: n for t, n in counts.items()}, entries, page.after,
            settings.reasons,
        )  # fmt: skip


@dataclass(frozen=True)
class AuditView:
    id: int
    at: dt.datetime
    actor: str
    action: str
    target_kind: str
    target_id: int
    story_id: int | None
    reason: str | None
    before: dict[str, Any]
    after: dict[str, Any]


def audit_log(rt: Runtime, who: Viewer, *, limit: int = 100, **filters: Any) -> list[AuditView]:
    """Admins browse it; nothing anywhere edits it."""
    refuse(policy.admin_refusal(who))
    with rt.db.session(write=False) as s:
        rows = store_moderation.read_audit(s, limit=limit, **filters)
        return [
            AuditView(
                e.id,
                e.at,
                e.actor,
                e.action,
                e.target_kind,
                e.target_id,
                e.story_id,
                e.reason,
                dict(e.before),
                dict(e.after),
            )
            for e in rows
        ]
