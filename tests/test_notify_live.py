"""The bell, live: a reply or mention becomes a `notification` frame on the member's own
story streams (and only theirs), on this node and, through Redis, on another."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from tests.conftest import World, bearer
from tests.live_helpers import SSE, PrivateRedis, Stream, post_json, serve_in_thread
from veche.service.notifications import Notifications
from veche.service.runtime import Runtime


@pytest.fixture
def base(world: World) -> Iterator[str]:
    with serve_in_thread(world.rt) as url:
        yield url


def events(world: World) -> str:
    return f"/api/v1/stories/{world.story.id}/events"


def next_of(stream: Stream, kind: str, timeout: float = 10.0) -> SSE:
    deadline = time.monotonic() + timeout
    while True:
        frame = stream.next(max(deadline - time.monotonic(), 0.01))
        if frame.event == kind:
            return frame


def test_the_bell_count_follows_replies_and_reads(base: str, world: World) -> None:
    _a, alice = world.user("alice")
    _b, bob = world.user("bob")
    path = f"/api/v1/stories/{world.story.id}/comments"
    first = post_json(base, path, {"body": "Who has power back?"}, alice)
    mine = Stream(base, events(world), bearer(alice))
    theirs = Stream(base, events(world), bearer(bob))
    try:
        assert next_of(mine, "hello").data["seq"] >= 1
        next_of(theirs, "hello")
        post_json(base, path, {"body": "We do, @alice.", "parent_id": first["id"]}, bob)
        assert Notifications(world.rt).follower().run_once() >= 1
        frame = next_of(mine, "notification")
        assert frame.data == {"unread": 1} and frame.id is None
        # Bob's stream sees the comment, and no bell of Alice's.
        assert next_of(theirs, "comment.created").data["comment"]["parent_id"] == first["id"]
        with pytest.raises(TimeoutError):
            next_of(theirs, "notification", timeout=1.0)
        # Reading it on one page puts every page of hers back to zero.
        post_json(base, "/api/v1/me/notifications/read", {}, alice)
        assert next_of(mine, "notification").data == {"unread": 0}
    finally:
        mine.close()
        theirs.close()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_bell_rings_on_another_node(world: World) -> None:
    """Two nodes on one PostgreSQL and one Redis; only node A runs the followers: the reply
    is written and followed there, the member's page streams from node B."""
    redis_server = PrivateRedis().start()
    config = replace(world.rt.config, redis_url=redis_server.url)
    runtimes = [Runtime.build(replace(config, background=w)) for w in (True, False)]
    try:
        with serve_in_thread(runtimes[0]) as node_a, serve_in_thread(runtimes[1]) as node_b:
            _a, alice = world.user("alice")
            _b, bob = world.user("bob")
            path = f"/api/v1/stories/{world.story.id}/comments"
            first = post_json(node_a, path, {"body": "Any news of the ferry?"}, alice)
            stream = Stream(node_b, events(world), bearer(alice))
            try:
                next_of(stream, "hello")
                deadline = time.monotonic() + 10
                while not all(rt.broker.connected for rt in runtimes):
                    assert time.monotonic() < deadline, "the nodes did not reach Redis"
                    time.sleep(0.05)
                body = {"body": "It sails at six.", "parent_id": first["id"]}
                post_json(node_a, path, body, bob)
                assert next_of(stream, "notification", timeout=20).data == {"unread": 1}
            finally:
                stream.close()
    finally:
        for rt in runtimes:
            rt.db.dispose()
        redis_server.stop()
