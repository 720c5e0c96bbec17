"""Authors' online/offline changes on the streams of the stories they wrote in.

Nobody tells a server that a reader went away, so presence is swept: on a timer (and at once
when a reader comes back, through a "presence" notice), each node asks the store who is
online, keeps readers with an open stream marked as seen, and tells each streamed story about
its authors who came or went. Presence frames carry no id: they are state, not history, and a
stream's `hello` frame carries the story's online authors, so a reconnect misses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Collection
from typing import TYPE_CHECKING

from anyio import to_thread

from veche.domain.presence import ONLINE_WINDOW
from veche.store import presence as store

if TYPE_CHECKING:
    from veche.live.hub import Hub

log = logging.getLogger(__name__)
SKEW = dt.timedelta(seconds=5)  # clocks of nodes sharing a store may disagree this much


class Presence:
    def __init__(self, hub: Hub, every: float, window: dt.timedelta = ONLINE_WINDOW) -> None:
        self.hub = hub
        self.every = every
        self.window = window
        self.debounce = dt.timedelta(seconds=hub.rt.config.presence_debounce_seconds)
        self._wake: asyncio.Event | None = None
        self._last: dt.datetime | None = None  # when the previous sweep asked the store
        self._touched: dict[int, dt.datetime] = {}  # streaming readers this node marked seen

    def kick(self) -> None:
        """Someone came online somewhere: sweep now rather than at the next tick."""
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        self._wake = asyncio.Event()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.every)
            self._wake.clear()
            try:
                await self.sweep()
            except Exception:
                log.exception("could not sweep presence")

    async def sweep(self) -> None:
        if not self.hub.topics:
            self._touched.clear()
            return
        streaming = self.hub.stream_users()
        story_ids = list(self.hub.topics)
        online, came = await to_thread.run_sync(self._ask, streaming, story_ids)
        for topic in list(self.hub.topics.values()):
            for uid in [u for u in topic.online if u not in online]:
                topic.announce(uid, topic.online[uid], online=False)
        for story_id, uid in sorted(came):
            where = self.hub.topics.get(story_id)
            if where is not None and uid in online and uid not in where.online:
                where.announce(uid, online[uid], online=True)

    def _due(self, user_id: int, now: dt.datetime) -> bool:
        last = self._touched.get(user_id)
        return last is None or now - last >= self.debounce

    def _ask(
        self, streaming: Collection[int], story_ids: list[int]
    ) -> tuple[dict[int, str], set[tuple[int, int]]]:
        """In a worker thread: keep streaming readers seen, then who is online, and where
        those seen since the last sweep (the only ones who can have come online) wrote."""
        now = self.hub.rt.clock()
        due = [u for u in streaming if self._due(u, now)]
        if due:
            with self.hub.rt.db.session() as s:
                store.touch_many(s, due, now, now - self.debounce)
            self._touched.update(dict.fromkeys(due, now))
        for gone in [u for u in self._touched if u not in streaming]:
            del self._touched[gone]
        with self.hub.rt.db.session(write=False) as s:
            seen = store.online_users(s, now - self.window)
            recent = seen if self._last is None else {
                u: h for u, (h, at) in seen.items() if at >= self._last - SKEW
            }  # fmt: skip
            came = store.authors_in(s, list(recent), story_ids) if recent else set()
        self._last = now
        return {u: h for u, (h, _at) in seen.items()}, came
