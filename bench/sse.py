"""B3 and B4: live delivery over Server-Sent Events (GET /api/v1/stories/{id}/events).

Subscribers are bare asyncio Protocols that only timestamp the bytes they receive; the
parsing (chunked framing, SSE fields) happens after the run, so 10,000 of them in one client
process add as little delay as possible to what is measured."""

from __future__ import annotations

import asyncio
import bisect
import json
import resource
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import spy
from bench.client import Conn, percentile
from bench.procs import HOST, Server, rss_kb, start_veche

EVENTS_PATH = "/api/v1/stories/{story_id}/events"
KIND = "comment.created"


def raise_nofile() -> int:
    """Soft open-files limit up to the hard one (servers we start inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def available(port: int) -> bool:
    """The build has the endpoint when its OpenAPI document lists it."""
    conn = Conn(HOST, port, timeout=30)
    try:
        r = await conn.request("GET", "/api/v1/openapi.json")
    finally:
        await conn.close()
    if r.status != 200:
        return False
    paths = r.json().get("paths", {})
    return any(p.startswith("/api/v1/stories/") and p.endswith("/events") for p in paths)


class Subscriber(asyncio.Protocol):
    """Sends one GET, then only records (arrival time, bytes)."""

    def __init__(self, request: bytes, ready: asyncio.Future[None] | None) -> None:
        self.request = request
        self.pieces: list[tuple[float, bytes]] = []
        self.ready = ready
        self.head = b""
        self.status = 0
        self.closed = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.pieces.append((time.perf_counter(), data))
        if self.status == 0:
            self.head += data
            if b"\r\n\r\n" in self.head:
                self.status = int(self.head.split(b" ", 2)[1])
                if self.ready is not None and not self.ready.done():
                    self.ready.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.ready is not None and not self.ready.done():
            self.ready.set_result(None)

    def events(self) -> list[tuple[float, str | None, str]]:
        """(arrival time, id, data) of each `comment.created` event, parsed after the run."""
        raw = b"".join(p for _, p in self.pieces)
        starts: list[int] = []
        pos = 0
        for _, p in self.pieces:
            starts.append(pos)
            pos += len(p)
        head_end = raw.find(b"\r\n\r\n")
        if head_end < 0:
            return []
        head = raw[:head_end].lower()
        body_at = head_end + 4
        # De-chunk, remembering for every decoded byte the raw offset it came from.
        stream = bytearray()
        offsets: list[tuple[int, int]] = []  # (decoded offset, raw offset)
        if b"transfer-encoding: chunked" in head:
            i = body_at
            while True:
                eol = raw.find(b"\r\n", i)
                if eol < 0:
                    break
                try:
                    size = int(raw[i:eol].split(b";")[0], 16)
                except ValueError:
                    break
                if size == 0 or eol + 2 + size > len(raw):
                    break
                offsets.append((len(stream), eol + 2))
                stream += raw[eol + 2 : eol + 2 + size]
                i = eol + 2 + size + 2
        else:
            offsets.append((0, body_at))
            stream += raw[body_at:]
        text = bytes(stream)
        out: list[tuple[float, str | None, str]] = []
        start = 0
        dec_points = [d for d, _ in offsets]
        for block_end in _blocks(text):
            block = text[start:block_end].decode("utf-8", "replace")
            start = block_end
            kind, ident, data = None, None, []
            for line in block.replace("\r\n", "\n").split("\n"):
                if not line or line.startswith(":"):
                    continue
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "event":
                    kind = value
                elif name == "id":
                    ident = value
                elif name == "data":
                    data.append(value)
            if kind != KIND:
                continue
            # The event is complete when its last byte arrives.
            k = bisect.bisect_right(dec_points, block_end - 1) - 1
            raw_at = offsets[k][1] + (block_end - 1 - offsets[k][0])
            piece = bisect.bisect_right(starts, raw_at) - 1
            out.append((self.pieces[piece][0], ident, "\n".join(data)))
        return out


def _blocks(text: bytes) -> list[int]:
    """End offsets (exclusive) of the SSE events: each ends with a blank line."""
    ends: list[int] = []
    i = 0
    while True:
        j = text.find(b"\n\n", i)
        k = text.find(b"\r\n\r\n", i)
        if j < 0 and k < 0:
            return ends
        if k >= 0 and (j < 0 or k < j):
            ends.append(k + 4)
            i = k + 4
        else:
            ends.append(j + 2)
            i = j + 2


def _comment_id(data: str) -> int | None:
    try:
        obj: Any = json.loads(data)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    for candidate in (obj.get("comment_id"), obj.get("id"), (obj.get("comment") or {}).get("id")):
        if isinstance(candidate, int):
            return candidate
    return None


async def subscribe(port: int, story_id: int, n: int, connect_timeout: float) -> list[Subscriber]:
    loop = asyncio.get_running_loop()
    path = EVENTS_PATH.format(story_id=story_id)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: text/event-stream\r\n"
        "Cache-Control: no-cache\r\n\r\n"
    ).encode()
    subs: list[Subscriber] = []
    gate = asyncio.Semaphore(200)  # no more than 200 handshakes in flight

    async def one() -> None:
        async with gate:
            ready: asyncio.Future[None] = loop.create_future()
            sub = Subscriber(request, ready)
            subs.append(sub)
            try:
                await loop.create_connection(lambda: sub, HOST, port)
                await asyncio.wait_for(ready, connect_timeout)
            except (OSError, TimeoutError):
                sub.closed = True

    await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), connect_timeout * 3)
    return subs


@dataclass
class Delivery:
    label: str
    subscribers: int
    connected: int
    posts: int
    delays_ms: list[float] = field(default_factory=list)  # every (post, subscriber) received
    missing: int = 0
    within_1s_worst: float = 0.0  # the worst post's share of subscribers reached within 1 s
    rss_before_kb: int = 0
    rss_after_kb: int = 0
    available: bool = True
    note: str = ""
    profile: spy.Profile | None = None  # the subscribers' node while the posts fan out

    @property
    def per_sub_kb(self) -> float:
        return (self.rss_after_kb - self.rss_before_kb) / max(1, self.connected)


async def _post(port: int, story_id: int, token: str, body: str) -> tuple[float, int]:
    conn = Conn(HOST, port, timeout=30)
    try:
        t0 = time.perf_counter()
        r = await conn.request(
            "POST", f"/api/v1/stories/{story_id}/comments",
            body={"body": body, "idempotency_key": uuid.uuid4().hex},
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        if r.status not in (200, 201):
            raise RuntimeError(f"POST answered {r.status}: {r.body[:200]!r}")
        return t0, int(r.json()["id"])
    finally:
        await conn.close()


async def deliver(
    label: str, *, sub_server: Server, post_server: Server, story_id: int, token: str,
    subscribers: int, posts: int, gap: float, profile_to: Path | None = None,
) -> Delivery:  # fmt: skip
    """Open the subscribers on one node, post on the other (or the same), time each receipt."""
    out = Delivery(label, subscribers, 0, posts)
    out.rss_before_kb = rss_kb(sub_server.pid)
    subs = await subscribe(sub_server.port, story_id, subscribers, connect_timeout=60)
    live = [s for s in subs if s.status == 200 and not s.closed]
    out.connected = len(live)
    await asyncio.sleep(3)  # idle: what a held connection costs at rest
    out.rss_after_kb = rss_kb(sub_server.pid)
    sent: list[tuple[float, int]] = []
    window = int(posts * gap + 3)
    sampler = spy.start(sub_server.pid, window, profile_to) if profile_to else None
    for k in range(posts):
        sent.append(
            await _post(post_server.port, story_id, token, f"Live comment {k} for {label}.")
        )
        await asyncio.sleep(gap)
    await asyncio.sleep(3)  # stragglers
    if sampler is not None and profile_to is not None:
        out.profile = await asyncio.to_thread(
            spy.finish,
            sampler,
            profile_to,
            f"{label}: the node fanning out to {out.connected:,} subscribers",
            window,
        )
    by_id = {cid: (k, t) for k, (t, cid) in enumerate(sent)}
    reached = [0] * posts
    for s in live:
        got: dict[int, float] = {}
        for n, (t, _ident, data) in enumerate(s.events()):
            cid = _comment_id(data)
            which = by_id[cid][0] if cid in by_id else (n if n < posts else None)
            if which is not None and which not in got:
                got[which] = t
        for k, t in got.items():
            d = (t - sent[k][0]) * 1000
            out.delays_ms.append(d)
            if d <= 1000:
                reached[k] += 1
        out.missing += posts - len(got)
    for s in subs:
        if s.transport is not None:
            s.transport.close()
    out.within_1s_worst = min(reached) / max(1, out.connected) if posts else 0.0
    return out


def b3(db_url: str, run: Path, subscribers: int, posts: int = 5, profile: bool = True) -> Delivery:
    """One node, SQLite, N idle subscribers; a writer posts a few comments."""
    from bench.seed_veche import seed_writers

    story_id, tokens = seed_writers(db_url, 1, base_url="http://127.0.0.1:8000",
                                    url="https://news.example.com/bench/live")  # fmt: skip
    node = start_veche(db_url, run, name="veche-b3")
    try:
        if not asyncio.run(available(node.port)):
            return Delivery(
                "b3",
                subscribers,
                0,
                0,
                available=False,
                note="GET /api/v1/stories/{id}/events is not in this build's API",
            )
        return asyncio.run(
            deliver(
                "b3",
                sub_server=node,
                post_server=node,
                story_id=story_id,
                token=tokens[0],
                subscribers=subscribers,
                posts=posts,
                gap=1.5,
                profile_to=run / "profile-b3.txt" if profile else None,
            )
        )
    finally:
        node.stop()


def b4(db_url: str, redis_url: str, run: Path, subscribers: int = 50, posts: int = 40) -> Delivery:
    """Two nodes on one PostgreSQL database and Redis: post on A, read the stream on B."""
    from bench.seed_veche import seed_writers

    story_id, tokens = seed_writers(db_url, 1, base_url="http://127.0.0.1:8000",
                                    url="https://news.example.com/bench/live-two-nodes")  # fmt: skip
    a = start_veche(db_url, run, name="veche-b4-a", redis_url=redis_url)
    b = start_veche(db_url, run, name="veche-b4-b", redis_url=redis_url)
    try:
        if not asyncio.run(available(b.port)):
            return Delivery(
                "b4",
                subscribers,
                0,
                0,
                available=False,
                note="GET /api/v1/stories/{id}/events is not in this build's API",
            )
        return asyncio.run(
            deliver(
                "b4",
                sub_server=b,
                post_server=a,
                story_id=story_id,
                token=tokens[0],
                subscribers=subscribers,
                posts=posts,
                gap=0.25,
            )
        )
    finally:
        a.stop()
        b.stop()


def summary(d: Delivery) -> dict[str, float]:
    return {
        "p50_ms": percentile(d.delays_ms, 50),
        "p99_ms": percentile(d.delays_ms, 99),
        "max_ms": max(d.delays_ms, default=0.0),
    }
