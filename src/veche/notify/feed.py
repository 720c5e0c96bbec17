"""Follow the global `events` table in commit order, exactly once, from a saved cursor.

Notifications and webhooks are fed from here rather than from the hot write path: the
write stays one short transaction, and whatever a follower does with an event commits
together with its cursor, so a crash replays nothing twice and skips nothing.

Ids are handed out at insert but transactions commit in any order, so a follower that sees
event 12 before 11 has committed stops at the gap; a gap still open after `gap_wait` is a
rolled-back insert (a PostgreSQL sequence never gives its number back) and is passed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from veche.notify.loop import Looping, Periodic
from veche.service.runtime import Runtime
from veche.store.models import Event, Setting

# Returns what to run after the commit (a live notice), or None.
FeedHandler = Callable[[Session, Sequence[Event]], Callable[[], None] | None]

BATCH = 200
GAP_WAIT = dt.timedelta(seconds=10)
# A follower's first run takes up what happened this long before it, no older history:
# an upgrade must not mail every reply of the past week.
BACKFILL = dt.timedelta(hours=1)


class Follower(Looping):
    def __init__(
        self, rt: Runtime, name: str, handle: FeedHandler, *, gap_wait: dt.timedelta = GAP_WAIT
    ) -> None:
        self.rt = rt
        self.key = f"feed:{name}"
        self.handle = handle
        self.gap_wait = gap_wait
        self.loop = Periodic(f"veche-feed-{name}", self.run_once, every=1.0)

    def run_once(self) -> int:
        """Handles the next batch; returns how many events it handled."""
        now = self.rt.clock()
        after_commit: Callable[[], None] | None = None
        if not self._anything_new():
            return 0  # no write transaction (SQLite's one lock) on an idle node
        with self.rt.db.session() as s:
            cursor = self._cursor(s, now)
            after = int(str(cursor["after"]))
            events = list(
                s.scalars(select(Event).where(Event.id > after).order_by(Event.id).limit(BATCH))
            )
            taken = _contiguous(after, events)
            if len(taken) < len(events):  # a gap: wait for its insert to commit, a while
                since = cursor.get("gap_since")
                if since is None:
                    cursor["gap_since"] = now.isoformat()
                elif now - dt.datetime.fromisoformat(str(since)) >= self.gap_wait:
                    taken = [events[0], *_contiguous(events[0].id, events[1:])]
            if taken:
                after_commit = self.handle(s, taken)
                cursor = {"after": taken[-1].id, "gap_since": None}
                if len(taken) < len(events):
                    cursor["gap_since"] = now.isoformat()
            self._save(s, cursor)
        if after_commit is not None:
            after_commit()
        return len(taken)

    def _anything_new(self) -> bool:
        with self.rt.db.session(write=False) as s:
            saved = s.scalar(select(Setting.value).where(Setting.key == self.key))
            if saved is None:
                return True  # the first run saves a cursor
            after = int(str(json.loads(saved)["after"]))
            return s.scalar(select(Event.id).where(Event.id > after).limit(1)) is not None

    def _cursor(self, s: Session, now: dt.datetime) -> dict[str, object]:
        query = select(Setting).where(Setting.key == self.key)
        if s.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()  # one node at a time follows
        row = s.scalar(query)
        if row is not None:
            value: dict[str, object] = json.loads(row.value)
            return value
        start = s.scalar(select(func.max(Event.id)).where(Event.created_at < now - BACKFILL))
        return {"after": start or 0, "gap_since": None}

    def _save(self, s: Session, cursor: dict[str, object]) -> None:
        row = s.get(Setting, self.key)
        if row is None:
            s.add(Setting(key=self.key, value=json.dumps(cursor)))
        else:
            row.value = json.dumps(cursor)


def _contiguous(after: int, events: Sequence[Event]) -> list[Event]:
    taken = []
    expected = after + 1
    for event in events:
        if event.id != expected:
            break
        taken.append(event)
        expected += 1
    return taken
