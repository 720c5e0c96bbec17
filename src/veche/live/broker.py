"""Brokers carry notices between the write path and every node's live streams and caches.

A notice only says "story 7 is now at seq 42" (or "site settings changed"): the events
themselves are read from the store by seq, so a lost, late or repeated notice can delay a
stream but never leaves a gap in it or shows an event twice.

`LocalBroker` serves one node. `RedisBroker` also tells the other nodes through Redis pub/sub;
while Redis is away, writes go on untouched (publishing never blocks a writer) and the hub
falls back to reading the store on a timer, until the listener is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis

log = logging.getLogger(__name__)

CHANNEL = "veche:notices"


@dataclass(frozen=True)
class Notice:
    # "story" (a thread changed), "sites" (site settings or origins changed), "presence",
    # or "queue" (a site's moderation queue changed: story_id then holds the site's id)
    kind: str
    story_id: int = 0
    seq: int = 0

    def encode(self, node: str) -> str:
        return json.dumps({"k": self.kind, "s": self.story_id, "q": self.seq, "n": node})

    @classmethod
    def decode(cls, raw: str | bytes) -> tuple[Notice, str] | None:
        try:
            d = json.loads(raw)
            return cls(str(d["k"]), int(d["s"]), int(d["q"])), str(d["n"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed notice: %r", raw[:200])
            return None


Sink = Callable[[Notice], None]


class LocalBroker:
    """Notices reach this process's sinks (hubs, caches), each on its own event loop."""

    def __init__(self) -> None:
        self.node = secrets.token_hex(6)
        self._sinks: list[tuple[Sink, asyncio.AbstractEventLoop | None]] = []
        # Bumped each time the listener (re)subscribes: what was learnt in an earlier epoch
        # may have missed notices sent while it was away.
        self.epoch = 0

    @property
    def connected(self) -> bool:
        """Whether notices from other nodes arrive; one node alone hears everything."""
        return True

    def add_sink(self, sink: Sink) -> None:
        """Called on a running loop, the sink is called on that loop; otherwise in place."""
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        self._sinks.append((sink, loop))

    def remove_sink(self, sink: Sink) -> None:
        self._sinks = [(s, loop) for s, loop in self._sinks if s != sink]

    async def start(self) -> None:
        """Nothing to connect to on one node."""

    async def stop(self) -> None:
        """Nothing to close on one node."""

    def publish(self, notice: Notice) -> None:
        """Safe from any thread, after commit; never blocks and never raises."""
        self._deliver(notice)

    def _deliver(self, notice: Notice) -> None:
        for sink, loop in list(self._sinks):
            if loop is None:
                _call(sink, notice)
            elif not loop.is_closed():
                # RuntimeError: the loop closed under us, its server is shutting down.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_call, sink, notice)


def _call(sink: Sink, notice: Notice) -> None:
    try:
        sink(notice)
    except Exception:
        log.exception("a notice sink failed")


class RedisBroker(LocalBroker):
    """Also publishes to, and listens on, one Redis channel shared by every node."""

    RETRY_MAX = 5.0

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._outbox: asyncio.Queue[str] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._connected = False
        self._sync: redis.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def connected(self) -> bool:
        return self._connected

    def _client(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(
            self.url, socket_connect_timeout=1.0, socket_timeout=5.0, health_check_interval=15
        )

    async def start(self) -> None:
        if self._tasks:
            return
        self._loop = asyncio.get_running_loop()
        self._outbox = asyncio.Queue(maxsize=10_000)
        self._tasks = [
            asyncio.create_task(self._listen(), name="veche-redis-listen"),
            asyncio.create_task(self._send(), name="veche-redis-send"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        self._outbox = None
        self._loop = None

    def publish(self, notice: Notice) -> None:
        super().publish(notice)
        raw = notice.encode(self.node)
        loop, outbox = self._loop, self._outbox
        if loop is not None and outbox is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._enqueue, outbox, raw)
            return
        self._publish_now(raw)  # a CLI command: no loop, tell the serving nodes directly

    @staticmethod
    def _enqueue(outbox: asyncio.Queue[str], raw: str) -> None:
        try:
            outbox.put_nowait(raw)
        except asyncio.QueueFull:
            # Redis is away and the backlog is full: nodes catch up from the store anyway.
            log.warning("dropping a notice: the Redis outbox is full")

    def _publish_now(self, raw: str) -> None:
        try:
            if self._sync is None:
                self._sync = redis.Redis.from_url(
                    self.url, socket_connect_timeout=0.5, socket_timeout=0.5
                )
            self._sync.publish(CHANNEL, raw)
        except redis.RedisError as exc:
            log.warning("could not tell other nodes through Redis: %s", exc)

    async def _send(self) -> None:
        assert self._outbox is not None
        client = self._client()
        try:
            while True:
                raw = await self._outbox.get()
                delay = 0.1
                while True:
                    try:
                        await client.publish(CHANNEL, raw)
                        break
                    except (redis.RedisError, OSError) as exc:
                        log.warning("Redis publish failed (%s); retrying in %.1fs", exc, delay)
                        await asyncio.sleep(delay)
                        delay = min(delay * 2, self.RETRY_MAX)
        finally:
            await client.aclose()

    async def _listen(self) -> None:
        delay = 0.1
        while True:
            client = self._client()
            try:
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self.epoch += 1
                    self._connected = True
                    delay = 0.1
                    log.info("listening for notices on Redis")
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        decoded = Notice.decode(message["data"])
                        if decoded is not None and decoded[1] != self.node:
                            self._deliver(decoded[0])
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as exc:
                if self._connected:
                    log.warning("lost Redis (%s); streams fall back to the store", exc)
            finally:
                self._connected = False
                await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.RETRY_MAX)


def build_broker(redis_url: str | None) -> LocalBroker:
    return RedisBroker(redis_url) if redis_url else LocalBroker()
