"""The top and most-replies orders: right, stable across pages while reactions and replies
land between page loads, and read through their keyset indexes on both engines."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests import bulk
from tests.conftest import World, bearer
from tests.test_bounded_reads import assert_index_plans, reads, vacuum
from tests.test_reactions import post, reaction
from veche.domain import ranking
from veche.store.models import Comment


def thread(
    client: TestClient, world: World, sort: str, after: str | None = None, limit: int = 100
) -> dict[str, Any]:
    q = f"?sort={sort}&limit={limit}" + (f"&after={after}" if after else "")
    r = client.get(f"/api/v1/stories/{world.story.id}/comments{q}")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def tops(page: dict[str, Any]) -> list[int]:
    return [c["id"] for c in page["comments"]]


def test_top_and_most_replies_orders(client: TestClient, world: World) -> None:
    world.user("ann")
    tokens = [world.user(f"r{i}")[1] for i in range(3)]
    quiet, liked, fair = (post(world, "ann", f"Comment {n}.") for n in range(3))
    for t in tokens[:2]:
        reaction(client, liked, t)
    reaction(client, fair, tokens[2])
    first = post(world, "ann", "A reply.", parent_id=quiet)
    second = post(world, "ann", "Another reply.", parent_id=quiet)
    post(world, "ann", "One reply.", parent_id=fair)
    top = thread(client, world, "top")
    assert top["sort"] == "top"
    assert tops(top) == [liked, fair, quiet]
    assert [r["id"] for r in top["comments"][2]["replies"]] == [first, second]  # thread order
    assert [c["reactions"] for c in top["comments"]] == [2, 1, 0]
    assert tops(thread(client, world, "replies")) == [quiet, fair, liked]
    assert tops(thread(client, world, "oldest")) == [quiet, liked, fair]
    page = client.get(f"/stories/{world.story.id}?sort=top")
    assert re.search(r'href="[^"]*\?sort=top#discussion" aria-current="true"', page.text)
    assert page.text.index(f'id="c{liked}"') < page.text.index(f'id="c{quiet}"')
    embed = client.get(f"/fragments/thread?story={world.story.id}&sort=replies")
    assert embed.status_code == 200
    assert embed.text.index(f'id="c{quiet}"') < embed.text.index(f'id="c{liked}"')
    bad = client.get(f"/api/v1/stories/{world.story.id}/comments?sort=top&after=12x3")
    assert bad.status_code == 422


def test_top_score_lower_bound_and_decay() -> None:
    import datetime as dt

    now = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
    assert ranking.quality(0) == 0
    assert 0 < ranking.quality(1) < ranking.quality(10) < ranking.quality(100) < 1
    # One reaction outweighs half an hour of recency, not a day of it.
    older = ranking.top_score(1, now - dt.timedelta(minutes=30))
    assert older > ranking.top_score(0, now)
    assert ranking.top_score(100, now - dt.timedelta(days=1)) < ranking.top_score(0, now)
    assert ranking.top_score(0, dt.datetime(1999, 1, 1, tzinfo=dt.UTC)) == 0


@pytest.mark.parametrize("sort", ["top", "replies"])
def test_paging_holds_still_while_reactions_and_replies_land(
    client: TestClient, world: World, sort: str
) -> None:
    world.user("ann")
    tokens = [world.user(f"r{i}")[1] for i in range(3)]
    ids = [post(world, "ann", f"Comment {n}.") for n in range(12)]
    for n, target in enumerate(ids):  # a spread of keys, some equal
        for t in tokens[: n % 3]:
            if sort == "top":
                reaction(client, target, t)
            else:
                post(world, "ann", "A reply.", parent_id=target)
    expected = tops(thread(client, world, sort))
    assert sorted(expected) == sorted(ids)
    first = thread(client, world, sort, limit=4)
    seen = tops(first)
    assert seen == expected[:4] and first["next_cursor"]
    # Between page loads: the last comment climbs to the top, the first one falls, a new
    # comment arrives.
    climber, faller = expected[-1], expected[0]
    if sort == "top":
        more = [world.user(f"late{i}")[1] for i in range(4)]
        for t in more:
            reaction(client, climber, t)
        for t in tokens:
            reaction(client, faller, t, "DELETE")
    else:
        for _ in range(4):
            post(world, "ann", "A late reply.", parent_id=climber)
    fresh = post(world, "ann", "Arrived while you read.")
    cursor = first["next_cursor"]
    while cursor:
        page = thread(client, world, sort, after=cursor, limit=4)
        seen += tops(page)
        cursor = page["next_cursor"]
    assert seen == expected  # no repeat, no gap, the order of the first page's moment
    now = tops(thread(client, world, sort))
    assert now[0] == climber and fresh in now
    if sort == "top":
        assert now.index(faller) > expected.index(faller)


def test_ranked_pages_read_their_indexes(client: TestClient, world: World) -> None:
    """Page 2 of each ranked order, with reactions landed since page 1, on a thread of 1,500
    top-level comments beside another story's: index range scans, LIMITed."""
    made = bulk.build(world, bulk.fan(1500))
    bulk.build(world, bulk.fan(1500), story_id=world.other_story().id)
    with world.rt.db.session() as s:
        for n, (i, _p, _s) in enumerate(made):
            s.execute(
                update(Comment)
                .where(Comment.id == i)
                .values(score=(n * 7919) % 100_000, child_count=(n * 31) % 50)
            )
    vacuum(world.rt)
    world.user("ann")
    _b, bob = world.user("bob")
    limit = world.rt.config.page_size
    for sort, index in (("top", "ix_comments_story_top"), ("replies", "ix_comments_story_replies")):
        first = thread(client, world, sort, limit=limit)
        for c in first["comments"][:3]:
            assert reaction(client, c["id"], bob).status_code == 200  # type: ignore[attr-defined]
        with reads(world.rt) as seen:
            second = thread(client, world, sort, after=first["next_cursor"], limit=limit)
        assert len(second["comments"]) == limit
        assert not set(tops(first)) & set(tops(second))
        assert seen.comments <= 2 * (limit + 1) + 3
        assert_index_plans(world.rt, seen.selects, 2 * (limit + 1) + 3)
        key = "score" if sort == "top" else "child_count"
        scans = [q for q in seen.selects if f"ORDER BY comments.{key} DESC" in q[0]]
        assert len(scans) == 1
        if world.rt.db.is_sqlite:
            with world.rt.db.engine.connect() as conn:
                plan = " ".join(
                    str(r[3])
                    for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + scans[0][0], scans[0][1])
                )
            assert index in plan and "TEMP B-TREE" not in plan, plan
        else:
            with world.rt.db.engine.connect() as conn:
                sql, params = scans[0]
                plan = " ".join(str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + sql, params))
            assert index in plan and "Sort" not in plan.split(index)[0], plan


def test_a_reader_token_does_not_change_the_ranked_body(client: TestClient, world: World) -> None:
    """The ranked pages are shared bodies like the others: the same bytes for everyone."""
    world.user("ann")
    _b, bob = world.user("bob")
    target = post(world, "ann", "Shared.")
    reaction(client, target, bob)
    path = f"/api/v1/stories/{world.story.id}/comments?sort=top"
    assert client.get(path).content == client.get(path, headers=bearer(bob)).content
    with world.rt.db.session(write=False) as s:
        assert s.scalar(select(Comment.reactions).where(Comment.id == target)) == 1
