"""The bell: a member's unread count, pushed live to every story stream they have open.

A `user` notice (from the notifications follower after its commit, or from "mark read")
names a member; each node that holds a stream of theirs reads the count once and sends a
`notification` frame (`{unread}`, no id: state, not history) to those streams. Through Redis
every node hears the notice, so it works whichever node the member's page is on.
"""

from __future__ import annotations

import asyncio
import logging

from anyio import to_thread

from veche.live import frames
from veche.live.broker import Notice
from veche.live.hub import Hub, Subscriber
from veche.store import notifications as store

log = logging.getLogger(__name__)


def frame(unread: int) -> bytes:
    return frames.encode("notification", None, {"unread": unread})


class Bell:
    """A broker sink on the server's loop; it never blocks the loop on the store."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._tasks: set[asyncio.Task[None]] = set()

    def streams_of(self, user_id: int) -> list[Subscriber]:
        return [
            sub
            for topic in list(self.hub.topics.values())
            for sub in list(topic.subscribers)
            if sub.who.user_id == user_id
        ]

    def on_notice(self, notice: Notice) -> None:
        if notice.kind != "user" or not self.streams_of(notice.story_id):
            return
        task = asyncio.ensure_future(self._ring(notice.story_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ring(self, user_id: int) -> None:
        try:
            unread = await to_thread.run_sync(self._unread, user_id)
        except Exception:
            log.exception("could not read the unread count of member %s", user_id)
            return
        data = frame(unread)
        for sub in self.streams_of(user_id):
            sub.push(data)

    def _unread(self, user_id: int) -> int:
        with self.hub.rt.db.session(write=False) as s:
            return store.unread_count(s, user_id)
