"""Several `veche serve` processes sharing PostgreSQL and Redis, as behind nginx."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.conftest import World
from tests.live_helpers import Node, PrivateRedis, Stream, created, post_json
from veche.store.models import User

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    server = PrivateRedis().start()
    yield server
    server.stop()


def node_env(world: World, redis_server: PrivateRedis) -> dict[str, str]:
    return {
        "VECHE_DATABASE_URL": world.rt.config.database_url,
        "VECHE_REDIS_URL": redis_server.url,
        "VECHE_RATE_LIMIT_WRITES": "1000/minute",
        "VECHE_BASE_URL": "https://veche.test",
        # No timed presence sweep: only a node's notice can make another sweep at once.
        "VECHE_PRESENCE_SWEEP_SECONDS": "3600",
    }


@pytest.fixture
def nodes(world: World, redis_server: PrivateRedis, tmp_path: Path) -> Iterator[list[Node]]:
    env = node_env(world, redis_server)
    started = [Node(env, tmp_path / f"node-{name}.log").start() for name in "ab"]
    for node in started:
        wait_for_broker(node)
    yield started
    for node in started:
        node.stop()


def health(node: Node) -> dict[str, object]:
    with urllib.request.urlopen(node.base + "/api/v1/health", timeout=5) as r:
        found: dict[str, object] = json.loads(r.read())
        return found


def wait_for_broker(node: Node, connected: bool = True, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if health(node)["broker"] == ("connected" if connected else "disconnected"):
            return
        time.sleep(0.1)
    raise AssertionError(f"the broker of {node.base} did not become connected={connected}")


def path(world: World, what: str = "events") -> str:
    return f"/api/v1/stories/{world.story.id}/{what}"


def get(node: Node, url: str, etag: str | None = None) -> tuple[int, str, str]:
    """(status, ETag, body) of an anonymous read."""
    req = urllib.request.Request(node.base + url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers["ETag"], r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["ETag"], ""


def new_version(node: Node, url: str, old: str, timeout: float = 5.0) -> tuple[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        status, etag, body = get(node, url, old)
        if status == 200:
            return etag, body
        assert status == 304 and time.monotonic() < deadline, "the old version was kept"
        time.sleep(0.02)


def test_a_comment_posted_on_one_node_is_a_new_version_on_the_other(
    world: World, nodes: list[Node], redis_server: PrivateRedis
) -> None:
    """B answers its cached copy from memory until A's notice arrives; without the broker
    it asks the store on every read, so the new version is there at once."""
    a, b = nodes
    _u, token = world.user("ann")
    url = path(world, "comments")
    for _ in range(3):  # the first read fills B's caches, the next are answered from them
        status, etag, _body = get(b, url)
        assert status == 200
    assert get(b, url, etag)[0] == 304
    post_json(a.base, url, {"body": "Posted on A."}, token)
    etag, body = new_version(b, url, etag)
    assert "Posted on A." in body
    redis_server.stop()
    wait_for_broker(b, connected=False)
    post_json(a.base, url, {"body": "Posted with Redis away."}, token)
    status, fresh, body = get(b, url, etag)
    assert status == 200 and fresh != etag and "Posted with Redis away." in body


def test_workers_of_one_serve_share_streams_through_redis(
    world: World, redis_server: PrivateRedis, tmp_path: Path
) -> None:
    node = Node(node_env(world, redis_server), tmp_path / "workers.log", ("--workers", "2"))
    node.start()
    try:
        wait_for_broker(node)
        _u, token = world.user("ann")
        streams = [Stream(node.base, path(world)) for _ in range(4)]  # some on each worker
        try:
            for stream in streams:
                assert stream.next().event == "hello"
            made = post_json(node.base, path(world, "comments"), {"body": "One of two."}, token)
            for stream in streams:
                assert stream.until(created(made["id"]))[-1].id == "1"
        finally:
            for stream in streams:
                stream.close()
    finally:
        node.stop()


def test_a_comment_posted_on_one_node_reaches_a_stream_on_another(
    world: World, nodes: list[Node]
) -> None:
    a, b = nodes
    _u, token = world.user("ann")
    stream = Stream(b.base, path(world))
    try:
        assert stream.next().event == "hello"
        made = post_json(a.base, path(world, "comments"), {"body": "Posted on A."}, token)
        ev = stream.until(created(made["id"]))[-1]
        assert ev.data["comment"]["body_html"] == "<p>Posted on A.</p>\n"
        assert ev.id == "1"
    finally:
        stream.close()


def test_a_reader_back_on_one_node_is_shown_online_on_another(
    world: World, nodes: list[Node]
) -> None:
    a, b = nodes
    ann, token = world.user("ann")
    post_json(a.base, path(world, "comments"), {"body": "Yesterday's view."}, token)
    with world.rt.db.session() as s:
        s.execute(update(User).where(User.id == ann).values(last_seen_at=LONG_AGO))
    stream = Stream(b.base, path(world), skip=())
    try:
        assert stream.next().data["online"] == []
        seen = urllib.request.Request(
            a.base + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(seen, timeout=5) as r:
            assert r.status == 200
        ev = stream.until(lambda e: e.event == "presence")[-1]
        assert ev.data == {"handle": "ann", "online": True}
    finally:
        stream.close()


def test_a_restarted_node_replays_what_its_readers_missed(world: World, nodes: list[Node]) -> None:
    a, b = nodes
    _u, token = world.user("ann")
    stream = Stream(b.base, path(world))
    first = post_json(a.base, path(world, "comments"), {"body": "Before the restart."}, token)
    stream.until(created(first["id"]))
    stream.close()
    b.stop()
    missed = post_json(a.base, path(world, "comments"), {"body": "While B was down."}, token)
    b.start()
    back = Stream(b.base, path(world), {"Last-Event-ID": "1"})
    try:
        assert back.next().event == "hello"
        ev = back.next()
        assert (ev.id, ev.data["comment_id"]) == ("2", missed["id"])
        wait_for_broker(b)
        live = post_json(a.base, path(world, "comments"), {"body": "After."}, token)
        ev = back.next()
        assert (ev.id, ev.data["comment_id"]) == ("3", live["id"])
    finally:
        back.close()


def test_redis_going_away_loses_no_write_and_streams_catch_up(
    world: World, nodes: list[Node], redis_server: PrivateRedis
) -> None:
    a, b = nodes
    _u, token = world.user("ann")
    stream = Stream(b.base, path(world))
    try:
        assert stream.next().event == "hello"
        redis_server.stop()
        wait_for_broker(b, connected=False)
        # Every write succeeds with Redis gone; B's reader gets them from the store.
        ids = [
            post_json(a.base, path(world, "comments"), {"body": f"Outage {i}."}, token)["id"]
            for i in range(5)
        ]
        got = [e.data["comment_id"] for e in stream.until(created(ids[-1]), timeout=20)]
        assert got == ids
        redis_server.start()
        wait_for_broker(a)
        wait_for_broker(b)
        back = post_json(a.base, path(world, "comments"), {"body": "Redis is back."}, token)
        ev = stream.next()
        assert (ev.event, ev.data["comment_id"], ev.id) == ("comment.created", back["id"], "6")
    finally:
        stream.close()
