"""Times as readers see them: the exact time in their language and zone, and "2 h ago"
while it is recent. A shared page is rendered in UTC; veche.js then redraws each `<time>`
in the browser's own zone, relative while recent (Intl), so the server's words are only
what a reader without JavaScript keeps.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, format_timedelta
from markupsafe import Markup, escape

from veche import i18n

RECENT = dt.timedelta(days=1)
PATTERN = "d MMMM y HH:mm"  # the seed's style: 26 November 2022 22:12


@lru_cache(maxsize=256)
def zone(name: str | None) -> dt.tzinfo:
    """A reader's zone by its IANA name; anything unknown is UTC."""
    if not name:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def exact(value: dt.datetime, zone_name: str | None = None) -> str:
    """26 November 2022 22:12 (UTC), in the language in force and the reader's zone."""
    tz = zone(zone_name)
    text = format_datetime(_aware(value), PATTERN, tzinfo=tz, locale=i18n.current())
    return f"{text} (UTC)" if tz is dt.UTC else text


def relative(value: dt.datetime, now: dt.datetime) -> str | None:
    """ "2 h ago", "2 ч назад", "2 сағ бұрын" within a day either way; None when older."""
    delta = _aware(value) - _aware(now)
    if abs(delta) >= RECENT:
        return None
    if abs(delta) < dt.timedelta(minutes=1):
        return i18n.gettext("just now")
    return format_timedelta(
        delta, add_direction=True, format="short", threshold=1, locale=i18n.current()
    )


def time_tag(value: dt.datetime, now: dt.datetime | None, zone_name: str | None) -> Markup:
    """`<time datetime>` with the exact time in the title; its text relative when recent."""
    shown = exact(value, zone_name)
    near = relative(value, now) if now is not None else None
    iso = _aware(value).isoformat()
    # Written in UTC (no reader zone known): veche.js redraws it in the browser's zone.
    utc = Markup(' data-zone="utc"') if zone(zone_name) is dt.UTC else Markup("")
    return Markup('<time datetime="{0}" title="{1}"{2}>{3}</time>').format(
        iso, shown, utc, escape(near or shown)
    )
