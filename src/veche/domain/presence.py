"""Online/offline is derived from last_seen_at; writes are debounced to spare the database."""

from __future__ import annotations

import datetime as dt

ONLINE_WINDOW = dt.timedelta(minutes=5)


def is_online(
    last_seen: dt.datetime | None, now: dt.datetime, window: dt.timedelta = ONLINE_WINDOW
) -> bool:
    return last_seen is not None and now - last_seen <= window


def needs_touch(last_seen: dt.datetime | None, now: dt.datetime, debounce: dt.timedelta) -> bool:
    return last_seen is None or now - last_seen >= debounce
