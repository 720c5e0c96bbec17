"""The comment-count widget's API, on SQLite and PostgreSQL: many story URLs in one request,
published comments only, bounded, public and cacheable."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from schemathesis import engine

from tests.conftest import ORIGIN, World, bearer, error
from tests.test_openapi_fuzz import REJECTED, failures_of
from veche.domain.enums import Role
from veche.service.counts import MAX_URLS
from veche.service.stories import SiteSettings, Stories
from veche.web.app import create_app

STORM = f"{ORIGIN}/2026/storm"


def post(client: TestClient, world: World, story_id: int, token: str, body: str) -> Any:
    r = client.post(
        f"/api/v1/stories/{story_id}/comments", json={"body": body}, headers=bearer(token)
    )
    assert r.status_code == 201, r.text
    return r.json()


def counts(client: TestClient, *urls: str, **headers: str) -> dict[str, int]:
    r = client.get("/api/v1/counts", params={"url": list(urls)}, headers=headers)
    assert r.status_code == 200, r.text
    got: dict[str, int] = r.json()["counts"]
    return got


def test_one_request_counts_published_comments_of_many_pages(
    client: TestClient, world: World
) -> None:
    other = world.other_story("2026/bridge")
    _a, ann = world.user("ann")
    _m, mod = world.user("maria", role=Role.moderator)
    first = post(client, world, world.story.id, ann, "The coast road was closed by noon.")
    post(client, world, world.story.id, ann, "Buses ran on the inland route instead.")
    reply = {"body": "And the ferry kept its timetable.", "parent_id": first["id"]}
    r = client.post(f"/api/v1/stories/{world.story.id}/comments", json=reply, headers=bearer(ann))
    assert r.status_code == 201, r.text
    gone = post(client, world, world.story.id, ann, "I take this one back, sorry.")
    assert client.delete(f"/api/v1/comments/{gone['id']}", headers=bearer(ann)).status_code == 200
    unknown = f"{ORIGIN}/2026/no-discussion-yet"
    assert counts(client, STORM, other.url, unknown) == {STORM: 3, other.url: 0, unknown: 0}

    # A held comment is not counted until a moderator publishes it.
    Stories(world.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    held = post(client, world, other.id, ann, "Is the bridge safe for lorries now?")
    assert held["status"] == "pending"
    assert counts(client, other.url) == {other.url: 0}
    r = client.post(
        f"/api/v1/comments/{held['id']}/decision", json={"action": "approve"}, headers=bearer(mod)
    )
    assert r.json()["status"] == "visible", r.text
    assert counts(client, other.url, STORM) == {other.url: 1, STORM: 3}

    # Each URL is answered as it was asked, however it is spelled; repeats are answered once.
    loud = "HTTPS://NEWS.EXAMPLE/2026/storm?utm_source=list"
    assert counts(client, loud, STORM, STORM) == {loud: 3, STORM: 3}
    # Nothing was created for the unknown page.
    assert client.get("/api/v1/threads", params={"url": unknown}).status_code == 404


def test_counts_are_public_cacheable_and_cors_for_allowed_origins(
    client: TestClient, world: World
) -> None:
    r = client.get("/api/v1/counts", params={"url": STORM}, headers={"Origin": ORIGIN})
    assert r.status_code == 200
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    again = client.get(
        "/api/v1/counts", params={"url": STORM}, headers={"If-None-Match": r.headers["ETag"]}
    )
    assert again.status_code == 304
    _a, ann = world.user("ann")
    post(client, world, world.story.id, ann, "A new comment changes the answer's tag.")
    changed = client.get(
        "/api/v1/counts", params={"url": STORM}, headers={"If-None-Match": r.headers["ETag"]}
    )
    assert changed.status_code == 200 and changed.json()["counts"] == {STORM: 1}
    # A page on another origin gets no CORS allowance: its browser cannot read the counts.
    foreign = client.get(
        "/api/v1/counts", params={"url": STORM}, headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in foreign.headers
    script = client.get("/count.js")
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert script.headers["Cache-Control"] == "public, max-age=300"
    assert "/api/v1/counts?" in script.text and "innerHTML" not in script.text


def test_counts_are_bounded_and_refuse_what_is_no_story_url(
    client: TestClient, world: World
) -> None:
    many = [f"{ORIGIN}/2026/page-{i}" for i in range(MAX_URLS)]
    assert counts(client, *many) == dict.fromkeys(many, 0)
    r = client.get("/api/v1/counts", params={"url": [*many, f"{ORIGIN}/one-more"]})
    assert error(r, 422, "invalid_input")["field"] == "url"
    assert error(client.get("/api/v1/counts"), 422, "invalid_input")["field"] == "url"
    bad = client.get("/api/v1/counts", params={"url": [STORM, "javascript:alert(1)"]})
    err = error(bad, 422, "invalid_input")
    assert err["field"] == "url" and "http" in err["message"]


def test_the_counts_spec_tells_the_truth(world: World) -> None:
    """Schemathesis on this one operation: what its spec allows is answered (a URL list of
    1 to 100 http(s) URLs), anything else refused with a 4xx."""
    config = schemathesis.Config.from_dict(
        {
            "seed": 2026,
            "generation": {
                "max-examples": 30,
                "deterministic": True,
                "allow-x00": False,
                "database": "none",
            },
            "checks": {"negative_data_rejection": {"expected-statuses": REJECTED}},
        }
    )
    app = create_app(world.rt.config, world.rt)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=config)
    found = failures_of(engine.from_schema(schema.include(path="/api/v1/counts")).execute())
    assert found == [], "\n".join(found)
