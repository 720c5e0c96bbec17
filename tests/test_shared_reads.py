"""The shared half of a thread is the same bytes for everyone, versioned and cacheable; the
overlay is each viewer's half and grants exactly what the policy grants."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import World, bearer
from tests.test_pages import sign_in
from veche.domain.enums import Role
from veche.service import policy
from veche.service.accounts import Accounts
from veche.service.runtime import Viewer
from veche.service.stories import SiteSettings, Stories
from veche.store.models import Comment, Story
from veche.web.app import create_app
from veche.web.cache import PageCache

TOKENS = re.compile(r'name="(csrf|idempotency_key)" value="[^"]+"')


def shared_urls(world: World) -> list[str]:
    s = world.story.id
    return [
        f"/api/v1/stories/{s}/comments",
        f"/api/v1/stories/{s}/comments?sort=newest",
        f"/fragments/thread?story={s}",
        f"/stories/{s}",
    ]


def post(client: TestClient, world: World, token: str, body: str, **kw: object) -> int:
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": body, **kw},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_an_unchanged_thread_answers_304_and_a_new_comment_a_new_etag(
    client: TestClient, world: World
) -> None:
    _a, ann = world.user("ann")
    first = post(client, world, ann, "First.")
    post(client, world, ann, "Under it.", parent_id=first)
    for url in shared_urls(world):
        r = client.get(url)
        assert r.status_code == 200
        etag = r.headers["etag"]
        assert re.fullmatch(rf'"s{world.story.id}-v2-[0-9a-f]{{16}}(-(br|gzip|zstd))?"', etag), etag
        assert r.headers["cache-control"] == "public, max-age=10, stale-while-revalidate=30"
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
    tags = {url: client.get(url).headers["etag"] for url in shared_urls(world)}
    post(client, world, ann, "A second thought.")
    for url in shared_urls(world):
        r = client.get(url, headers={"If-None-Match": tags[url]})
        assert r.status_code == 200 and r.headers["etag"] != tags[url]
        assert "-v3-" in r.headers["etag"]
        assert "A second thought." in r.text


def test_the_shared_body_is_the_same_bytes_for_every_viewer(
    world: World, client: TestClient
) -> None:
    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True))
    _a, ann = world.user("ann", display_name="Ann A")
    _b, bob = world.user("bob")
    _m, mod = world.user("mod", role=Role.moderator)
    first = post(client, world, ann, "Ann's words.")
    post(client, world, bob, "Bob's answer.", parent_id=first)
    for url in shared_urls(world)[:3]:
        bodies = {
            who: client.get(url, headers=bearer(token) if token else {}).content
            for who, token in (("nobody", None), ("ann", ann), ("bob", bob), ("mod", mod))
        }
        assert len(set(bodies.values())) == 1, url
        body = bodies["nobody"].decode()
        assert not TOKENS.search(body)
        assert "Commenting as" not in body and "Signed in as" not in body
        assert '"can_edit":true' not in body and 'data-action="edit"' not in body
    # Two anonymous readers (different cookies) get the very same hosted page, and no cookie.
    url = f"/stories/{world.story.id}"
    with TestClient(create_app(world.rt.config, world.rt), base_url="https://veche.test") as other:
        other.cookies.set("veche_anon", "someone-else-entirely-0001")
        one, two = client.get(url), other.get(url)
    assert one.content == two.content
    assert "set-cookie" not in one.headers and "set-cookie" not in two.headers
    assert not TOKENS.search(one.text)
    assert "Cookie" in one.headers["vary"]
    # Signed in, the same body comes back private and must be revalidated.
    r = client.get(f"/api/v1/stories/{world.story.id}/comments", headers=bearer(ann))
    assert r.headers["cache-control"] == "private, no-cache" and r.headers["etag"]


def test_a_signed_in_page_is_composed_privately_with_the_viewer_s_half(
    client: TestClient, world: World
) -> None:
    sign_in(client, world, "ann")
    ann_token = Accounts(world.rt).sign_in("ann", "correct horse battery", ip="127.0.0.1")[1]
    mine = post(client, world, ann_token, "Mine.")
    _b, bob = world.user("bob")
    theirs = post(client, world, bob, "Theirs.")
    r = client.get(f"/stories/{world.story.id}")
    assert r.headers["cache-control"] == "private, no-cache" and "etag" not in r.headers
    assert 'Commenting as <strong class="handle">ann</strong>' in r.text
    assert TOKENS.search(r.text)  # a working form, without JavaScript
    assert f'action="/comments/{mine}/delete"' in r.text
    assert f'action="/comments/{theirs}/delete"' not in r.text


def test_the_overlay_grants_exactly_what_the_policy_grants(
    client: TestClient, world: World
) -> None:
    _a, ann = world.user("ann")
    _b, bob = world.user("bob")
    _m, mod = world.user("mod", role=Role.moderator)
    ids = [post(client, world, ann, "One."), post(client, world, bob, "Two.")]
    ids.append(post(client, world, ann, "Three.", parent_id=ids[1]))
    client.delete(f"/api/v1/comments/{ids[0]}", headers=bearer(ann))
    ids.append(999_999)  # not in this story: nothing to grant
    url = f"/api/v1/stories/{world.story.id}/overlay?ids=" + ",".join(map(str, ids))
    now = world.rt.clock()
    with world.rt.db.session(write=False) as s:
        rows = {c.id: c for c in s.scalars(select(Comment).where(Comment.id.in_(ids))).unique()}
        story_row = s.get(Story, world.story.id)
        assert story_row is not None
    granted: dict[str | None, list[int]] = {}
    for token in (ann, bob, mod, None):
        r = client.get(url, headers=bearer(token) if token else {})
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        body = r.json()
        user = Accounts(world.rt).resolve(token) if token else None
        who = Viewer(user, "127.0.0.1")
        expected = {}
        for cid, c in rows.items():
            names = [
                n for n, ok in (
                    ("edit", policy.can_edit(c, story_row, who, now)),
                    ("delete", policy.can_delete(c, who)),
                    ("remove", policy.can_remove(c, who)),
                    ("moderate", policy.is_moderator(who)),
                ) if ok
            ]  # fmt: skip
            if names:
                expected[str(cid)] = names
        assert body["grants"] == expected
        granted[token] = sorted(int(k) for k in expected)
        assert body["can_comment"] is policy.can_comment(story_row, who)
        assert (body["viewer"] or {}).get("handle") == (user.handle if user else None)
        assert body["csrf"] is None  # a bearer token needs none
        assert len(body["idempotency_key"]) >= 16
    # Fresh keys every time; the HTML overlay carries the same grants as controls.
    keys = {client.get(url, headers=bearer(ann)).json()["idempotency_key"] for _ in range(3)}
    assert len(keys) == 3
    html = client.get(
        f"/fragments/overlay?story={world.story.id}&ids=" + ",".join(map(str, ids)),
        headers=bearer(mod),
    ).text
    assert sorted(int(x) for x in re.findall(r'data-controls="(\d+)"', html)) == granted[mod]
    assert granted[mod] == sorted(ids[:3]) and granted[None] == []


def test_page_cache_is_an_lru_bounded_by_bytes() -> None:
    now = [0.0]
    cache = PageCache(100, ttl=60, clock=lambda: now[0])
    a = cache.put((1, 1, "page", ()), b"a" * 40, "text/html")
    cache.put((1, 2, "page", ()), b"b" * 40, "text/html")
    assert cache.get((1, 1, "page", ())) == a  # now the most recent
    cache.put((2, 1, "page", ()), b"c" * 40, "text/html")  # evicts (1, 2), the least recent
    assert cache.get((1, 2, "page", ())) is None
    assert cache.size == 80 and len(cache) == 2
    cache.put((3, 1, "page", ()), b"x" * 101, "text/html")  # larger than everything: not kept
    assert len(cache) == 2
    assert cache.invalidate_story(1) == 1 and cache.get((1, 1, "page", ())) is None
    assert cache.size == 40
    now[0] = 61.0  # past the time-to-live: presence would be stale
    assert cache.get((2, 1, "page", ())) is None and cache.size == 0
    same = cache.put((4, 1, "page", ()), b"z", "text/html")
    assert same.etag == cache.put((4, 1, "page", ()), b"z", "text/html").etag
    assert same.etag != cache.put((4, 1, "page", ()), b"y", "text/html").etag


def test_an_anonymous_reader_without_javascript_can_still_post(
    client: TestClient, world: World
) -> None:
    """The shared page has no token; the first post is refused with the text kept and a
    working form, the second goes through."""
    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True))
    page = client.get(f"/stories/{world.story.id}").text
    assert 'name="csrf" value=""' in page and 'name="idempotency_key" value=""' in page
    form = {"body": "A guest's view.", "csrf": "", "idempotency_key": ""}
    refused = client.post(f"/stories/{world.story.id}/comments", data=form)
    assert refused.status_code == 403 and "A guest&#39;s view." in refused.text
    token = re.search(r'name="csrf" value="([^"]+)"', refused.text)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', refused.text)
    assert token is not None and key is not None
    form.update(csrf=token.group(1), idempotency_key=key.group(1))
    r = client.post(f"/stories/{world.story.id}/comments", data=form, follow_redirects=False)
    assert r.status_code == 303
