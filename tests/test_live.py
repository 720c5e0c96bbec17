"""Live updates over Server-Sent Events, on a real socket, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update

from tests.conftest import World
from tests.live_helpers import Stream, created, post_json, serve_in_thread
from veche.domain.enums import CommentStatus, Role
from veche.live import frames
from veche.live.broker import LocalBroker
from veche.live.hub import Hub, Subscriber, Topic
from veche.service.accounts import Accounts
from veche.service.comments import Comments
from veche.service.pipeline import ScoreInput, Verdict
from veche.service.runtime import Viewer
from veche.store.models import Comment, Event, Story


class HoldWord:
    """A scorer that holds comments saying "hold", as a moderation model would."""

    def score(self, item: ScoreInput) -> Verdict:
        if "hold" in item.text.casefold():
            return Verdict(CommentStatus.pending, {"word": 1.0}, ("held word",))
        return Verdict(scores={"word": 0.0})


@pytest.fixture
def base(world: World) -> Iterator[str]:
    with serve_in_thread(world.rt) as url:
        yield url


def events_path(world: World, after: int | None = None) -> str:
    path = f"/api/v1/stories/{world.story.id}/events"
    return path if after is None else f"{path}?last_event_id={after}"


def comment(base: str, world: World, token: str, body: str, **kw: object) -> int:
    made = post_json(
        base, f"/api/v1/stories/{world.story.id}/comments", {"body": body, **kw}, token
    )
    return int(made["id"])


def test_a_new_comment_reaches_an_open_stream(base: str, world: World) -> None:
    _u, token = world.user("ann", display_name="Ann")
    stream = Stream(base, events_path(world))
    try:
        assert stream.status == 200
        hello = stream.next()
        assert hello.event == "hello" and hello.data == {"seq": 0, "online": []}
        first = comment(base, world, token, "First, from the coast.")
        ev = stream.until(created(first))[-1]
        assert ev.id == "1" and ev.data["seq"] == 1
        shown = ev.data["comment"]
        assert shown["author"]["handle"] == "ann" and shown["number"] == [1]
        assert shown["body_html"] == "<p>First, from the coast.</p>\n"
        # The frame is the same for every reader: nothing in it depends on who asks.
        assert not {"can_edit", "can_delete", "body_markdown"} & set(shown)
        assert f'id="c{first}"' in shown["html"] and 'name="csrf"' not in shown["html"]
        reply = comment(base, world, token, "And a reply.", parent_id=first)
        ev = stream.until(created(reply))[-1]
        assert ev.data["comment"]["parent_id"] == first and ev.data["comment"]["number"] == [1, 1]
    finally:
        stream.close()


def test_reconnecting_replays_exactly_what_was_missed(base: str, world: World) -> None:
    _u, token = world.user("ann")
    stream = Stream(base, events_path(world))
    first = comment(base, world, token, "One.")
    seen = stream.until(created(first))
    stream.close()
    assert seen[-1].id == "1"
    # Offline for a while: a reply, an edit, a deletion and another comment happen.
    second = comment(base, world, token, "Two.")
    reply = comment(base, world, token, "Reply to one.", parent_id=first)
    ann = Viewer(user=Accounts(world.rt).resolve(token), ip="127.0.0.1")
    Comments(world.rt).edit(second, "Two, edited.", ann)
    Comments(world.rt).delete(reply, ann)
    back = Stream(base, events_path(world), {"Last-Event-ID": "1"})
    try:
        assert back.next().event == "hello"
        missed = [back.next() for _ in range(4)]
        assert [(e.id, e.event) for e in missed] == [
            ("2", "comment.created"), ("3", "comment.created"),
            ("4", "comment.edited"), ("5", "comment.deleted"),
        ]  # fmt: skip
        # Replayed events show the comment as it is now: edited, and a placeholder.
        assert missed[0].data["comment"]["body_html"] == "<p>Two, edited.</p>\n"
        assert missed[1].data["comment"]["placeholder"] == "The comment was deleted."
        assert missed[1].data["comment"]["body_html"] is None
        # Then it is live, and nothing is sent twice.
        later = comment(base, world, token, "Three.")
        ev = back.next()
        assert (ev.id, ev.event, ev.data["comment_id"]) == ("6", "comment.created", later)
        with pytest.raises(TimeoutError):
            back.next(timeout=0.5)
    finally:
        back.close()


def test_a_held_comment_reaches_only_its_author_and_moderators(base: str, world: World) -> None:
    world.rt.scorer = HoldWord()
    author_id, author = world.user("ann")
    _m, moderator = world.user("mod", role=Role.moderator)
    _o, other = world.user("bob")
    streams = {
        "anonymous": Stream(base, events_path(world)),
        "author": Stream(base, events_path(world), {"Authorization": f"Bearer {author}"}),
        "moderator": Stream(base, events_path(world), {"Authorization": f"Bearer {moderator}"}),
        "other": Stream(base, events_path(world), {"Authorization": f"Bearer {other}"}),
    }
    try:
        for stream in streams.values():
            assert stream.next().event == "hello"
        held = comment(base, world, author, "Please hold this one.")
        shown = comment(base, world, other, "This one is fine.")
        for name, stream in streams.items():
            got = [e.data["comment_id"] for e in stream.until(created(shown))]
            expected = [held, shown] if name in ("author", "moderator") else [shown]
            assert got == expected, name
    finally:
        for stream in streams.values():
            stream.close()
    with world.rt.db.session(write=False) as s:
        row = s.get(Comment, held)
        assert row is not None and row.status is CommentStatus.pending
        assert row.scores == {"word": 1.0} and row.author_id == author_id


def test_a_gap_past_the_retention_window_is_a_reset(base: str, world: World) -> None:
    _u, token = world.user("ann")
    for i in range(3):
        comment(base, world, token, f"Comment {i}.")
    with world.rt.db.session() as s:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
        s.execute(update(Event).where(Event.seq <= 2).values(created_at=old))
    hub = Hub(world.rt, LocalBroker())
    assert hub.prune(dt.timedelta(hours=world.rt.config.event_retention_hours)) == 2
    stream = Stream(base, events_path(world, after=1))
    try:
        assert stream.next().event == "hello"
        ev = stream.next()
        assert (ev.event, ev.id, ev.data["reason"]) == ("reset", "3", "expired")
        # Event 3 is still kept: a client that saw 2 replays it instead of resetting.
    finally:
        stream.close()
    kept = Stream(base, events_path(world, after=2))
    try:
        kept.next()
        assert kept.next().id == "3"
    finally:
        kept.close()


def test_bad_resume_points_are_refused_clearly(base: str, world: World) -> None:
    bad = Stream(base, events_path(world), {"Last-Event-ID": "tomorrow"})
    assert bad.status == 422
    bad.close()
    ahead = Stream(base, events_path(world, after=99))
    try:
        ahead.next()
        assert ahead.next().event == "reset"
    finally:
        ahead.close()
    missing = Stream(base, "/api/v1/stories/999999/events")
    assert missing.status == 404
    missing.close()


def test_a_reader_too_slow_to_drain_its_queue_is_dropped(world: World) -> None:
    """Bounded memory per subscriber: past its queue it is cut off, and replays later."""

    async def scenario() -> tuple[Subscriber, list[bytes], Hub]:
        hub = Hub(world.rt, LocalBroker(), queue_size=3)
        with world.rt.db.session(write=False) as s:
            story = s.get(Story, world.story.id)
        assert story is not None
        topic = hub.topics[story.id] = Topic(hub, story, 0)
        sub = Subscriber(topic, Viewer(user=None, ip="127.0.0.1"), 0, 3)
        sub.replaying = None
        topic.subscribers.add(sub)
        for seq in range(1, 6):
            sub.offer(frames.LiveEvent(seq, f"id: {seq}\n\n".encode()))
        return sub, [f async for f in sub.frames()], hub

    # A loop of its own, in a thread: Playwright's session may hold this thread's loop.
    with ThreadPoolExecutor(1) as pool:
        sub, got, hub = pool.submit(asyncio.run, scenario()).result(timeout=30)
    assert sub.dropped and got == []  # nothing was kept for it: its stream just ended
    assert hub.topics == {}  # and it left its topic


def test_an_idle_stream_gets_heartbeats_and_a_closed_one_leaves_its_topic(world: World) -> None:
    """The stream's own loop: a comment line when nothing happens, and a reader who hangs up
    is forgotten at once (not at the next heartbeat)."""
    import socket
    import time

    from tests.conftest import with_config

    rt = with_config(world.rt, sse_heartbeat_seconds=0.2)
    with serve_in_thread(rt) as base:
        host, port = base.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=5)
        sock.sendall(f"GET {events_path(world)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        got = b""
        while got.count(b": ping") < 2:
            got += sock.recv(4096)
        assert b"event: hello" in got and b"text/event-stream" in got
        health = post_free_health(base)
        assert health["subscribers"] == 1
        sock.close()
        deadline = time.monotonic() + 5
        while post_free_health(base)["subscribers"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert post_free_health(base)["subscribers"] == 0


def post_free_health(base: str) -> dict[str, object]:
    import json
    import urllib.request

    with urllib.request.urlopen(base + "/api/v1/health", timeout=5) as r:
        found: dict[str, object] = json.loads(r.read())
        return found
