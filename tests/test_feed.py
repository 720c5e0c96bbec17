"""The event follower: every event once, in id order, across restarts, waiting at gaps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import World, bearer
from veche.notify.feed import Follower
from veche.store.models import Event


def post(client: TestClient, world: World, token: str, body: str) -> int:
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments", json={"body": body}, headers=bearer(token)
    )
    assert r.status_code == 201, r.text
    created: int = r.json()["id"]
    return created


def test_each_event_is_handled_once_in_order_and_after_commit(
    client: TestClient, world: World
) -> None:
    _uid, token = world.user("ruta")
    seen: list[tuple[str, int | None]] = []
    after: list[int] = []

    def handle(s: Session, events: Sequence[Event]) -> object:
        seen.extend((e.kind, e.comment_id) for e in events)
        n = len(seen)
        return lambda: after.append(n)

    first = post(client, world, token, "The first one.")
    second = post(client, world, token, "The second one.")
    follower = Follower(world.rt, "test", handle)  # type: ignore[arg-type]
    assert follower.run_once() == 2
    assert seen == [("comment.created", first), ("comment.created", second)]
    assert after == [2]
    assert follower.run_once() == 0
    third = post(client, world, token, "The third one.")
    # A new follower object (a restart, another node) goes on from the saved cursor.
    assert Follower(world.rt, "test", handle).run_once() == 1  # type: ignore[arg-type]
    assert seen[-1] == ("comment.created", third) and len(seen) == 3
    # Another name has its own cursor.
    other: list[int] = []
    Follower(world.rt, "other", lambda s, ev: other.extend(e.id for e in ev)).run_once()
    assert len(other) == 3


def test_a_handler_that_fails_rolls_its_batch_back(client: TestClient, world: World) -> None:
    _uid, token = world.user("ruta")
    post(client, world, token, "Something to follow.")
    calls = []

    def broken(s: Session, events: Sequence[Event]) -> None:
        calls.append(len(events))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        Follower(world.rt, "test", broken).run_once()
    seen: list[int] = []
    Follower(world.rt, "test", lambda s, ev: seen.extend(e.id for e in ev)).run_once()
    assert calls == [1] and len(seen) == 1  # nothing was skipped


def test_a_gap_is_waited_for_then_passed(client: TestClient, world: World) -> None:
    """An id missing after the cursor may be a transaction still in flight: the follower
    stops there until `gap_wait` has passed, then takes what follows."""
    _uid, token = world.user("ruta")
    post(client, world, token, "Before the gap.")
    clock = [world.rt.clock()]
    world.rt.clock = lambda: clock[0]
    seen: list[int] = []
    follower = Follower(
        world.rt, "test", lambda s, ev: seen.extend(e.id for e in ev),
        gap_wait=dt.timedelta(seconds=10),
    )  # fmt: skip
    assert follower.run_once() == 1
    with world.rt.db.session() as s:
        top = s.scalar(select(func.max(Event.id)))
        assert top is not None
        s.add(Event(id=top + 2, story_id=world.story.id, seq=99, kind="comment.created",
                    comment_id=None, created_at=clock[0], payload={}))  # fmt: skip
    assert follower.run_once() == 0  # id top + 1 may still commit
    clock[0] += dt.timedelta(seconds=11)
    assert follower.run_once() == 1
    assert seen[-1] == top + 2
