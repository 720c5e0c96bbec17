"""The Featured tab: a story's staff picks, most recently featured first, on both engines —
the store read and its bound, the hosted page without JavaScript, the embed's fragment and
the JSON list."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Unpack

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests import bulk
from tests.bulk import Node
from tests.conftest import PASSWORD, NewUser, World, bearer
from tests.test_bounded_reads import assert_index_plans, reads, vacuum
from tests.test_pages import csrf_of
from veche.domain.enums import CommentStatus, QuoteSource, Role
from veche.domain.moderation import Action
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft, QuoteRequest
from veche.service.moderation import Moderation
from veche.service.runtime import Viewer
from veche.service.threads import FEATURED_LIMIT, Threads
from veche.store.models import Comment
from veche.web.views import EVERYONE


def viewer(world: World, handle: str, **kw: Unpack[NewUser]) -> Viewer:
    _uid, token = world.user(handle, **kw)
    user = Accounts(world.rt).resolve(token)
    assert user is not None
    return Viewer(user=user, ip="127.0.0.1", token=token)


def post(world: World, who: Viewer, body: str, parent: int | None = None, **kw: Any) -> int:
    comment, _created = Comments(world.rt).create(world.story.id, Draft(body, parent, **kw), who)
    return comment.id


def picks(world: World) -> list[int]:
    return [c.id for c in Threads(world.rt).featured(world.story, EVERYONE).comments]


@pytest.fixture
def maria(world: World) -> Viewer:
    return viewer(world, "maria", role=Role.moderator)


def test_published_picks_most_recently_featured_first(world: World, maria: Viewer) -> None:
    alice = viewer(world, "alice")
    a = post(world, alice, "The bridge plan ignores the ferry.")
    b = post(world, alice, "Tolls would pay for it within ten years.")
    quote = QuoteRequest(QuoteSource.comment, "Tolls would pay for it", b)
    c = post(world, alice, "Not at these traffic figures.", a, quote=quote)
    d = post(world, alice, "Never featured.")
    mod = Moderation(world.rt)
    threads = Threads(world.rt)
    assert picks(world) == [] and threads.featured_count(world.story) == 0
    for pick in (a, c, b):
        mod.feature(pick, True, maria)
    assert picks(world) == [b, c, a]  # by when featured, not by place in the thread
    listed = threads.featured(world.story, EVERYONE)
    assert listed.quoted.keys() == {b} and not listed.more  # the reply quotes b: its label
    assert threads.featured_count(world.story) == 3
    mod.feature(a, True, maria)  # featuring again changes nothing, nor the order
    assert picks(world) == [b, c, a]
    mod.feature(a, False, maria)
    mod.decide(b, Action.remove, maria, reason="Spam")
    assert picks(world) == [c] and threads.featured_count(world.story) == 1
    mod.decide(b, Action.restore, maria)  # the pick comes back with the comment
    assert picks(world) == [b, c]
    Comments(world.rt).delete(c, alice)
    assert picks(world) == [b] and d not in picks(world)


def test_the_list_is_bounded_and_one_range_scan(client: TestClient, world: World) -> None:
    made = bulk.build(world, [*bulk.fan(70, 2), Node([], CommentStatus.removed)])
    bulk.build(world, bulk.fan(200, 9), story_id=world.other_story().id)
    tops = [i for i, p, _s in made if len(p) == 5]
    start = dt.datetime(2026, 11, 27, 8, tzinfo=dt.UTC)
    with world.rt.db.session() as s:  # 60 picks: the newest is the removed one, then a reply
        for n, comment_id in enumerate([*tops[:59], made[1][0], tops[-1]]):
            s.execute(
                update(Comment)
                .where(Comment.id == comment_id)
                .values(featured_at=start + dt.timedelta(minutes=n))
            )
        s.execute(
            update(Comment).where(Comment.story_id != world.story.id).values(featured_at=start)
        )
    vacuum(world.rt)
    threads = Threads(world.rt)
    with reads(world.rt) as seen:
        listed = threads.featured(world.story, EVERYONE)
    ids = [c.id for c in listed.comments]
    assert len(ids) == FEATURED_LIMIT and listed.more
    assert ids[:2] == [made[1][0], tops[58]] and tops[-1] not in ids
    when = [c.featured_at for c in listed.comments if c.featured_at is not None]
    assert len(when) == len(ids) and when == sorted(when, reverse=True)
    assert all(c.status is CommentStatus.visible for c in listed.comments)
    assert len(seen.selects) == 1, seen.selects
    assert seen.comments <= FEATURED_LIMIT + 1
    assert_index_plans(world.rt, seen.selects, FEATURED_LIMIT + 2)
    with reads(world.rt) as seen:
        assert threads.featured_count(world.story) == FEATURED_LIMIT + 1
    assert len(seen.selects) == 1 and seen.comments == 0
    assert_index_plans(world.rt, seen.selects, FEATURED_LIMIT + 2)
    html = client.get(f"/stories/{world.story.id}").text
    assert f'Featured (<span class="featured-count">{FEATURED_LIMIT}+</span>)' in html
    r = client.get(f"/api/v1/stories/{world.story.id}/featured").json()
    assert len(r["comments"]) == FEATURED_LIMIT and r["more"] is True


def tabs(html: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="tabs".*?</nav>', html, re.DOTALL)
    if nav is None:
        return []
    links = re.findall(r'<a href="([^"]+)" data-tab="\w+"[^>]*>(.*?)</a>', nav.group(0))
    return [(href, re.sub(r"<[^>]+>", "", label)) for href, label in links]


def test_the_tab_without_javascript(client: TestClient, world: World, maria: Viewer) -> None:
    alice = viewer(world, "alice")
    first = post(world, alice, "The council should publish the contract.")
    second = post(world, alice, "It did, on page nine.", first)
    other = post(world, alice, "Nobody reads page nine.")
    story = f"/stories/{world.story.id}"
    html = client.get(story).text
    assert tabs(html) == [] and 'data-tab="all"' in html  # nothing featured: no tab bar
    tag = client.get(story).headers["etag"]

    Moderation(world.rt).feature(second, True, maria)
    Moderation(world.rt).feature(other, True, maria)
    page = client.get(story, headers={"If-None-Match": tag})
    assert page.status_code == 200  # a feature is a new version of the thread
    assert tabs(page.text) == [
        (f"{story}#discussion", "All comments"),
        (f"{story}?tab=featured#discussion", "Featured (2)"),
    ]
    assert 'aria-current="page">All comments' in page.text

    featured = client.get(f"{story}?tab=featured")
    assert featured.status_code == 200
    assert featured.headers["cache-control"].startswith("public")
    assert featured.headers["etag"] != page.headers["etag"]
    body = featured.text
    assert re.search(r'<section [^>]*data-tab="featured"', body)  # for veche.js
    assert 'aria-current="page">Featured' in body and 'class="sort"' not in body
    listed = [int(x) for x in re.findall(r'data-comment-id="(\d+)"', body)]
    assert listed == [other, second]  # most recently featured first, the reply flat
    assert body.count("Featured by the editors") == 2
    for pick in listed:  # each with its place in the thread
        assert f'<a href="{story}/comments/{pick}#c{pick}">See it in the thread</a>' in body
    assert "publish the contract" not in body
    again = client.get(f"{story}?tab=featured", headers={"If-None-Match": featured.headers["etag"]})
    assert again.status_code == 304
    # Sort and paging do not apply to the list: the same body, whatever they say.
    same = client.get(f"{story}?tab=featured&sort=newest&after=00001")
    assert same.text == body

    Moderation(world.rt).decide(other, Action.remove, maria, reason="Spam")
    body = client.get(f"{story}?tab=featured").text
    assert [int(x) for x in re.findall(r'data-comment-id="(\d+)"', body)] == [second]
    assert "Featured (1)" in tabs(body)[1][1]
    Moderation(world.rt).feature(second, False, maria)
    body = client.get(f"{story}?tab=featured").text
    assert "No featured comments." in body and 'data-comment-id="' not in body
    assert tabs(body) == [(f"{story}#discussion", "All comments")]
    assert tabs(client.get(story).text) == []
    assert client.get(f"{story}?tab=best").status_code == 422


def test_a_moderator_without_javascript_can_unfeature_from_the_tab(
    client: TestClient, world: World, maria: Viewer
) -> None:
    alice = viewer(world, "alice")
    pick = post(world, alice, "A careful comment about the budget.")
    Moderation(world.rt).feature(pick, True, maria)
    login = client.get("/signin")
    r = client.post(
        "/signin", follow_redirects=False,
        data={"login": "maria", "password": PASSWORD, "csrf": csrf_of(login.text), "next": "/"},
    )  # fmt: skip
    assert r.status_code == 303
    page = client.get(f"/stories/{world.story.id}?tab=featured")
    assert page.headers["cache-control"] == "private, no-cache"
    assert f"/comments/{pick}/feature" in page.text and "Unfeature" in page.text
    r = client.post(
        f"/comments/{pick}/feature", follow_redirects=False,
        data={"csrf": csrf_of(page.text), "featured": "false"},
    )  # fmt: skip
    assert r.status_code == 303
    assert picks(world) == []


def test_the_embed_fragment(client: TestClient, world: World, maria: Viewer) -> None:
    alice = viewer(world, "alice")
    plain = post(world, alice, "First thoughts on the storm.")
    pick = post(world, alice, "The warming centre saved lives.")
    Moderation(world.rt).feature(pick, True, maria)
    url = world.story.url
    everything = client.get("/fragments/thread", params={"url": url}).text
    # Links in the embed point at veche's hosted pages (the base URL); veche.js loads
    # the tab in place instead.
    assert tabs(everything)[1] == (
        f"https://veche.test/stories/{world.story.id}?tab=featured#discussion",
        "Featured (1)",
    )
    r = client.get("/fragments/thread", params={"url": url, "tab": "featured"})
    assert r.status_code == 200 and r.headers["etag"]
    assert [int(x) for x in re.findall(r'data-comment-id="(\d+)"', r.text)] == [pick]
    assert f'data-comment-id="{plain}"' not in r.text
    assert 'data-tab="featured"' in r.text and "<!--veche:slot-->" in r.text
    by_id = client.get("/fragments/thread", params={"story": world.story.id, "tab": "featured"})
    assert by_id.text == r.text
    # "Load more" pages of the thread carry no tab bar and count nothing.
    with reads(world.rt) as seen:
        more = client.get("/fragments/thread", params={"story": world.story.id, "after": "00001"})
    assert more.status_code == 200 and 'class="tabs"' not in more.text
    assert not [q for q, _p in seen.selects if "featured_at IS NOT NULL" in q]


def test_the_json_list(client: TestClient, world: World, maria: Viewer) -> None:
    _uid, token = world.user("alice")
    made = [
        client.post(
            f"/api/v1/stories/{world.story.id}/comments", json={"body": f"Point {n}."},
            headers=bearer(token),
        ).json()["id"]
        for n in range(3)
    ]  # fmt: skip
    mod = maria.token
    assert mod is not None
    for pick in (made[2], made[0]):
        r = client.post(f"/api/v1/comments/{pick}/feature", json={"featured": True},
                        headers=bearer(mod))  # fmt: skip
        assert r.status_code == 200
    url = f"/api/v1/stories/{world.story.id}/featured"
    r = client.get(url)
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
    data = r.json()
    assert data["story"]["id"] == world.story.id
    assert data["limit"] == FEATURED_LIMIT and data["more"] is False
    assert [c["id"] for c in data["comments"]] == [made[0], made[2]]
    first = data["comments"][0]
    assert first["featured"] is True and first["replies"] == []
    assert first["body_html"] == "<p>Point 0.</p>\n"
    assert first["href"] == f"/api/v1/stories/{world.story.id}/comments/{made[0]}"
    assert (
        first["page_url"]
        == f"https://veche.test/stories/{world.story.id}/comments/{made[0]}#c{made[0]}"
    )
    assert first["can_edit"] is False and first["can_delete"] is False  # a shared body
    assert dt.datetime.fromisoformat(first["featured_at"]) > dt.datetime.fromisoformat(
        data["comments"][1]["featured_at"]
    )
    assert client.get(url, headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    client.post(f"/api/v1/comments/{made[0]}/feature", json={"featured": False},
                headers=bearer(mod))  # fmt: skip
    after = client.get(url, headers={"If-None-Match": r.headers["etag"]})
    assert after.status_code == 200
    assert [c["id"] for c in after.json()["comments"]] == [made[2]]
    assert client.get("/api/v1/stories/999999/featured").status_code == 404

    spec = client.get("/api/v1/openapi.json").json()
    op = spec["paths"]["/api/v1/stories/{story_id}/featured"]["get"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/FeaturedOut"}
    out = spec["components"]["schemas"]["FeaturedCommentOut"]["properties"]
    assert {"featured_at", "href", "page_url"} <= out.keys()
