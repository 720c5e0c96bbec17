"""Hostile input: a clear 4xx, or stored and shown inert — and never half-stored."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import ORIGIN, PASSWORD, World, bearer
from veche.service.stories import SiteSettings, Stories

OWN_SCRIPT = '<script src="/static/veche.js" defer></script>'
REL = "nofollow ugc noopener noreferrer"
URL_ATTRS = {"href", "src", "action", "formaction", "srcdoc", "xlink:href", "data", "poster"}
BODIES = {
    "XSSA": "<script>alert('XSSA')</script>",
    "XSSB": '<iframe src="https://evil.example/XSSB"></iframe>',
    "XSSC": "[XSSC](javascript:alert(1)) and [XSSC2](JaVaScRiPt:alert(1))",
    "XSSD": "<img src=x onerror=alert('XSSD')>",
    "XSSE": '<a href="#" onclick="alert(1)">XSSE</a> <svg onload=alert(1)>',
    "XSSF": "<javascript:alert('XSSF')> [XSSF](data:text/html;base64,PHNjcmlwdD4=)",
    "XSSG": '[XSSG](https://a.example "x\\" onmouseover=\\"alert(1)")',
    "XSSH": "`<script>XSSH</script>`\n\n    <iframe>XSSH</iframe>",
}


class Scan(HTMLParser):
    """Everything in a document that could run: script tags, frames, handlers, URLs."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.active: list[str] = []
        self.links: list[dict[str, str | None]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))
        risky = {"iframe", "frame", "object", "embed", "img", "svg", "math", "base"}
        if tag in risky or (tag == "meta" and dict(attrs).get("http-equiv")):
            self.active.append(tag)
        if tag == "a":
            self.links.append(dict(attrs))
        for name, value in attrs:
            if name.startswith("on"):
                self.active.append(f"{tag}[{name}]")
            plain = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            if name in URL_ATTRS and plain.startswith(("javascript:", "vbscript:", "data:")):
                self.active.append(f"{tag}[{name}={value}]")


# Our own scripts, and only them: every page has veche.js; a thread page adds offline.js.
PAGE_SCRIPTS = ["/static/veche.js"]
THREAD_SCRIPTS = ["/static/veche.js", "/static/offline.js"]


def assert_inert(html: str, *, scripts: list[str]) -> Scan:
    scan = Scan(html)
    assert scan.active == [], scan.active
    assert scan.scripts == scripts
    assert html.count("<script") == len(scripts)
    assert "<iframe" not in html.lower()
    for a in scan.links:
        href = a.get("href") or ""
        if href.startswith(("http://", "https://")) and "evil" not in href:
            continue
        assert not href.startswith(("http:", "https:")) or a.get("rel") == REL, a
    return scan


def snapshot(world: World) -> dict[str, Any]:
    with world.rt.db.session(write=False) as s:
        counts = {
            t: s.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("comments", "events", "comment_revisions", "users", "stories", "sessions")
        }
        counts["stories"] = s.execute(
            text("SELECT id, comment_count, child_count, event_seq FROM stories ORDER BY id")
        ).all()
        counts["comments"] = s.execute(
            text("SELECT id, child_count, body_src, status FROM comments ORDER BY id")
        ).all()
    return counts


def refused(r: Any, status: int, field: str | None = None) -> str:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert isinstance(err["message"], str) and len(err["message"]) > 10
    assert "\x00" not in err["message"]
    if field is not None:
        assert err["field"] == field
    return str(err["message"])


def test_hostile_bodies_are_stored_inert(client: TestClient, world: World) -> None:
    _u, token = world.user("ann")
    for marker, body in BODIES.items():
        r = client.post(
            f"/api/v1/stories/{world.story.id}/comments", json={"body": body}, headers=bearer(token)
        )
        assert r.status_code == 201, (marker, r.text)
        html = r.json()["body_html"]
        assert marker in html
        assert_inert(html, scripts=[])
    plain = client.post(
        f"/api/v1/stories/{world.story.id}/comments", json={"body": "plain"}, headers=bearer(token)
    )
    edited = client.patch(
        f"/api/v1/comments/{plain.json()['id']}",
        json={"body": "<iframe srcdoc='<script>XSSE2</script>'></iframe> [XSSE2](javascript:x)"},
        headers=bearer(token),
    )
    assert edited.status_code == 200 and "XSSE2" in edited.json()["body_html"]
    assert_inert(edited.json()["body_html"], scripts=[])
    quote = {"source": "story", "text": "<script>alert('XSSQ')</script>"}
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "quoting", "quote": quote},
        headers=bearer(token),
    )
    assert r.status_code == 201 and r.json()["quote"]["state"] == "altered"
    page = client.get(f"/stories/{world.story.id}")
    assert page.status_code == 200
    for marker in [*BODIES, "XSSQ", "XSSE2"]:
        assert marker in page.text
    scan = assert_inert(page.text, scripts=THREAD_SCRIPTS)
    assert "&lt;script&gt;alert('XSSA')&lt;/script&gt;" in page.text
    assert any(a.get("href") == "https://a.example" and a.get("rel") == REL for a in scan.links)


