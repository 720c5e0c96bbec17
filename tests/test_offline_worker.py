"""The offline worker as HTTP: served from the root, always revalidated, under the same CSP,
and offered by veche's own thread pages only, never by the embed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World


def directives(csp: str) -> dict[str, list[str]]:
    parts = (p.split() for p in csp.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def test_the_worker_is_served_from_the_root_and_always_revalidated(client: TestClient) -> None:
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cache-control"] == "no-cache"
    assert "etag" in r.headers  # a revalidation that finds no change costs no body
    # Its scope is "/", its own folder: no Service-Worker-Allowed is needed, so none is sent.
    assert "service-worker-allowed" not in r.headers
    csp = directives(r.headers["content-security-policy"])
    assert csp["worker-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]


def test_pages_allow_only_our_own_workers_and_keep_the_csp(
    client: TestClient, world: World
) -> None:
    for path in (f"/stories/{world.story.id}", f"/embed/discussion?url={world.story.url}"):
        csp = directives(client.get(path).headers["content-security-policy"])
        assert csp["worker-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["default-src"] == ["'self'"]
        assert csp["connect-src"] == ["'self'"]


def test_only_hosted_thread_pages_register_the_worker(client: TestClient, world: World) -> None:
    offline = '<script src="/static/offline.js"'
    assert offline in client.get(f"/stories/{world.story.id}").text
    assert offline not in client.get(f"/embed/discussion?url={world.story.url}").text
    assert offline not in client.get(f"/fragments/thread?story={world.story.id}").text
    assert "serviceWorker" not in client.get("/embed.js").text
    script = client.get("/static/offline.js")
    assert script.status_code == 200
    assert 'register("/sw.js", { scope: "/" })' in script.text


def test_the_shared_thread_page_the_worker_keeps_has_no_token(
    client: TestClient, world: World
) -> None:
    """The worker keeps only public responses; those carry no CSRF token or viewer."""
    _u, token = world.user("ann", display_name="Ann Berzina")
    r = client.get(f"/stories/{world.story.id}", headers={"Authorization": f"Bearer {token}"})
    assert "private" in r.headers["cache-control"]  # per viewer: never kept as it is
    assert "Signed in as" in r.text
    client.cookies.clear()
    shared = client.get(f"/stories/{world.story.id}")
    assert "public" in shared.headers["cache-control"]
    assert 'data-csrf=""' in shared.text
    assert 'name="csrf" value=""' in shared.text
    assert "Signed in as" not in shared.text and "Ann Berzina" not in shared.text
