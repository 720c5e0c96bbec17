"""Server-rendered pages and no-JavaScript forms, on both engines."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import ORIGIN, PASSWORD, World, bearer, with_config
from veche.service.comments import Comments, Draft
from veche.service.runtime import Viewer
from veche.web.app import create_app


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, world: World, handle: str) -> None:
    world.user(handle)
    sign_in_as(client, handle)


def sign_in_as(client: TestClient, handle: str) -> None:
    """Through the sign-in form, as an existing member, with its CSRF token."""
    page = client.get("/signin")
    r = client.post(
        "/signin",
        data={"login": handle, "password": PASSWORD, "csrf": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_story_page_shows_article_numbered_thread_and_placeholder(
    client: TestClient, world: World
) -> None:
    _uid, token = world.user("Denis Z", display_name="Denis Zarins")
    url = f"/api/v1/stories/{world.story.id}/comments"
    first = client.post(url, json={"body": "First"}, headers=bearer(token)).json()
    client.post(url, json={"body": "Second"}, headers=bearer(token))
    client.post(url, json={"body": "Under first", "parent_id": first["id"]}, headers=bearer(token))
    client.delete(f"/api/v1/comments/{first['id']}", headers=bearer(token))

    html = client.get(f"/stories/{world.story.id}").text
    assert '<h1 class="headline">Storm cuts the coast road</h1>' in html
    assert "warming centre" in html
    assert "Dear reader, to leave comments on the publication, you must" in html
    numbers = re.findall(r'data-number="([\d.]+)"', html)
    assert numbers == ["1", "1.1", "2"]
    assert html.count("The comment was deleted.") == 1
    assert "Under first" in html and "First</p>" not in html
    assert '<span class="real-name">(Denis Zarins)</span>' in html
    assert '<span class="presence online" data-handle="Denis Z">Online</span>' in html


def test_form_post_error_keeps_the_text_and_success_redirects(
    client: TestClient, world: World
) -> None:
    sign_in(client, world, "ann")
    page = client.get(f"/stories/{world.story.id}")
    data = {"csrf": csrf_of(page.text), "idempotency_key": "form-key-0001", "body": "x" * 6000}
    r = client.post(f"/stories/{world.story.id}/comments", data=data, follow_redirects=False)
    assert r.status_code == 422
    assert "the limit is 5000" in r.text
    assert "x" * 6000 in r.text  # what they typed is still in the box

    data["body"] = "A fine comment"
    r = client.post(f"/stories/{world.story.id}/comments", data=data, follow_redirects=False)
    assert r.status_code == 303
    assert re.fullmatch(rf"/stories/{world.story.id}/comments/(\d+)#c\1", r.headers["location"])
    again = client.post(f"/stories/{world.story.id}/comments", data=data, follow_redirects=False)
    assert again.headers["location"] == r.headers["location"]  # a resubmit is not a second post
    assert client.get(f"/stories/{world.story.id}").text.count("A fine comment") == 1


def test_reply_and_quote_links_render_forms_without_javascript(
    client: TestClient, world: World
) -> None:
    sign_in(client, world, "ann")
    _u, token = world.user("Rogalex")
    made = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "Quote me **if** you can"},
        headers=bearer(token),
    ).json()
    html = client.get(f"/stories/{world.story.id}?reply={made['id']}&quote={made['id']}").text
    assert f'name="parent_id" value="{made["id"]}"' in html
    assert 'name="quote_text" value="Quote me if you can"' in html
    assert "<header>Quote: Rogalex</header>" in html
    assert client.get(f"/stories/{world.story.id}?reply=999999").status_code == 404
    assert client.get(f"/stories/{world.story.id}?reply=99999999999").status_code == 422


def test_form_rate_limit_answers_429_with_retry_after(client: TestClient, world: World) -> None:
    limited = with_config(world.rt, rate_limit_auth="1/minute")
    with TestClient(create_app(limited.config, limited), base_url="https://veche.test") as c:
        token = csrf_of(c.get("/signin").text)
        form = {"login": "nobody", "password": "wrong password", "csrf": token}
        assert c.post("/signin", data=form).status_code == 401
        r = c.post("/signin", data=form)
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) > 0
        assert "Too many attempts" in r.text


def test_cors_and_framing_follow_the_allowed_origins(client: TestClient, world: World) -> None:
    pre = client.options(
        "/api/v1/threads",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    evil = client.options(
        "/api/v1/threads",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert evil.status_code == 403
    assert "Access-Control-Allow-Origin" not in evil.headers
    got = client.get(f"/fragments/thread?story={world.story.id}", headers={"Origin": ORIGIN})
    assert got.headers["Access-Control-Allow-Origin"] == ORIGIN
    embed = client.get(f"/embed/discussion?url={world.story.url}")
    assert f"frame-ancestors 'self' {ORIGIN}" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    story = client.get(f"/stories/{world.story.id}")
    assert story.headers["X-Frame-Options"] == "SAMEORIGIN"
    js = client.get("/embed.js")
    assert js.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in js.text


def test_load_more_fragment_continues_the_thread(client: TestClient, world: World) -> None:
    from veche.service.stories import SiteSettings, Stories

    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True))
    comments = Comments(world.rt)
    for i in range(25):
        last, _ = comments.create(
            world.story.id, Draft(f"Guest note {i}"), Viewer(None, "192.0.2.1")
        )
    # Replying without JavaScript to a comment that is not on the first page still works.
    reply_page = client.get(f"/stories/{world.story.id}?reply={last.id}").text
    assert f'name="parent_id" value="{last.id}"' in reply_page
    first = client.get(f"/stories/{world.story.id}").text
    cursor = re.search(r'data-after="([0-9a-z]+)"', first)
    assert cursor is not None
    more = client.get(f"/fragments/thread?story={world.story.id}&after={cursor.group(1)}").text
    assert re.findall(r'data-number="(\d+)"', more) == [str(n) for n in range(21, 26)]
    assert "load-more" not in more
    bad = client.get(f"/fragments/thread?story={world.story.id}&after=../x")
    assert bad.status_code == 422