def test_links_carry_rel_nofollow_ugc(client: TestClient, world: World) -> None:
    # New members may post one link unreviewed; this site allows more.
    Stories(world.rt).update_site("news", SiteSettings(moderation={"new_user_links": 5}))
    _u, token = world.user("ann")
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "See [the report](https://example.org/r?a=1&b=2) and <https://example.net>."},
        headers=bearer(token),
    )
    html = r.json()["body_html"]
    assert f'<a href="https://example.org/r?a=1&amp;b=2" rel="{REL}">the report</a>' in html
    assert f'<a href="https://example.net" rel="{REL}">https://example.net</a>' in html
    links = [
        a
        for a in Scan(client.get(f"/stories/{world.story.id}").text).links
        if "example.org" in (a.get("href") or "")
    ]
    assert [a.get("rel") for a in links] == [REL]


def test_hostile_names_and_titles(client: TestClient, world: World) -> None:
    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True))
    comments = f"/api/v1/stories/{world.story.id}/comments"
    for name in (
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "<iframe>",
        "a\x00b",
    ):
        before = snapshot(world)
        msg = refused(
            client.post(comments, json={"body": "hi", "guest_name": name}), 422, "guest_name"
        )
        assert "<" in msg or "NUL character" in msg
        refused(
            client.post("/api/v1/auth/signup", json={"handle": name, "password": PASSWORD}),
            422,
            "handle",
        )
        r = client.post(
            "/api/v1/auth/signup",
            json={"handle": "Mallory", "password": PASSWORD, "display_name": name},
        )
        refused(r, 422, "display_name")
        assert snapshot(world) == before
    odd = "javascript:alert('GNAME') \" onmouseover='x'"
    r = client.post(comments, json={"body": "guest body", "guest_name": odd})
    assert r.status_code == 201 and r.json()["author"]["handle"] == odd
    r = client.post(
        "/api/v1/auth/signup",
        json={
            "handle": "O'Brien",
            "password": PASSWORD,
            "display_name": "\" onfocus=\"alert('DNAME')",
        },
    )
    assert r.status_code == 201, r.text
    client.post(comments, json={"body": "mine"}, headers=bearer(r.json()["token"]))
    evil_title = "<script>alert('TITLE1')</script><img src=x onerror=alert(1)>"
    story = Stories(world.rt).create("news", f"{ORIGIN}/hostile", evil_title)
    assert story.title == evil_title
    by_url = client.post(
        "/api/v1/threads",
        json={"url": f"{ORIGIN}/hostile-2", "title": "<iframe src=javascript:alert('TITLE2')>"},
        headers={"Origin": ORIGIN},
    )
    assert by_url.status_code == 201
    for path in (
        f"/stories/{world.story.id}",
        f"/stories/{story.id}",
        f"/stories/{by_url.json()['id']}",
        "/",
    ):
        html = client.get(path).text
        assert_inert(html, scripts=PAGE_SCRIPTS if path == "/" else THREAD_SCRIPTS)
    assert "GNAME" in client.get(f"/stories/{world.story.id}").text
    assert "DNAME" in client.get(f"/stories/{world.story.id}").text
    assert "TITLE1" in client.get(f"/stories/{story.id}").text


