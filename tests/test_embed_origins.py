"""What an embed on a page of the wrong origin is told, on SQLite and PostgreSQL.

Errors carry the CORS allowance of an allowed origin, so the embed reads their message; a
page its site does not list is refused with that reason (`origin_not_allowed`); an origin
no site lists gets no CORS allowance at all, errors included.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import ORIGIN, World, error
from veche.service.stories import SiteSettings, Stories

OTHER = "https://other.example"  # listed by another site: CORS lets it read, the site says no
EVIL = "https://evil.example"  # listed by no site


def test_error_answers_carry_cors_for_allowed_origins_only(
    client: TestClient, world: World
) -> None:
    unknown = {"url": f"{ORIGIN}/2026/no-discussion-yet"}
    for path in ("/api/v1/threads", "/fragments/thread"):
        r = client.get(path, params=unknown, headers={"Origin": ORIGIN})
        err = error(r, 404, "not_found")  # JSON for the embed, fragments included
        assert "no discussion for that page" in err["message"]
        assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "Origin" in r.headers["Vary"]
        refused = client.get(path, params=unknown, headers={"Origin": EVIL})
        error(refused, 404, "not_found")
        assert "Access-Control-Allow-Origin" not in refused.headers
    bad = client.get("/fragments/thread", params={"story": "x"}, headers={"Origin": ORIGIN})
    error(bad, 422, "invalid_input")
    assert bad.headers["Access-Control-Allow-Origin"] == ORIGIN
    big = client.post(
        "/api/v1/threads", content=b"x" * (world.rt.config.max_body_bytes + 1),
        headers={"Origin": ORIGIN, "Content-Type": "application/json"},
    )  # fmt: skip
    error(big, 413, "too_large")
    assert big.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_a_page_its_site_does_not_list_is_told_why(client: TestClient, world: World) -> None:
    Stories(world.rt).create_site("other", SiteSettings(allowed_origins=[OTHER]))
    story = {"url": world.story.url}
    reason = f"This site does not allow pages from {OTHER} to show its discussion."
    for path in ("/api/v1/threads", "/fragments/thread"):
        r = client.get(path, params=story, headers={"Origin": OTHER})
        assert error(r, 403, "origin_not_allowed")["message"] == reason
        assert r.headers["Access-Control-Allow-Origin"] == OTHER  # so the embed can read it
        by_id = client.get("/fragments/thread", params={"story": world.story.id})
        assert by_id.status_code == 200  # no Origin: veche's own page, or a server
        for fine in (ORIGIN, "https://veche.test"):  # the site's page; veche's own
            assert client.get(path, params=story, headers={"Origin": fine}).status_code == 200
    by_id = client.get(
        "/fragments/thread", params={"story": world.story.id}, headers={"Origin": OTHER}
    )
    error(by_id, 403, "origin_not_allowed")
    # Opening a new page's discussion from there: the same reason, and nothing is made.
    page = {"url": f"{ORIGIN}/2026/new-page", "title": "New page"}
    opened = client.post("/api/v1/threads", json=page, headers={"Origin": OTHER})
    assert error(opened, 403, "origin_not_allowed")["message"] == reason
    assert client.get("/api/v1/threads", params={"url": page["url"]}).status_code == 404
    # A sandboxed frame or a file says "null": it is refused without naming an address.
    null = client.get("/fragments/thread", params=story, headers={"Origin": "null"})
    err = error(null, 403, "origin_not_allowed")
    assert err["message"] == "This site does not allow this page to show its discussion."
