"""Authors' online/offline changes on the live streams, swept from the store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import update

from tests.conftest import World
from tests.live_helpers import SSE, Stream, post_json, serve_in_thread
from veche.domain.enums import CommentStatus
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.runtime import Runtime, Viewer
from veche.store.models import Comment, User

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def quick(world: World) -> Runtime:
    """Sweeps several times a second, and streaming readers are marked seen at every one."""
    config = dataclasses.replace(
        world.rt.config, presence_sweep_seconds=0.2, presence_debounce_seconds=0
    )
    return dataclasses.replace(world.rt, config=config)


@pytest.fixture
def base(quick: Runtime) -> Iterator[str]:
    with serve_in_thread(quick) as url:
        yield url


def seen_at(world: World, user_id: int, when: dt.datetime) -> None:
    with world.rt.db.session() as s:
        s.execute(update(User).where(User.id == user_id).values(last_seen_at=when))


def last_seen(world: World, user_id: int) -> dt.datetime | None:
    with world.rt.db.session(write=False) as s:
        user = s.get(User, user_id)
        assert user is not None
        return user.last_seen_at


def author(world: World, handle: str, *, online: bool) -> tuple[int, str]:
    """A member with a visible comment on the story, seen just now or long ago."""
    uid, token = world.user(handle)
    who = Viewer(user=Accounts(world.rt).resolve(token), ip="127.0.0.1")
    Comments(world.rt).create(world.story.id, Draft(f"{handle} on the square."), who)
    seen_at(world, uid, world.rt.clock() if online else LONG_AGO)
    return uid, token


def told(handle: str, online: bool) -> Callable[[SSE], bool]:
    return lambda ev: ev.event == "presence" and ev.data == {"handle": handle, "online": online}


def stream(base: str, world: World, token: str | None = None) -> Stream:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return Stream(base, f"/api/v1/stories/{world.story.id}/events", headers, skip=())


def test_hello_names_the_online_authors(base: str, world: World) -> None:
    author(world, "ann", online=True)
    author(world, "bob", online=False)
    held, _t = author(world, "carol", online=True)
    with world.rt.db.session() as s:  # a held comment's author is shown to nobody here
        s.execute(
            update(Comment).where(Comment.author_id == held).values(status=CommentStatus.pending)
        )
    reader = stream(base, world)
    try:
        hello = reader.next()
        assert hello.event == "hello" and hello.data == {"seq": 3, "online": ["ann"]}
    finally:
        reader.close()


def test_an_author_coming_back_and_going_quiet_is_told(base: str, world: World) -> None:
    bob, token = author(world, "bob", online=False)
    reader = stream(base, world)
    try:
        assert reader.next().data["online"] == []
        Accounts(world.rt).resolve(token)  # bob opens a page after a long time away
        reader.until(told("bob", True))
        seen_at(world, bob, LONG_AGO)  # ...and five minutes pass without a sign of him
        events = reader.until(told("bob", False))
        assert [e.event for e in events].count("presence") == 1
    finally:
        reader.close()


def test_an_open_stream_keeps_its_reader_online(base: str, world: World) -> None:
    carol, token = author(world, "carol", online=True)
    dave, _t = author(world, "dave", online=True)
    own = stream(base, world, token)  # carol keeps the thread open
    reader = stream(base, world)
    try:
        assert sorted(own.next().data["online"]) == ["carol", "dave"]
        assert reader.next().data["online"] == ["carol", "dave"]
        seen_at(world, carol, LONG_AGO)
        seen_at(world, dave, LONG_AGO)
        events = reader.until(told("dave", False))
        with pytest.raises(TimeoutError):  # a few more sweeps: carol stays
            reader.until(told("carol", False), timeout=1.0)
        assert not any(told("carol", False)(e) for e in events)
        seen = last_seen(world, carol)
        assert seen is not None and seen > LONG_AGO
    finally:
        own.close()
        reader.close()


def test_a_new_author_is_followed_from_their_first_comment(base: str, world: World) -> None:
    eve, token = world.user("eve")
    reader = stream(base, world)
    try:
        assert reader.next().data["online"] == []
        made = post_json(
            base, f"/api/v1/stories/{world.story.id}/comments", {"body": "First time."}, token
        )
        reader.until(lambda e: e.event == "comment.created" and e.data["comment_id"] == made["id"])
        assert made["author"]["online"] is True
        seen_at(world, eve, LONG_AGO)
        reader.until(told("eve", False))
    finally:
        reader.close()
