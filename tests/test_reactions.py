"""Reactions ("respect"): one per reader and comment, refused where they make no sense,
rate-limited, live over the event stream, and per viewer only through the overlay."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from tests.conftest import World, bearer, error, with_config
from tests.live_helpers import Stream, serve_in_thread
from tests.test_pages import csrf_of, sign_in_as
from veche.domain import ranking
from veche.domain.enums import CommentStatus, Role
from veche.domain.moderation import Action
from veche.service.comments import Comments, Draft
from veche.service.moderation import Moderation
from veche.service.runtime import Viewer
from veche.store.models import Comment, User
from veche.store.reader_models import Reaction
from veche.web.app import create_app

SITE = "https://veche.test"


def post(world: World, handle: str, body: str, parent_id: int | None = None) -> int:
    """A comment through the real write path, by `handle` (who must exist)."""
    with world.rt.db.session(write=False) as s:
        user = s.scalars(select(User).where(User.handle == handle)).one()
    comment, _ = Comments(world.rt).create(
        world.story.id, Draft(body=body, parent_id=parent_id), Viewer(user, "127.0.0.1")
    )
    return comment.id


def reaction(client: TestClient, comment_id: int, token: str | None, method: str = "PUT") -> object:
    headers = bearer(token) if token else {}
    return client.request(method, f"/api/v1/comments/{comment_id}/reaction", headers=headers)


def stored(world: World, comment_id: int) -> tuple[int, int, int]:
    """(reaction rows, the comment's count, its top key)."""
    with world.rt.db.session(write=False) as s:
        rows = s.scalar(select(func.count()).where(Reaction.comment_id == comment_id))
        c = s.get(Comment, comment_id)
        assert c is not None
        return int(rows or 0), c.reactions, c.score


def test_one_reaction_per_reader_idempotent_both_ways(client: TestClient, world: World) -> None:
    world.user("ann")
    _b, bob = world.user("bob")
    _c, cid = world.user("cid")
    first = post(world, "ann", "The road is open again.")
    base_score = stored(world, first)[2]
    for _ in range(2):
        r = client.put(f"/api/v1/comments/{first}/reaction", headers=bearer(bob))
        assert r.status_code == 200, r.text
        assert r.json() == {"comment_id": first, "count": 1, "reacted": True}
    assert stored(world, first)[:2] == (1, 1)
    r = client.put(f"/api/v1/comments/{first}/reaction", headers=bearer(cid))
    assert r.json()["count"] == 2
    rows, count, score = stored(world, first)
    assert (rows, count) == (2, 2)
    assert score > base_score
    with world.rt.db.session(write=False) as s:
        c = s.get(Comment, first)
        assert c is not None and score == ranking.top_score(2, c.created_at)
    thread = client.get(f"/api/v1/stories/{world.story.id}/comments").json()
    assert thread["comments"][0]["reactions"] == 2
    for _ in range(2):
        r = client.delete(f"/api/v1/comments/{first}/reaction", headers=bearer(bob))
        assert r.status_code == 200, r.text
        assert r.json() == {"comment_id": first, "count": 1, "reacted": False}
    assert stored(world, first)[:2] == (1, 1)


def test_concurrent_puts_count_once(client: TestClient, world: World) -> None:
    world.user("ann")
    tokens = [world.user(f"reader{i}")[1] for i in range(4)]
    target = post(world, "ann", "Count me once per reader.")
    jobs = [t for t in tokens for _ in range(4)]  # each reader four times at once
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda t: reaction(client, target, t), jobs))
    assert all(getattr(a, "status_code", 0) == 200 for a in answers)
    assert stored(world, target)[:2] == (4, 4)


def test_refusals(client: TestClient, world: World) -> None:
    world.user("ann")
    _b, bob = world.user("bob")
    _m, mod = world.user("mia", role=Role.moderator)
    own_id, ann = world.user("ann2")
    mine = post(world, "ann2", "My own words.")
    error(reaction(client, mine, ann), 403, "forbidden")
    target = post(world, "ann", "Something to react to.")
    error(reaction(client, target, None), 401, "auth_required")  # guests and anonymous
    error(reaction(client, 999_999, bob), 404, "not_found")
    deleted = post(world, "ann2", "About to go.")
    client.delete(f"/api/v1/comments/{deleted}", headers=bearer(ann))
    error(reaction(client, deleted, bob), 409, "conflict")
    with world.rt.db.session(write=False) as s:
        moderator = s.scalars(select(User).where(User.handle == "mia")).one()
    Moderation(world.rt).decide(
        target, Action.remove, Viewer(moderator, "127.0.0.1"), reason="Off-topic"
    )
    error(reaction(client, target, bob), 409, "conflict")
    assert stored(world, target)[:2] == (0, 0)
    held = post(world, "ann", "Awaiting a moderator.")
    with world.rt.db.session() as s:
        s.execute(update(Comment).where(Comment.id == held).values(status=CommentStatus.pending))
    error(reaction(client, held, bob), 404, "not_found")  # readers cannot see it
    error(reaction(client, held, mod), 409, "conflict")  # a moderator can, not react to it
    assert own_id and mod


