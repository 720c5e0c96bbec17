"""One node's live streams: a topic per story, fed from the store by seq, never by polling
per subscriber.

A notice (local or from another node) says a story moved on; the topic then reads the missed
events once, encodes each once, and offers the same bytes to every subscriber that may see
them. A subscriber that reconnects with Last-Event-ID replays the store from there before it
goes live, and every frame at or below its cursor is skipped: no gap, no duplicate. While the
broker cannot hear other nodes, the hub reads every streamed story's seq on a short timer (one
query for all of them), so streams go on, only later.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from anyio import to_thread

from veche.domain.errors import NotFound
from veche.i18n import gettext as _
from veche.live import frames
from veche.live.broker import LocalBroker, Notice
from veche.live.presence import Presence
from veche.service import policy
from veche.service.runtime import Runtime
from veche.store import events as store_events
from veche.store import presence as store_presence
from veche.store.models import Story

log = logging.getLogger(__name__)


class Subscriber:
    """The frames waiting for one reader, at most `size`; a reader too slow to take them is
    dropped, not buffered. Slotted, with a plain list and one future while it waits (no
    queue object of its own): ten thousand idle readers each hold one of these."""

    __slots__ = (
        "_busy", "_pending", "_waiter", "cursor", "dropped", "replaying", "size", "topic", "who",
    )  # fmt: skip

    def __init__(self, topic: Topic, who: policy.Who, cursor: int, size: int) -> None:
        self.topic = topic
        self.who = who
        self.cursor = cursor
        self.size = size
        self.replaying: list[frames.LiveEvent] | None = []  # live events held during replay
        self.dropped = False
        self._pending: list[bytes] = []
        self._waiter: asyncio.Future[None] | None = None
        self._busy = False  # something was pushed since the last heartbeat

    def offer(self, ev: frames.LiveEvent) -> None:
        """A live event; held back while the subscriber still replays the store."""
        if self.replaying is not None:
            self.replaying.append(ev)
        else:
            self.deliver(ev)

    def deliver(self, ev: frames.LiveEvent) -> None:
        if ev.seq <= self.cursor or self.dropped:
            return
        self.cursor = ev.seq
        if ev.visible_to(self.who):
            self.push(ev.frame)
        elif ev.withdrawn is not None:
            self.push(ev.withdrawn)

    def push(self, frame: bytes) -> None:
        if self.dropped:
            return
        if len(self._pending) >= self.size:
            self.drop()
            return
        self._pending.append(frame)
        self._busy = True
        self._wake()

    def heartbeat(self, frame: bytes) -> None:
        """On the node's heartbeat timer: `frame` if nothing was pushed since the last one
        (one timer for every stream, not one per stream re-armed at every frame)."""
        if not self._busy:
            self.push(frame)
        self._busy = False

    def drop(self) -> None:
        """End the stream; the client reconnects with its Last-Event-ID and replays."""
        self.dropped = True
        self._pending = []
        self._wake()

    def take(self) -> list[bytes]:
        """Every frame waiting, oldest first; none once dropped."""
        taken, self._pending = self._pending, []
        return taken

    async def wait(self, timeout: float | None = None) -> None:
        """Until a frame waits, the stream is dropped, or `timeout` seconds have passed."""
        if self._pending or self.dropped:
            return
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _settle, waiter)
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None:
            _settle(self._waiter)

    async def frames(self) -> AsyncIterator[bytes]:
        """The frames as they come, until the stream is dropped; then it leaves its topic."""
        try:
            while not self.dropped:
                for frame in self.take():
                    yield frame
                await self.wait()
        finally:
            self.topic.hub.leave(self)


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


@dataclass
class Topic:
    hub: Hub
    story: Story
    last_seq: int
    online: dict[int, str] = field(default_factory=dict)  # the story's online authors
    subscribers: set[Subscriber] = field(default_factory=set)
    running: asyncio.Task[None] | None = None
    again: bool = False

    def announce(self, user_id: int, handle: str, *, online: bool) -> None:
        """An author of this story came or went: every reader of it is told."""
        if online:
            self.online[user_id] = handle
        else:
            self.online.pop(user_id, None)
        frame = frames.presence(handle, online)
        for sub in list(self.subscribers):
            sub.push(frame)

    def advance(self) -> None:
        """Read and fan out whatever the store has past `last_seq`; one reader at a time."""
        if self.running is not None:
            self.again = True
            return
        self.running = asyncio.create_task(self._advance())

    async def _advance(self) -> None:
        try:
            while True:
                self.again = False
                batch = await self.hub.read(self.story, self.last_seq)
                for ev in batch:
                    if ev.seq <= self.last_seq:
                        continue
                    self.last_seq = ev.seq
                    self._note_author(ev)
                    for sub in list(self.subscribers):
                        sub.offer(ev)
                if len(batch) < self.hub.batch and not self.again:
                    return
        except Exception:
            log.exception("could not read the events of story %s", self.story.id)
        finally:
            self.running = None

    def _note_author(self, ev: frames.LiveEvent) -> None:
        """A new author here who is online: their card says so; their going will be told."""
        uid = ev.author_id
        if uid is not None and ev.online_author and not ev.held and uid not in self.online:
            self.online[uid] = ev.online_author


class Hub:
    def __init__(
        self,
        rt: Runtime,
        broker: LocalBroker,
        *,
        queue_size: int = 256,
        batch: int = 200,
        max_replay: int = 1000,
        poll_connected: float = 15.0,
        poll_disconnected: float = 1.0,
        presence_every: float = 10.0,
    ) -> None:
        self.rt = rt
        self.broker = broker
        self.queue_size = queue_size
        self.batch = batch
        self.max_replay = max_replay
        self.poll_connected = poll_connected
        self.poll_disconnected = poll_disconnected
        self.topics: dict[int, Topic] = {}
        self.presence = Presence(self, presence_every)
        self._tasks: list[asyncio.Task[None]] = []

    def stream_users(self) -> set[int]:
        """Signed-in readers with a stream open here: they count as online."""
        return {
            sub.who.user_id
            for topic in self.topics.values()
            for sub in topic.subscribers
            if sub.who.user_id is not None
        }

    async def start(self, retention: dt.timedelta | None = None) -> None:
        self.broker.add_sink(self.on_notice)
        self._tasks = [
            asyncio.create_task(self._poll(), name="veche-live-poll"),
            asyncio.create_task(self.presence.run(), name="veche-presence"),
        ]
        if retention is not None:
            self._tasks.append(asyncio.create_task(self._prune(retention), name="veche-prune"))

    async def stop(self) -> None:
        self.broker.remove_sink(self.on_notice)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        for topic in self.topics.values():
            for sub in list(topic.subscribers):
                sub.drop()

    @property
    def subscriber_count(self) -> int:
        return sum(len(t.subscribers) for t in self.topics.values())

    def on_notice(self, notice: Notice) -> None:
        if notice.kind == "presence":
            self.presence.kick()
        topic = self.topics.get(notice.story_id) if notice.kind == "story" else None
        if topic is not None and notice.seq > topic.last_seq:
            topic.advance()

    async def read(self, story: Story, after: int) -> list[frames.LiveEvent]:
        return await to_thread.run_sync(self._read, story, after, self.batch)

    def _read(self, story: Story, after: int, limit: int) -> list[frames.LiveEvent]:
        with self.rt.db.session(write=False) as s:
            page = store_events.read_since(s, story.id, after, limit)
            if any(e.kind == "story.updated" for e, _c in page.rows):
                fresh = s.get(Story, story.id)
                if fresh is not None:
                    story = fresh
        now = self.rt.clock()
        base = self.rt.config.base_url
        return [frames.live_event(e, c, story, page.quoted, now, base) for e, c in page.rows]

    async def subscribe(
        self, story_id: int, who: policy.Who, last_event_id: int | None
    ) -> Subscriber:
        """Join a story's stream: replay the store after `last_event_id`, then go live."""
        fresh = story_id not in self.topics
        story, seq, first, online = await to_thread.run_sync(self._opening, story_id, fresh)
        topic = self.topics.get(story_id)
        if topic is None:
            topic = self.topics[story_id] = Topic(self, story, seq, online)
        start = seq if last_event_id is None else last_event_id
        sub = Subscriber(topic, who, start, self.queue_size)
        topic.subscribers.add(sub)
        sub.push(frames.hello(seq, sorted(topic.online.values())))
        try:
            await self._replay(sub, story, start, seq, first)
        except BaseException:
            self.leave(sub)
            raise
        if seq > topic.last_seq:
            topic.advance()  # this node had not heard of these yet
        return sub

    def _opening(self, story_id: int, fresh: bool) -> tuple[Story, int, int | None, dict[int, str]]:
        with self.rt.db.session(write=False) as s:
            story = s.get(Story, story_id)
            if story is None:
                raise NotFound(_("There is no such story."))
            online: dict[int, str] = {}
            if fresh:  # a topic starts knowing its online authors; sweeps keep that true
                since = self.rt.clock() - self.presence.window
                online = store_presence.online_authors(s, story_id, since)
            return story, story.event_seq, store_events.first_seq(s, story_id), online

    async def _replay(
        self, sub: Subscriber, story: Story, start: int, seq: int, first: int | None
    ) -> None:
        """Send what the store holds after `start`, then what arrived live meanwhile."""
        if start > seq or start < 0:
            sub.push(frames.reset(seq, "unknown"))
            sub.cursor = seq
        elif start < seq:
            pruned = first is None or first > start + 1
            if pruned or seq - start > self.max_replay:
                sub.push(frames.reset(seq, "expired" if pruned else "too_far"))
                sub.cursor = seq
            while sub.cursor < seq and not sub.dropped:
                batch = await self.read(story, sub.cursor)
                if not batch:
                    break
                for ev in batch:
                    sub.deliver(ev)
        held, sub.replaying = sub.replaying or [], None
        for ev in held:
            sub.deliver(ev)

    def leave(self, sub: Subscriber) -> None:
        topic = sub.topic
        topic.subscribers.discard(sub)
        if not topic.subscribers and self.topics.get(topic.story.id) is topic:
            del self.topics[topic.story.id]

    async def _poll(self) -> None:
        """The safety net under the broker: slow while it hears other nodes, fast when not."""
        was_connected = self.broker.connected
        while True:
            connected = self.broker.connected
            if connected and not was_connected:
                wait = 0.0  # back in touch: catch up on what was said while away
            else:
                wait = self.poll_connected if connected else self.poll_disconnected
            was_connected = connected
            await asyncio.sleep(wait)
            if not self.topics:
                continue
            try:
                seqs = await to_thread.run_sync(self._seqs, list(self.topics))
            except Exception:
                log.exception("could not read the streamed stories' seqs")
                continue
            for story_id, seq in seqs.items():
                topic = self.topics.get(story_id)
                if topic is not None and seq > topic.last_seq:
                    topic.advance()

    def _seqs(self, story_ids: list[int]) -> dict[int, int]:
        with self.rt.db.session(write=False) as s:
            return store_events.story_seqs(s, story_ids)

    PRUNE_EVERY = 3600.0

    async def _prune(self, retention: dt.timedelta) -> None:
        """Hourly; every node may do it, deleting what another deleted costs nothing."""
        while True:
            # Not at start-up: a node that boots must not queue a write before its first request.
            await asyncio.sleep(self.PRUNE_EVERY)
            try:
                gone = await to_thread.run_sync(self.prune, retention)
                if gone:
                    log.info("pruned %d events older than %s", gone, retention)
            except Exception:
                log.exception("could not prune old events")

    def prune(self, retention: dt.timedelta) -> int:
        with self.rt.db.session() as s:
            return store_events.prune(s, self.rt.clock() - retention)
