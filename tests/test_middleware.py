"""The ASGI layer: security headers, request ids and logs, 500s, body limits, off-loop work."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from starlette.types import Message, Scope

from tests.conftest import ORIGIN, World, bearer, error, with_config
from veche import logs
from veche.web import errors
from veche.web.app import create_app
from veche.web.middleware import BodyLimit
from veche.web.pages import error_page


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def recording(fn: Callable[..., Any], calls: list[bool]) -> Callable[..., Any]:
    """Wraps fn to note, per call, whether it ran on the event loop's thread."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(_on_loop())
        return fn(*args, **kwargs)

    return wrapper


@pytest.fixture
def app(world: World) -> FastAPI:
    return create_app(world.rt.config, world.rt)


def boom() -> None:
    raise RuntimeError("boom in a route")


def test_origins_and_error_pages_are_looked_up_off_the_loop(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    origins: list[bool] = []
    pages: list[bool] = []
    stories = app.state.stories
    monkeypatch.setattr(stories, "allowed_origins", recording(stories.allowed_origins, origins))
    monkeypatch.setattr(errors, "error_page", recording(error_page, pages))
    with TestClient(app, base_url="https://veche.test") as c:
        r = c.get(f"/api/v1/stories/{world.story.id}/comments", headers={"Origin": ORIGIN})
        assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert c.get("/stories/999999").status_code == 404  # a page: renders the viewer
    # Each call happened, and none of them on the event loop's thread.
    assert origins and not any(origins)
    assert pages and not any(pages)


def test_security_headers_and_cache_control_defaults(world: World) -> None:
    hsts = with_config(world.rt, hsts_seconds=31536000)
    app = create_app(hsts.config, hsts)

    def own_cache() -> Response:
        return Response("x", headers={"Cache-Control": "public, max-age=60"})

    app.add_api_route("/api/v1/own-cache", own_cache)
    with TestClient(app, base_url="https://veche.test") as c:
        page = c.get("/signin")
        assert page.headers["Cache-Control"] == "no-store"
        # A thread page sets its own: public for an anonymous reader (web/shared.py).
        thread = c.get(f"/stories/{world.story.id}")
        assert thread.headers["Cache-Control"].startswith("public, max-age=")
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
        assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert c.get("/static/veche.css").headers["Cache-Control"] == "public, max-age=300"
        assert c.get("/embed.js").headers["Cache-Control"] == "public, max-age=300"
        assert c.get("/api/v1/own-cache").headers["Cache-Control"] == "public, max-age=60"
        pre = c.options(
            "/api/v1/threads",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        error(pre, 403, "forbidden")
        assert pre.headers["Vary"] == "Origin"
        assert pre.headers["X-Content-Type-Options"] == "nosniff"
        ok = c.options(
            "/fragments/thread",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"},
        )
        assert ok.status_code == 204 and ok.headers["Access-Control-Max-Age"] == "600"


def test_no_hsts_by_default(client: TestClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logs.handler(out)
    root = logging.getLogger()
    root.addHandler(handler)
    yield out
    root.removeHandler(handler)


def test_a_crash_is_a_logged_json_500_with_headers_and_request_id(
    app: FastAPI, log_output: io.StringIO
) -> None:
    app.add_api_route("/api/v1/boom", boom)
    app.add_api_route("/boom", boom)
    with TestClient(app, base_url="https://veche.test") as c:
        r = c.get("/api/v1/boom")
        err = error(r, 500, "internal")
        assert "boom" not in err["message"]  # no internals to the client
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in r.headers
        rid = r.headers["X-Request-ID"]
        assert len(rid) == 16
        page = c.get("/boom", headers={"Accept": "text/html"})
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
        assert "Something went wrong" in page.text and 'name="csrf"' not in page.text
        assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    logged = log_output.getvalue()
    line = next(x for x in logged.splitlines() if "Unhandled error in GET /api/v1/boom" in x)
    assert f"[{rid}]" in line and " ERROR veche.web.middleware " in line
    assert "Traceback" in logged and "RuntimeError: boom in a route" in logged


def test_request_ids_are_kept_when_safe_and_replaced_otherwise(client: TestClient) -> None:
    assert client.get("/", headers={"X-Request-ID": "edge-42.a:b"}).headers["X-Request-ID"] == (
        "edge-42.a:b"
    )
    for bad in ("x" * 65, "a b", "id\u00e9".encode(), "<script>", "a\tb"):
        headers = {b"X-Request-ID": bad} if isinstance(bad, bytes) else {"X-Request-ID": bad}
        got = client.get("/", headers=headers)
        assert got.headers["X-Request-ID"] != bad and len(got.headers["X-Request-ID"]) == 16
    first = client.get("/").headers["X-Request-ID"]
    assert first != client.get("/").headers["X-Request-ID"]


def test_log_records_outside_requests_say_so(log_output: io.StringIO) -> None:
    logging.getLogger("veche.test").warning("no request here")
    assert "[-] no request here" in log_output.getvalue()


def test_bodies_over_the_limit_are_413_json(client: TestClient, world: World) -> None:
    _u, token = world.user("ann")
    url = f"/api/v1/stories/{world.story.id}/comments"
    limit = world.rt.config.max_body_bytes
    big = b'{"body": "' + b"x" * (limit - 11) + b'"}'
    assert len(big) == limit + 1
    r = client.post(url, content=big, headers={**bearer(token), "Content-Type": "application/json"})
    error(r, 413, "too_large")
    assert r.headers["X-Content-Type-Options"] == "nosniff" and "X-Request-ID" in r.headers

    def chunks() -> Iterator[bytes]:
        yield b'{"body": "'
        for _ in range(20):
            yield b"y" * 65536
        yield b'"}'

    chunked = client.post(
        url, content=chunks(), headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert "content-length" not in {k.lower() for k in chunked.request.headers}
    error(chunked, 413, "too_large")
    ok = client.post(url, json={"body": "A normal comment still posts."}, headers=bearer(token))
    assert ok.status_code == 201, ok.text
    form = client.post(f"/stories/{world.story.id}/comments", content=b"body=" + b"z" * limit)
    assert form.status_code == 413 and "too large" in form.text


def test_a_streamed_body_stops_being_read_at_the_limit(client: TestClient) -> None:
    """Straight through the ASGI interface: many chunks, no Content-Length."""
    app = client.app
    reads = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": reads < 1000}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "https", "path": "/api/v1/auth/signin", "raw_path": b"/api/v1/auth/signin",
        "query_string": b"", "root_path": "", "server": ("veche.test", 443),
        "client": ("127.0.0.1", 5000), "headers": [(b"content-type", b"application/json")],
    }  # fmt: skip
    limited = BodyLimit(app, max_bytes=1024 * 1024)

    async def request() -> None:
        await limited(scope, receive, send)

    # A thread of its own: Playwright's sync API may own this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, request).result()
    assert sent[0]["status"] == 413
    assert reads <= 17  # 16 chunks fill a MiB; the 17th is one too many
