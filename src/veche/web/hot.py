"""The read hot path: an anonymous GET of a shared body this node has already answered is
answered again from memory, before routing, the database or any other middleware.

The full path stays the one source of every answer. An anonymous request passes through it
with an empty list in its scope; `shared.respond` puts a `Mark` there (story, version, tag,
expiry) when it answers with a public shared body, and this layer keeps the answer exactly as
it left the stack (every header, the chosen encoding, already compressed) under the request
target and its Accept-Encoding. A later request for the same target is answered from that copy
while the story is still at the copy's version, which this node knows without a query
(`StoryVersions`: notices of local and other nodes' commits, and what the full path read).
A 304 is kept the same way, per encoding tag the client revalidates.

Anything else goes the full path: another method, a session cookie or bearer token (the
viewer is resolved and marked seen there), an Origin on a CORS path, a body, several
If-None-Match headers, an unknown or stale version, an expired entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cachetools import LRUCache
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veche import i18n
from veche.live.broker import LocalBroker, Notice
from veche.logs import REQUEST_ID
from veche.web.compression import ETAG_SUFFIX
from veche.web.headers import CORS_PREFIXES
from veche.web.middleware import request_id

SCOPE_KEY = "veche.hot"
STREAMS = "/events"  # event streams: never cached, and each open one would hold a wrapper
Headers = list[tuple[bytes, bytes]]
# (path, query string, Accept-Encoding, the language Accept-Language picks): all of the
# request a shared answer depends on.
Target = tuple[str, bytes, bytes, str]


@dataclass(frozen=True)
class Mark:
    """Left in the scope by the full path: this answer is the public shared body of
    `story_id` at `seq`, tagged `etag`, good until `expires` (the page cache's clock)."""

    story_id: int
    seq: int
    etag: str
    expires: float


@dataclass
class Slot:
    """One request target's answers at one version: the 200, and a 304 per asked tag."""

    story_id: int
    seq: int
    etag: bytes
    expires: float
    ok: tuple[Headers, bytes] | None = None
    not_modified: dict[bytes, Headers] = field(default_factory=dict)

    @property
    def size(self) -> int:
        body = len(self.ok[1]) if self.ok is not None else 0
        return body + 512 * (1 + len(self.not_modified))


@dataclass
class _Known:
    seq: int
    epoch: int
    checked: float
    asking: float = 0.0  # when a request last went to the store to check it again


class StoryVersions:
    """Each story's `event_seq` as this node knows it, without asking the store.

    A version read from the store is trusted for `ttl` seconds, and only while the broker
    hears every node and has not reconnected since (a notice sent while it was away is lost);
    notices move a known version on meanwhile. The `ttl` bounds what no notice reports: a
    write by another process on a single-node broker (a CLI import), a notice dropped on the
    way. So a reader here sees another node's comment when its notice arrives, and at most
    `ttl` seconds later if it never does."""

    def __init__(
        self,
        broker: LocalBroker,
        *,
        ttl: float = 1.0,
        max_stories: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.broker = broker
        self.ttl = ttl
        self.clock = clock
        self.listening = False  # the notice sink is registered (the app's lifespan runs)
        self._known: LRUCache[int, _Known] = LRUCache(maxsize=max_stories)

    def stamp(self) -> tuple[int, float] | None:
        """Taken before the full path reads the store: the epoch and time a read is from."""
        if not (self.listening and self.broker.connected):
            return None
        return self.broker.epoch, self.clock()

    def current(self, story_id: int) -> int | None:
        """The story's version, or None when only the store can say. When the version is
        due to be checked again, one caller gets None (and goes to the store) while the
        others go on with the known one, so that the check is not made by every reader."""
        known = self._known.get(story_id)
        if known is None or not (self.listening and self.broker.connected):
            return None
        if known.epoch != self.broker.epoch:
            return None
        now = self.clock()
        if now - known.checked > self.ttl and now - known.asking > self.ttl:
            known.asking = now
            return None
        return known.seq

    def learn(self, story_id: int, seq: int, stamp: tuple[int, float] | None) -> None:
        """The full path read `seq` from the store after `stamp` was taken."""
        if stamp is None or self.stamp() is None or stamp[0] != self.broker.epoch:
            return
        known = self._known.get(story_id)
        if known is not None and known.epoch == stamp[0] and known.seq > seq:
            seq = known.seq  # a notice got here first: never step back
        self._known[story_id] = _Known(seq, stamp[0], stamp[1])

    def on_notice(self, notice: Notice) -> None:
        if notice.kind != "story":
            return
        known = self._known.get(notice.story_id)
        if known is not None and notice.seq > known.seq:
            known.seq = notice.seq


class HotCache:
    """Slots by request target, an LRU bounded by the bytes it holds. Only the event loop
    touches it, so it needs no lock."""

    def __init__(self, max_bytes: int) -> None:
        self._slots: LRUCache[Target, Slot] = LRUCache(maxsize=max_bytes, getsizeof=_size)

    def __len__(self) -> int:
        return len(self._slots)

    def get(self, target: Target) -> Slot | None:
        return self._slots.get(target)

    def slot(self, target: Target, mark: Mark) -> Slot | None:
        """The slot for `mark`'s version, made afresh if the one held is older."""
        found = self._slots.get(target)
        if found is not None and found.seq > mark.seq:
            return None  # a newer answer is held already
        if found is None or found.seq != mark.seq or found.etag != mark.etag.encode():
            return Slot(mark.story_id, mark.seq, mark.etag.encode(), mark.expires)
        # The same bytes rendered again (the page cache's entry aged out): good for longer.
        found.expires = max(found.expires, mark.expires)
        return found

    def put(self, target: Target, slot: Slot) -> None:
        if slot.size <= self._slots.maxsize:
            self._slots[target] = slot  # re-set so its size is counted again

    def on_notice(self, notice: Notice) -> None:
        """Site settings shape every shared body (who may comment, the gate): forget all."""
        if notice.kind == "sites":
            self._slots.clear()


def _size(slot: Slot) -> int:
    return slot.size


def _matches(header: bytes, etag: bytes) -> bool:
    """`shared.respond`'s test, on the tags with their encoding suffix taken off."""
    tags = [t.strip() for t in ETAG_SUFFIX.sub(b'"', header).split(b",")]
    return b"*" in tags or etag in tags or b"W/" + etag in tags


class HotReads:
    """Outermost: answers what `HotCache` holds, and fills it from what the full path sends."""

    def __init__(
        self,
        app: ASGIApp,
        cache: HotCache,
        versions: StoryVersions,
        clock: Callable[[], float],
    ) -> None:
        self.app = app
        self.cache = cache
        self.versions = versions
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or path.endswith(STREAMS):
            await self.app(scope, receive, send)  # an event stream holds nothing here
            return
        cors = path.startswith(CORS_PREFIXES)
        encodings: list[bytes] = []
        inm: bytes | None = None
        rid = b""
        language = ""
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                encodings.append(value)
            elif name == b"accept-language":
                language = i18n.accepted(value.decode("latin-1")) or ""
            elif name == b"if-none-match":
                if inm is not None:
                    await self.app(scope, receive, send)
                    return
                inm = value
            elif name == b"x-request-id":
                rid = value
            elif (
                name in (b"authorization", b"content-length", b"transfer-encoding")
                or (name == b"cookie" and b"veche_session=" in value)
                or (name == b"origin" and cors)
            ):
                await self.app(scope, receive, send)  # the viewer or the body matters
                return
        target = (path, scope["query_string"], b",".join(encodings), language)
        slot = self.cache.get(target)
        if (
            slot is not None
            and self.clock() <= slot.expires
            and slot.seq == self.versions.current(slot.story_id)
        ):
            if inm is not None and _matches(inm, slot.etag):
                found = ETAG_SUFFIX.search(inm)
                headers = slot.not_modified.get(found.group(0)[:-1] if found else b"")
                if headers is not None:
                    await self._answer(send, 304, headers, b"", rid)
                    return
            elif slot.ok is not None:
                await self._answer(send, 200, slot.ok[0], slot.ok[1], rid)
                return
        await self._full(scope, receive, send, target, inm)

    async def _answer(
        self, send: Send, status: int, headers: Headers, body: bytes, rid: bytes
    ) -> None:
        text = request_id(rid.decode("latin-1"))
        token = REQUEST_ID.set(text)
        try:
            await send({
                "type": "http.response.start", "status": status,
                "headers": [*headers, (b"x-request-id", text.encode())],
            })  # fmt: skip
            await send({"type": "http.response.body", "body": body})
        finally:
            REQUEST_ID.reset(token)

    async def _full(
        self, scope: Scope, receive: Receive, send: Send, target: Target, inm: bytes | None
    ) -> None:
        marks: list[Mark] = []
        stamp = self.versions.stamp()
        start: Message | None = None

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if marks and message["status"] in (200, 304):
                    start = message
            elif start is not None and message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    self._keep(target, marks[-1], start, message.get("body", b""), inm, stamp)
                start = None
            await send(message)

        scope[SCOPE_KEY] = marks
        await self.app(scope, receive, keep)

    def _keep(
        self,
        target: Target,
        mark: Mark,
        start: Message,
        body: bytes,
        inm: bytes | None,
        stamp: tuple[int, float] | None,
    ) -> None:
        headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]
        if any(k.lower() == b"set-cookie" for k, _v in headers):
            return  # never for a shared body; never replayed to someone else if it were
        headers = [(k, v) for k, v in headers if k.lower() != b"x-request-id"]
        self.versions.learn(mark.story_id, mark.seq, stamp)
        slot = self.cache.slot(target, mark)
        if slot is None:
            return
        if start["status"] == 200:
            slot.ok = (headers, body)
        elif inm is not None:
            found = ETAG_SUFFIX.search(inm)
            slot.not_modified[found.group(0)[:-1] if found else b""] = headers
        self.cache.put(target, slot)