def test_reactions_are_rate_limited(world: World) -> None:
    rt = with_config(world.rt, rate_limit_reactions="3/minute")
    world.user("ann")
    _b, bob = world.user("bob")
    target = post(world, "ann", "Click, click, click.")
    with TestClient(create_app(rt.config, rt), base_url=SITE) as client:
        for method in ("PUT", "DELETE", "PUT"):
            assert getattr(reaction(client, target, bob, method), "status_code", 0) == 200
        r = reaction(client, target, bob, "DELETE")
        error(r, 429, "rate_limited")
        assert "Retry-After" in getattr(r, "headers", {})


def test_overlay_names_my_reactions_and_the_shared_body_stays_shared(
    client: TestClient, world: World
) -> None:
    world.user("ann")
    _b, bob = world.user("bob")
    one = post(world, "ann", "First.")
    two = post(world, "ann", "Second.")
    reaction(client, two, bob)
    thread = f"/fragments/thread?story={world.story.id}"
    anonymous = client.get(thread)
    signed_in = client.get(thread, headers=bearer(bob))
    assert anonymous.content == signed_in.content  # the viewer's state is not in it
    assert 'aria-pressed="true"' not in anonymous.text
    assert re.search(rf'data-react="{two}">.*?<span class="count">1</span>', anonymous.text, re.S)
    q = f"?ids={one},{two}"
    overlay = client.get(f"/api/v1/stories/{world.story.id}/overlay{q}", headers=bearer(bob))
    assert overlay.json()["reacted"] == [two]
    anon = client.get(f"/api/v1/stories/{world.story.id}/overlay{q}")
    assert anon.json()["reacted"] == []
    fragment = client.get(
        f"/fragments/overlay?story={world.story.id}&ids={one},{two}", headers=bearer(bob)
    )
    assert f'<template data-reacted="{two}"></template>' in fragment.text


def test_without_javascript_a_member_reacts_by_form(client: TestClient, world: World) -> None:
    world.user("ann")
    world.user("bob")
    target = post(world, "ann", "A form will do.")
    sign_in_as(client, "bob")
    page = client.get(f"/stories/{world.story.id}")
    form = re.search(rf'<form class="react"[^>]*data-react="{target}">.*?</form>', page.text, re.S)
    assert form is not None and 'aria-pressed="false"' in form[0]
    r = client.post(
        f"/comments/{target}/reaction",
        data={"csrf": csrf_of(form[0]), "on": "true"},
        headers={"Origin": SITE},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"].endswith(f"/comments/{target}#c{target}")
    page = client.get(f"/stories/{world.story.id}")
    form = re.search(rf'<form class="react"[^>]*data-react="{target}">.*?</form>', page.text, re.S)
    assert form is not None
    assert 'aria-pressed="true"' in form[0] and 'name="on" value="false"' in form[0]
    assert '<span class="count">1</span>' in form[0]
    # A page rendered for this reader alone (a reply form open) shows it pressed too.
    page = client.get(f"/stories/{world.story.id}?reply={target}")
    assert re.search(rf'data-react="{target}">.*?aria-pressed="true"', page.text, re.S)
    r = client.post(
        f"/comments/{target}/reaction",
        data={"csrf": csrf_of(form[0]), "on": "false"},
        headers={"Origin": SITE},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert stored(world, target)[:2] == (0, 0)


def test_a_forged_reaction_form_is_refused(client: TestClient, world: World) -> None:
    world.user("ann")
    world.user("bob")
    target = post(world, "ann", "Not by a forged form.")
    sign_in_as(client, "bob")
    r = client.post(
        f"/comments/{target}/reaction", data={"csrf": "nope", "on": "true"},
        headers={"Origin": SITE}, follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 403
    assert stored(world, target)[:2] == (0, 0)


@pytest.fixture
def base(world: World) -> Iterator[str]:
    with serve_in_thread(world.rt) as url:
        yield url


def test_counts_move_live_over_the_event_stream(base: str, world: World) -> None:
    world.user("ann")
    _b, bob = world.user("bob")
    target = post(world, "ann", "Watch the count.")
    stream = Stream(base, f"/api/v1/stories/{world.story.id}/events")
    try:
        assert stream.next().event == "hello"
        with TestClient(create_app(world.rt.config, world.rt), base_url=SITE) as client:
            reaction(client, target, bob)
            got = stream.until(lambda e: e.event == "comment.reaction")[-1]
            assert got.data["comment_id"] == target
            assert got.data["comment"]["reactions"] == 1
            assert "reacted" not in got.data["comment"]  # nobody's own state in a shared frame
            assert 'aria-pressed="false"' in got.data["comment"]["html"]
            reaction(client, target, bob, "PUT")  # again: nothing changes, nothing is sent
            reaction(client, target, bob, "DELETE")
            got = stream.until(lambda e: e.event == "comment.reaction")[-1]
            assert got.data["comment"]["reactions"] == 0
    finally:
        stream.close()