def test_refused_writes_leave_nothing_behind(client: TestClient, world: World) -> None:
    _u, token = world.user("ann")
    Stories(world.rt).update_site("news", SiteSettings(max_comment_length=200))
    comments = f"/api/v1/stories/{world.story.id}/comments"
    top = client.post(comments, json={"body": "top"}, headers=bearer(token)).json()
    other = world.other_story()
    foreign = client.post(
        f"/api/v1/stories/{other.id}/comments", json={"body": "x"}, headers=bearer(token)
    ).json()
    cases: list[tuple[dict[str, Any], int, str | None, str]] = [
        ({"body": "x" * 201}, 422, "body", "The comment is 201 characters long; the limit is 200."),
        ({"body": "  \n\t  "}, 422, "body", "The comment is empty."),
        ({"body": ""}, 422, "body", "The comment is empty."),
        ({"body": "a\x00b"}, 422, "body", "The comment contains a NUL character, which is not allowed."),
        ({"body": "\u200b\u2060 \u200b\ufeff"}, 422, "body", "The comment is empty."),
        ({"body": "hi", "parent_id": 987654}, 422, "parent_id", "The comment you are replying to does not exist."),
        ({"body": "hi", "parent_id": foreign["id"]}, 422, "parent_id", "You can only reply to a comment in this story's discussion."),
        ({"body": "hi", "quote": {"source": "comment", "comment_id": foreign["id"], "text": "x"}}, 422, "quote", "The quoted comment is not in this discussion."),
        ({"body": "hi", "quote": {"source": "story", "text": "a\x00"}}, 422, "quote", "The quote contains a NUL character, which is not allowed."),
        ({"body": "hi", "quote": {"source": "story", "text": " \n "}}, 422, "quote", "The quote is empty."),
        ({"body": "hi", "parent_id": top["id"], "idempotency_key": "bad key!"}, 422, "idempotency_key", ""),
        ({"body": "hi", "parent_id": "one"}, 422, "parent_id", ""),
        ({"body": 5}, 422, "body", ""),
    ]  # fmt: skip
    before = snapshot(world)
    for payload, status, field, message in cases:
        msg = refused(client.post(comments, json=payload, headers=bearer(token)), status, field)
        if message:
            assert msg == message
        assert snapshot(world) == before, payload
    edits = [("", "The comment is empty."), ("a\x00", ""), ("y" * 201, "")]
    for body, message in edits:
        msg = refused(
            client.patch(
                f"/api/v1/comments/{top['id']}", json={"body": body}, headers=bearer(token)
            ),
            422,
        )
        assert not message or msg == message
        assert snapshot(world) == before
    refused(client.post(comments, json={"body": "guest?"}), 401)
    refused(
        client.post("/api/v1/auth/signup", json={"handle": "an\x00n", "password": PASSWORD}),
        422,
        "handle",
    )
    origin = {"Origin": ORIGIN}
    for thread, field in (
        ({"url": f"{ORIGIN}/t", "title": "T\x00"}, "title"),
        ({"url": f"{ORIGIN}/t\x00"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
    ):
        refused(client.post("/api/v1/threads", json=thread, headers=origin), 422, field)
    refused(client.get("/api/v1/threads", params={"url": f"{ORIGIN}/t\x00"}), 422, "url")
    assert snapshot(world) == before
    assert client.post(comments, json={"body": "y" * 200}, headers=bearer(token)).status_code == 201


def test_security_headers_cookie_flags_and_redirects(client: TestClient, world: World) -> None:
    page = client.get(f"/stories/{world.story.id}")
    csp = page.headers["Content-Security-Policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
    assert "'unsafe-inline'" not in csp.split("style-src")[0]
    assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get("/api/v1/openapi.json").headers["X-Content-Type-Options"] == "nosniff"
    world.user("ann")
    form = client.get("/signin", params={"next": "//evil.example"})
    assert 'name="next" value="/"' in form.text
    assert "evil.example" not in form.text.replace("next=%2F%2Fevil.example", "")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    targets = ("//evil.example", "https://evil.example/", "/\\evil.example", "/\t/evil.example")
    for target in targets:
        client.cookies.clear()
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/signin").text)
        assert csrf is not None
        r = client.post(
            "/signin",
            data={"login": "ann", "password": PASSWORD, "csrf": csrf.group(1), "next": target},
            follow_redirects=False,
        )
        location = r.headers["location"]
        assert r.status_code == 303 and location.startswith("/")
        # Browsers drop tabs and newlines from URLs: what is left must still be a local path.
        assert not re.sub(r"[\t\r\n]", "", location).startswith(("//", "/\\")), location
        assert location == "/" or target.startswith("/\t")
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("veche_session="))
    flags = {f.strip().lower() for f in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    client.cookies.clear()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/signin").text)
    assert csrf is not None
    r = client.post(
        "/signin",
        data={"login": "ann", "password": PASSWORD, "csrf": csrf.group(1), "next": "/stories/1#c2"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/stories/1#c2"
