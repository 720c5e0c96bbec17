"""What the moderator dashboard shows: a site's traffic, what the scorers held, how
moderators decided and how fast, and where readers report most."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from veche.domain.errors import NotFound
from veche.domain.moderation import ModerationSettings
from veche.i18n import gettext as _
from veche.service import policy
from veche.service.found import refuse
from veche.service.runtime import Runtime, Viewer
from veche.store import dashboard as store
from veche.store import queue as store_queue
from veche.store import stories as store_stories


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    title: str  # the tooltip: the exact figure and what it is


@dataclass(frozen=True)
class DashboardView:
    site: str
    hours: int
    per_hour: list[Bar]
    flagged_per_hour: list[Bar]
    total: int
    flagged_share: float  # of the window's comments, held by the scorers
    outcomes: list[Bar]
    queue: list[Bar]
    minutes_median: float | None
    minutes_p90: float | None
    reported: list[Bar]


def _hours(now: dt.datetime, hours: int) -> list[str]:
    top = now.replace(minute=0, second=0, microsecond=0)
    return [(top - dt.timedelta(hours=h)).strftime("%Y-%m-%d %H") for h in range(hours - 1, -1, -1)]


class Dashboard:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def view(self, site_name: str, who: Viewer, hours: int = 48) -> DashboardView:
        refuse(policy.moderate_refusal(who))
        hours = max(1, min(hours, 24 * 14))
        now = self.rt.clock()
        with self.rt.db.session(write=False) as s:
            site = store_stories.site_by_name(s, site_name)
            if site is None:
                raise NotFound(
                    _("There is no site named “%(site_name)s”.") % {"site_name": site_name}
                )
            threshold = ModerationSettings.from_stored(site.moderation).report_threshold
            n = store.numbers(s, site.id, now - dt.timedelta(hours=hours))
            counts = store_queue.counts(s, site.id, threshold)
        slots = _hours(now, hours)
        minutes = sorted(n.decision_minutes)
        p90 = minutes[min(len(minutes) - 1, int(len(minutes) * 0.9))] if minutes else None
        return DashboardView(
            site=site.name,
            hours=hours,
            per_hour=[
                Bar(h[-2:], n.per_hour.get(h, 0), f"{h}:00 UTC: {n.per_hour.get(h, 0)} comments")
                for h in slots
            ],
            flagged_per_hour=[
                Bar(
                    h[-2:],
                    n.held_per_hour.get(h, 0),
                    f"{h}:00 UTC: {n.held_per_hour.get(h, 0)} held by the scorers",
                )
                for h in slots
            ],
            total=n.total,
            flagged_share=n.auto_flagged / n.total if n.total else 0.0,
            outcomes=[Bar(a, c, f"{a}: {c}") for a, c in sorted(n.outcomes.items())],
            queue=[Bar(t.value, c, f"{c} {t.value}") for t, c in counts.items()],
            minutes_median=statistics.median(minutes) if minutes else None,
            minutes_p90=p90,
            reported=[
                Bar(title, c, f"{c} reports: {title}") for _id, title, c in n.reported_stories
            ],
        )
