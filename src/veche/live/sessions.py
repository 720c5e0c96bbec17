"""A session revoked anywhere ends its live rights here at once.

A stream is authorised when it opens. When a member's sessions are revoked (a sign-out, an
admin's `veche user revoke-sessions`) every node hears a "sessions" notice for that member;
each stream of theirs whose token no longer works is sent `session.ended` and from then on
sees what an anonymous reader sees, so the page can bring its sign-in form back without a
reload, and a revoked moderator's open stream stops carrying held comments.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from anyio import to_thread

from veche.live import frames
from veche.live.broker import Notice
from veche.live.hub import Hub, Subscriber
from veche.service.runtime import Viewer
from veche.store import accounts as store_accounts

log = logging.getLogger(__name__)
KIND = "sessions"  # Notice.story_id holds the member's id
ENDED = frames.encode("session.ended", None, {"reason": "revoked"})


class SessionWatch:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._tasks: set[asyncio.Task[None]] = set()

    def on_notice(self, notice: Notice) -> None:
        if notice.kind != KIND:
            return
        task = asyncio.create_task(self._check(notice.story_id), name="veche-session-watch")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _check(self, user_id: int) -> None:
        subs = [
            sub
            for topic in list(self.hub.topics.values())
            for sub in list(topic.subscribers)
            if sub.who.user_id == user_id and isinstance(sub.who, Viewer)
        ]
        tokens = {sub.who.token for sub in subs if isinstance(sub.who, Viewer) and sub.who.token}
        if not tokens:
            return
        try:
            alive = await to_thread.run_sync(self._alive, tokens)
        except Exception:
            log.exception("could not check the sessions of member %s", user_id)
            return
        for sub in subs:
            if isinstance(sub.who, Viewer) and sub.who.token not in alive:
                _end(sub, sub.who)

    def _alive(self, tokens: set[str]) -> set[str]:
        now = self.hub.rt.clock()
        with self.hub.rt.db.session(write=False) as s:
            return {t for t in tokens if store_accounts.session_by_token(s, t, now) is not None}


def _end(sub: Subscriber, who: Viewer) -> None:
    sub.who = dataclasses.replace(who, user=None, token=None)
    sub.push(ENDED)
