"""The JSON API for comments, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import ORIGIN, PASSWORD, World, bearer, error, with_config
from veche.domain.enums import Role
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories
from veche.store.models import CommentRevision
from veche.web.app import create_app

DENIS = "It is interesting that our runaways from mobilization."
ALTERED = "It is interesting that with e .. Scarlet among our beggars"
STORM = "The council opened the sports hall as a warming centre.\n\nPower returned on Monday."


def url(world: World) -> str:
    return f"/api/v1/stories/{world.story.id}/comments"


def post(client: TestClient, world: World, token: str | None, body: str, **kw: Any) -> Any:
    headers = bearer(token) if token else {}
    return client.post(url(world), json={"body": body, **kw}, headers=headers)


def created(client: TestClient, world: World, token: str | None, body: str, **kw: Any) -> Any:
    r = post(client, world, token, body, **kw)
    assert r.status_code == 201, r.text
    return r.json()


def test_create_reply_and_quote_a_comment(client: TestClient, world: World) -> None:
    _d, denis = world.user("Denis Z", display_name="Denis Z")
    _g, guest = world.user("Gosha")
    top = created(client, world, denis, DENIS)
    assert top["number"] == [1] and top["author"]["handle"] == "Denis Z"
    assert top["body_html"] == f"<p>{DENIS}</p>\n" and top["can_edit"] is True
    reply = created(client, world, guest, "Where to?", parent_id=top["id"])
    assert (reply["number"], reply["parent_id"], reply["depth"]) == ([1, 1], top["id"], 1)
    alt = created(
        client, world, guest, "So it's almost certain.", parent_id=top["id"],
        quote={"source": "comment", "comment_id": top["id"], "text": ALTERED},
    )  # fmt: skip
    assert alt["quote"]["state"] == "altered"
    assert alt["quote"]["label"] == "Quote: Denis Z"
    assert alt["quote"]["comment_id"] == top["id"]
    assert alt["quote"]["href"] == f"/stories/{world.story.id}/comments/{top['id']}#c{top['id']}"
    ok = created(
        client, world, guest, "Indeed.",
        quote={"source": "comment", "comment_id": top["id"], "text": "our  runaways\nfrom mobilization"},
    )  # fmt: skip
    assert (ok["quote"]["state"], ok["quote"]["text"]) == (
        "verified",
        "our runaways from mobilization",
    )
    # Four of Denis's eight words.
    assert (ok["quote"]["coverage"], ok["quote"]["state_label"]) == (
        50,
        "verified · 50% of the comment",
    )
    assert (alt["quote"]["coverage"], alt["quote"]["placeholder"]) == (None, None)
    thread = client.get(url(world)).json()
    assert [c["number"] for c in thread["comments"]] == [[1], [2]]
    assert [r["number"] for r in thread["comments"][0]["replies"]] == [[1, 1], [1, 2]]
    assert thread["story"]["comment_count"] == 4


def test_quote_of_the_story(client: TestClient, world: World) -> None:
    _u, token = world.user("ann")
    q = {"source": "story", "text": "opened the sports hall as a warming centre"}
    c = created(client, world, token, "Good.", quote=q)
    assert c["quote"]["source"] == "story" and c["quote"]["state"] == "verified"
    assert c["quote"]["label"] == "Storm cuts the coast road"
    assert c["quote"]["state_label"] == "verified · 57% of the story"  # 8 of its 14 words
    bad = created(client, world, token, "Hm.", quote={"source": "story", "text": "closed the hall"})
    assert bad["quote"]["state"] == "altered"
    Stories(world.rt).update_content(world.story.id, body="Power returned on Monday.")
    quotes = [c["quote"] for c in client.get(url(world)).json()["comments"]]
    # The story changed under a faithful quote: that is not the quoter's doing.
    assert [(q["state"], q["state_label"], q["coverage"]) for q in quotes] == [
        ("source_edited", "source edited since", None),
        ("altered", "altered — not what the source says", None),
    ]
    Stories(world.rt).update_content(world.story.id, body=STORM)
    states = [c["quote"]["state"] for c in client.get(url(world)).json()["comments"]]
    assert states == ["verified", "altered"]


def test_quote_state_follows_its_source(client: TestClient, world: World) -> None:
    _d, denis = world.user("Denis Z")
    _g, guest = world.user("Gosha")
    top = created(client, world, denis, DENIS)
    q = created(
        client,
        world,
        guest,
        "Yes.",
        quote={"source": "comment", "comment_id": top["id"], "text": DENIS},
    )
    assert q["quote"]["state"] == "verified"
    r = client.patch(
        f"/api/v1/comments/{top['id']}", json={"body": "I changed my mind."}, headers=bearer(denis)
    )
    assert r.status_code == 200, r.text
    # Denis edited after being quoted: the quote is not made a forgery by that.
    quote = client.get(f"/api/v1/comments/{q['id']}").json()["comment"]["quote"]
    assert (quote["state"], quote["state_label"], quote["text"]) == (
        "source_edited",
        "source edited since",
        DENIS,
    )
    r = client.patch(f"/api/v1/comments/{top['id']}", json={"body": DENIS}, headers=bearer(denis))
    quote = client.get(f"/api/v1/comments/{q['id']}").json()["comment"]["quote"]
    assert (quote["state"], quote["coverage"]) == ("verified", 100)
    assert client.delete(f"/api/v1/comments/{top['id']}", headers=bearer(denis)).status_code == 200
    quote = client.get(f"/api/v1/comments/{q['id']}").json()["comment"]["quote"]
    assert (quote["state"], quote["label"]) == ("source_deleted", "Quote: deleted comment")
    # Its author took the words back: they are not shown, and the label says who did.
    assert (quote["text"], quote["state_label"], quote["placeholder"], quote["coverage"]) == (
        None,
        "source deleted by its author",
        "The quoted comment was deleted by its author.",
        None,
    )
    page = client.get(f"/stories/{world.story.id}").text
    assert "our runaways" not in page and "The quoted comment was deleted by its author." in page
    err = error(
        post(client, world, guest, "x", quote={"source": "comment", "comment_id": top["id"], "text": "I"}),
        409, "conflict",
    )  # fmt: skip
    assert err["field"] == "quote"


def test_edit_within_the_window_and_not_after(
    client: TestClient, rt: Runtime, world: World
) -> None:
    _u, token = world.user("ann")
    c = created(client, world, token, "Frist!")
    r = client.patch(f"/api/v1/comments/{c['id']}", json={"body": "First!"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.json()["body_html"] == "<p>First!</p>\n" and r.json()["edited_at"] is not None
    assert r.json()["number"] == [1]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
    rt.clock = lambda: later
    r = client.patch(f"/api/v1/comments/{c['id']}", json={"body": "Third!"}, headers=bearer(token))
    err = error(r, 403, "forbidden")
    assert "15 minutes" in err["message"]
    shown = client.get(f"/api/v1/comments/{c['id']}", headers=bearer(token)).json()["comment"]
    assert shown["body_html"] == "<p>First!</p>\n" and shown["can_edit"] is False
    with rt.db.session(write=False) as s:
        revisions = s.scalars(
            select(CommentRevision.body_src).where(CommentRevision.comment_id == c["id"])
        ).all()
    assert list(revisions) == ["Frist!"]


def test_delete_keeps_the_place_and_the_replies(client: TestClient, world: World) -> None:
    _a, ann = world.user("ann")
    _b, bob = world.user("bob")
    first = created(client, world, ann, "first")
    second = created(client, world, ann, "second")
    reply = created(client, world, bob, "reply", parent_id=second["id"])
    error(client.delete(f"/api/v1/comments/{second['id']}", headers=bearer(bob)), 403, "forbidden")
    r = client.delete(f"/api/v1/comments/{second['id']}", headers=bearer(ann))
    assert r.status_code == 200, r.text
    gone = r.json()
    assert (gone["status"], gone["placeholder"]) == ("deleted", "The comment was deleted.")
    assert (gone["body_html"], gone["author"], gone["number"]) == (None, None, [2])
    thread = client.get(url(world)).json()["comments"]
    assert [c["number"] for c in thread] == [[1], [2]]
    assert thread[1]["placeholder"] == "The comment was deleted."
    assert [r["id"] for r in thread[1]["replies"]] == [reply["id"]]
    assert thread[1]["replies"][0]["body_html"] == "<p>reply</p>\n"
    err = error(post(client, world, bob, "late", parent_id=second["id"]), 409, "conflict")
    assert err["field"] == "parent_id"
    third = created(client, world, ann, "third")
    assert third["number"] == [3] and first["number"] == [1]


def test_moderator_removal(client: TestClient, world: World) -> None:
    _a, ann = world.user("ann")
    _m, mod = world.user("mod", role=Role.moderator)
    c = created(client, world, ann, "rude")
    why = {"reason": "Abuse or insult"}
    error(client.post(f"/api/v1/comments/{c['id']}/remove", json=why, headers=bearer(ann)), 403,
          "forbidden")  # fmt: skip
    # A moderator removes with a reason, never by deleting.
    error(client.post(f"/api/v1/comments/{c['id']}/remove", json={}, headers=bearer(mod)), 422,
          "invalid_input")  # fmt: skip
    error(client.delete(f"/api/v1/comments/{c['id']}", headers=bearer(mod)), 403, "forbidden")
    r = client.post(f"/api/v1/comments/{c['id']}/remove", json=why, headers=bearer(mod))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["placeholder"]) == (
        "removed", "The comment was removed by a moderator.",
    )  # fmt: skip
    # Readers see only the placeholder; the moderator still sees the words, marked.
    shared = client.get(f"/api/v1/stories/{world.story.id}/comments").json()["comments"][0]
    assert shared["body_html"] is None and "rude" in r.json()["body_html"]
    # The author deleting it afterwards changes nothing: it stays removed.
    again = client.delete(f"/api/v1/comments/{c['id']}", headers=bearer(ann))
    assert again.status_code == 200 and again.json()["status"] == "removed"


def test_sort_newest_and_context(client: TestClient, world: World) -> None:
    _a, ann = world.user("ann")
    one = created(client, world, ann, "one")
    created(client, world, ann, "two")
    r1 = created(client, world, ann, "1.1", parent_id=one["id"])
    r11 = created(client, world, ann, "1.1.1", parent_id=r1["id"])
    created(client, world, ann, "1.2", parent_id=one["id"])
    thread = client.get(url(world), params={"sort": "newest"}).json()
    assert thread["sort"] == "newest"
    assert [c["number"] for c in thread["comments"]] == [[2], [1]]
    assert [r["number"] for r in thread["comments"][1]["replies"]] == [[1, 1], [1, 2]]
    ctx = client.get(f"/api/v1/comments/{r1['id']}").json()
    assert [a["id"] for a in ctx["ancestors"]] == [one["id"]]
    assert ctx["comment"]["id"] == r1["id"]
    assert [r["id"] for r in ctx["comment"]["replies"]] == [r11["id"]]
    assert ctx["story"]["id"] == world.story.id
    error(client.get(url(world), params={"sort": "best"}), 422, "invalid_input")


def test_thread_by_url_only_for_allowed_origins(client: TestClient, world: World) -> None:
    page = f"{ORIGIN}/2026/new-page"
    # Reading never creates: an unknown page is a readable 404, and nothing is stored.
    err = error(client.get("/api/v1/threads", params={"url": page}), 404, "not_found")
    assert "no discussion for that page" in err["message"]
    r = client.post(
        "/api/v1/threads", json={"url": page, "title": "New page"}, headers={"Origin": ORIGIN}
    )
    assert r.status_code == 201, r.text
    story = r.json()
    assert (story["url"], story["title"], story["comment_count"]) == (page, "New page", 0)
    assert story["title_confirmed"] is False
    again = client.get("/api/v1/threads", params={"url": page}).json()
    assert again["story"]["id"] == story["id"]
    err = error(
        client.post("/api/v1/threads", json={"url": "https://evil.example/x"}, headers={"Origin": ORIGIN}),
        404, "not_found",
    )  # fmt: skip
    assert "evil.example" in err["message"]


def test_only_the_publisher_s_pages_open_a_discussion_and_titles_stay_provisional(
    client: TestClient, world: World, cli: Any
) -> None:
    from veche.cli.main import main

    page = f"{ORIGIN}/2026/resignation"
    body = {"url": page, "title": "BREAKING: Editor-in-chief resigns"}
    error(client.post("/api/v1/threads", json=body), 403, "forbidden")  # no Origin
    foreign = {"Origin": "https://evil.example"}
    error(client.post("/api/v1/threads", json=body, headers=foreign), 403, "origin_not_allowed")
    embed = client.get(f"/embed/discussion?url={page}")
    assert embed.status_code == 404 and "no discussion for that page" in embed.text
    assert client.get(f"/fragments/thread?url={page}").status_code == 404
    made = client.post("/api/v1/threads", json=body, headers={"Origin": ORIGIN})
    assert made.status_code == 201 and made.json()["title_confirmed"] is False
    html = client.get(f"/stories/{made.json()['id']}").text
    assert "not confirmed by the publisher" in html
    # A later browser title changes nothing; the publisher's word does.
    later = {"url": page, "title": "Editor stays on"}
    r = client.post("/api/v1/threads", json=later, headers={"Origin": ORIGIN})
    assert r.status_code == 200 and r.json()["title"] == body["title"]
    sid = str(made.json()["id"])
    out = cli.invoke(main, ["story", "title", sid, "Editor-in-chief stays on"])
    assert out.exit_code == 0, out.output
    r = client.post("/api/v1/threads", json=later, headers={"Origin": ORIGIN})
    assert (r.json()["title"], r.json()["title_confirmed"]) == ("Editor-in-chief stays on", True)
    # The CLI is another process, whose notice this node does not hear: it sees the change
    # when it next checks the story's version with the store (within a second).
    versions = client.app.state.versions  # type: ignore[attr-defined]
    versions.clock = lambda: time.monotonic() + 2 * versions.ttl
    assert "not confirmed" not in client.get(f"/stories/{sid}").text
    provisional = client.post(
        "/api/v1/threads", json={"url": f"{ORIGIN}/2026/other", "title": "Other"},
        headers={"Origin": ORIGIN},
    ).json()  # fmt: skip
    out = cli.invoke(main, ["story", "title", str(provisional["id"]), "--confirm"])
    assert out.exit_code == 0, out.output
    got = client.get("/api/v1/threads", params={"url": f"{ORIGIN}/2026/other"}).json()
    assert got["story"]["title"] == "Other" and got["story"]["title_confirmed"] is True
    assert cli.invoke(main, ["story", "title", sid]).exit_code != 0


def test_a_title_the_publisher_signed_is_confirmed(
    client: TestClient, world: World, cli: Any
) -> None:
    from veche.cli.main import main
    from veche.security.signing import title_signature

    out = cli.invoke(main, ["site", "title-key", "news"])
    assert out.exit_code == 0, out.output
    key = out.output.strip()
    assert len(key) == 64
    assert "no site named" in cli.invoke(main, ["site", "title-key", "nope"]).output
    origin = {"Origin": ORIGIN}
    page, title = f"{ORIGIN}/2026/signed", "The coast road reopens"
    signed = {"url": page, "title": title, "title_signature": title_signature(key, page, title)}
    made = client.post("/api/v1/threads", json=signed, headers=origin)
    assert made.status_code == 201, made.text
    assert (made.json()["title"], made.json()["title_confirmed"]) == (title, True)
    # A signature for another title or page is refused, and nothing is stored.
    forged = {**signed, "url": f"{ORIGIN}/2026/forged"}
    err = error(client.post("/api/v1/threads", json=forged, headers=origin), 403, "forbidden")
    assert "signature does not match" in err["message"]
    assert client.get("/api/v1/threads", params={"url": forged["url"]}).status_code == 404
    error(client.post("/api/v1/threads", json={**signed, "title_signature": "x"}, headers=origin), 422, "invalid_input")  # fmt: skip
    # A reader's browser got there first with a false headline: the signed load corrects it.
    later = f"{ORIGIN}/2026/later"
    first = client.post(
        "/api/v1/threads", json={"url": later, "title": "BREAKING: resigns"}, headers=origin
    ).json()
    assert first["title_confirmed"] is False
    real = {"url": later, "title": "Editor stays", "title_signature": title_signature(key, later, "Editor stays")}  # fmt: skip
    r = client.post("/api/v1/threads", json=real, headers=origin)
    assert r.status_code == 200 and r.json()["id"] == first["id"]
    assert (r.json()["title"], r.json()["title_confirmed"]) == ("Editor stays", True)


def test_idempotency_key_header_replay(client: TestClient, world: World) -> None:
    _a, ann = world.user("ann")
    _b, bob = world.user("bob")
    h = {**bearer(ann), "Idempotency-Key": "retry-0001"}
    first = client.post(url(world), json={"body": "once"}, headers=h)
    assert first.status_code == 201, first.text
    again = client.post(url(world), json={"body": "once"}, headers=h)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    r = client.post(
        url(world), json={"body": "mine"}, headers={**bearer(bob), "Idempotency-Key": "retry-0001"}
    )
    error(r, 409, "conflict")
    bad = error(post(client, world, ann, "x", idempotency_key="short"), 422, "invalid_input")
    assert bad["field"] == "idempotency_key"
    assert client.get(url(world)).json()["story"]["comment_count"] == 1


def test_errors_are_json_with_the_right_status(client: TestClient, world: World) -> None:
    _a, ann = world.user("ann")
    err = error(post(client, world, None, "anonymous"), 401, "auth_required")
    assert err["message"] == "Sign in to leave a comment."
    error(
        client.post("/api/v1/stories/9999/comments", json={"body": "x"}, headers=bearer(ann)),
        404,
        "not_found",
    )
    error(client.get("/api/v1/comments/9999"), 404, "not_found")
    error(client.get("/api/v1/stories/9999/comments"), 404, "not_found")
    error(
        client.patch("/api/v1/comments/9999", json={"body": "x"}, headers=bearer(ann)),
        404,
        "not_found",
    )
    err = error(post(client, world, ann, "   \n "), 422, "invalid_input")
    assert (err["message"], err["field"]) == ("The comment is empty.", "body")
    err = error(post(client, world, ann, "x", colour="red"), 422, "invalid_input")
    assert err["field"] == "colour"
    err = error(
        client.post(
            url(world),
            content=b"{not json",
            headers={**bearer(ann), "Content-Type": "application/json"},
        ),
        422,
        "invalid_input",
    )
    assert err["message"] == "The request body is not valid JSON."
    error(client.get("/api/v1/nowhere"), 404, "http_error")


def test_rate_limit_gives_429(rt: Runtime, world: World) -> None:
    _a, ann = world.user("ann")
    limited = with_config(rt, rate_limit_writes="2/minute")
    limited.limiter.reset()
    with TestClient(create_app(limited.config, limited), base_url="https://veche.test") as c:
        assert post(c, world, ann, "one").status_code == 201
        assert post(c, world, ann, "two").status_code == 201
        r = post(c, world, ann, "three")
        err = error(r, 429, "rate_limited")
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert "Too many attempts" in err["message"]
        assert c.get(url(world)).json()["story"]["comment_count"] == 2


def test_guest_comment_on_a_site_that_allows_guests(client: TestClient, world: World) -> None:
    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True))
    c = created(client, world, None, "From a guest")
    assert c["author"] == {
        "handle": "guest",
        "display_name": None,
        "guest": True,
        "online": False,
        "role": None,
    }
    named = created(client, world, None, "Named", guest_name="Passer-by")
    assert named["author"]["handle"] == "Passer-by" and named["author"]["guest"] is True
    assert c["can_edit"] is False and c["can_delete"] is False
    error(client.delete(f"/api/v1/comments/{c['id']}"), 401, "auth_required")


def _csrf_from(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m is not None
    return m.group(1)


def test_cookie_writes_need_the_csrf_token(client: TestClient, world: World) -> None:
    world.user("ann")
    page = client.get("/signin")
    assert page.status_code == 200
    r = client.post(
        "/signin",
        data={"login": "ann", "password": PASSWORD, "csrf": _csrf_from(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert client.cookies.get("veche_session")
    assert client.get("/api/v1/auth/me").json()["handle"] == "ann"
    error(client.post(url(world), json={"body": "no token"}), 403, "forbidden")
    story_page = client.get(f"/stories/{world.story.id}")
    token = _csrf_from(story_page.text)
    r = client.post(url(world), json={"body": "with token"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    assert r.json()["author"]["handle"] == "ann"
    r = client.post(
        url(world), json={"body": "cross-site"},
        headers={"X-CSRF-Token": token, "Origin": "https://evil.example"},
    )  # fmt: skip
    err = error(r, 403, "forbidden")
    assert "another site" in err["message"]
    error(
        client.post(url(world), json={"body": "forged"}, headers={"X-CSRF-Token": "0" * 64}),
        403,
        "forbidden",
    )
    assert client.get(url(world)).json()["story"]["comment_count"] == 1


def test_openapi_lists_the_comment_paths(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/stories/{story_id}/comments"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/comments/{comment_id}"])
    assert "post" in paths["/api/v1/comments/{comment_id}/remove"]
    assert "get" in paths["/api/v1/threads"]
    assert "/stories/{story_id}" not in paths
    responses = paths["/api/v1/stories/{story_id}/comments"]["post"]["responses"]
    assert {"201", "200", "401", "404", "409", "422", "429"} <= set(responses)
