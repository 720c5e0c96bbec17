"""Edges found in review: ids out of range, impersonation, forged forwarding, stale retries."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import ORIGIN, World, bearer, with_config
from veche.domain import validation
from veche.domain.enums import Role
from veche.domain.errors import InvalidInput
from veche.domain.markup import render_markdown
from veche.service.stories import SiteSettings, Stories
from veche.web.app import create_app

BIG = 2**31


def test_ids_out_of_range_are_422_not_500(client: TestClient, world: World) -> None:
    _u, token = world.user("ann")
    for path in (
        f"/api/v1/comments/{BIG}",
        f"/api/v1/stories/{BIG}/comments",
        f"/stories/{BIG}",
        f"/fragments/comments/{BIG}",
        f"/fragments/thread?story={BIG}",
        f"/stories/{world.story.id}?reply={10**30}",
    ):
        assert client.get(path).status_code == 422, path
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "x", "parent_id": BIG},
        headers=bearer(token),
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "parent_id"
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "x", "quote": {"source": "comment", "comment_id": BIG, "text": "x"}},
        headers=bearer(token),
    )
    assert r.status_code == 422


def test_guests_cannot_take_a_members_name(client: TestClient, world: World) -> None:
    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True))
    world.user("Denis Z")
    url = f"/api/v1/stories/{world.story.id}/comments"
    r = client.post(url, json={"body": "I am Denis", "guest_name": "denis z"})
    assert r.status_code == 409
    assert "belongs to a member" in r.json()["error"]["message"]
    ok = client.post(url, json={"body": "Just a visitor", "guest_name": "Visitor"})
    assert ok.status_code == 201
    assert ok.json()["author"] == {
        "handle": "Visitor", "display_name": None, "guest": True, "online": False, "role": None,
    }  # fmt: skip
    assert (
        '<span class="presence guest">guest</span>' in client.get(f"/stories/{world.story.id}").text
    )


def test_forwarded_for_uses_the_hop_our_proxy_added(client: TestClient, world: World) -> None:
    proxied = with_config(world.rt, trust_proxy_headers=True, rate_limit_auth="2/minute")
    with TestClient(create_app(proxied.config, proxied), base_url="https://veche.test") as c:
        codes = []
        for i in range(4):
            r = c.post(
                "/api/v1/auth/signin",
                json={"login": "nobody", "password": "wrong password"},
                headers={"X-Forwarded-For": f"10.0.0.{i}, 203.0.113.9"},
            )
            codes.append(r.status_code)
    assert codes == [401, 401, 429, 429]


def test_a_changed_draft_is_not_swallowed_by_its_old_key(client: TestClient, world: World) -> None:
    _u, token = world.user("ann")
    url = f"/api/v1/stories/{world.story.id}/comments"
    first = client.post(url, json={"body": "Version one", "idempotency_key": "draft-key-1"},
                        headers=bearer(token))  # fmt: skip
    assert first.status_code == 201
    same = client.post(url, json={"body": "Version one\r\n", "idempotency_key": "draft-key-1"},
                       headers=bearer(token))  # fmt: skip
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    changed = client.post(url, json={"body": "Version two", "idempotency_key": "draft-key-1"},
                          headers=bearer(token))  # fmt: skip
    assert changed.status_code == 409
    assert "earlier version" in changed.json()["error"]["message"]
    thread = client.get(url).json()
    assert [c["body_html"] for c in thread["comments"]] == ["<p>Version one</p>\n"]


def test_removed_source_hides_the_quoted_words(client: TestClient, world: World) -> None:
    _u, rude = world.user("rude")
    _m, mod = world.user("mod", role=Role.moderator)
    url = f"/api/v1/stories/{world.story.id}/comments"
    bad = client.post(url, json={"body": "Something abusive"}, headers=bearer(rude)).json()
    quote = {"source": "comment", "comment_id": bad["id"], "text": "Something abusive"}
    q = client.post(url, json={"body": "Look at this", "quote": quote}, headers=bearer(mod)).json()
    assert (
        client.post(
            f"/api/v1/comments/{bad['id']}/remove", json={"reason": "Spam"}, headers=bearer(mod)
        ).status_code
        == 200
    )
    shown = client.get(f"/api/v1/comments/{q['id']}").json()["comment"]["quote"]
    assert shown["state"] == "source_deleted" and shown["text"] is None
    page = client.get(f"/stories/{world.story.id}").text
    assert "Something abusive" not in page
    assert "The quoted comment was removed by a moderator." in page


def test_links_must_be_absolute() -> None:
    html = render_markdown("[a](/relative) [b](//evil.example/x) [c](https://ok.example/)")
    assert 'href="https://ok.example/"' in html
    assert 'href="//evil.example/x"' not in html and 'href="/relative"' not in html


def test_story_urls_lose_tracking_tags_and_stay_in_bounds() -> None:
    url = validation.http_url(f"{ORIGIN}/a?id=7&utm_source=x&fbclid=y")
    assert url == f"{ORIGIN}/a?id=7"
    long = ORIGIN + "?" + "a" * (2048 - len(ORIGIN) - 1)
    try:
        validation.http_url(long)
    except InvalidInput as exc:
        assert "too long" in exc.message
    else:
        raise AssertionError("a URL that grows past 2048 characters was accepted")
    try:
        validation.handle("\ufdfa\ufdfa\ufdfa")
    except InvalidInput as exc:
        assert exc.field == "handle"
    else:
        raise AssertionError("a handle whose key overflows was accepted")


def test_embed_story_creation_is_rate_limited(client: TestClient, world: World) -> None:
    limited = with_config(world.rt, rate_limit_writes="2/minute")
    with TestClient(create_app(limited.config, limited), base_url="https://veche.test") as c:
        codes = [
            c.post(
                "/api/v1/threads", json={"url": f"{ORIGIN}/page-{i}"}, headers={"Origin": ORIGIN}
            ).status_code
            for i in range(3)
        ]
        assert codes == [201, 201, 429]
        assert c.get(f"/api/v1/threads?url={ORIGIN}/page-0").status_code == 200
    index = client.get("/").text
    assert "page-0" not in index and "Storm cuts the coast road" in index
