"""The hot path answers a repeated anonymous read from memory: the same status, headers and
bytes as the full path, no database work, and never an old version for long."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.conftest import World, bearer
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.runtime import Runtime, Viewer
from veche.service.stories import SiteSettings, Stories
from veche.web.app import create_app
from veche.web.hot import StoryVersions

ENCODINGS = ("", "identity", "gzip", "br", "gzip, deflate, br, zstd")
# Set per answer by the server; everything else must be the same bytes.
PER_ANSWER = {"x-request-id", "date", "server"}


def urls(world: World) -> list[str]:
    s = world.story.id
    return [
        f"/api/v1/stories/{s}/comments",
        f"/api/v1/stories/{s}/comments?sort=newest&limit=5",
        f"/stories/{s}",
        f"/fragments/thread?story={s}",
        f"/api/v1/stories/{s}/featured",
        f"/stories/{s}?tab=featured",
        f"/fragments/thread?story={s}&tab=featured",
    ]


@contextmanager
def statements(rt: Runtime) -> Iterator[list[str]]:
    """Every SQL statement the app runs meanwhile."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(rt.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", count)


def same(a: Any, b: Any) -> None:
    assert a.status_code == b.status_code
    assert a.content == b.content

    def kept(r: Any) -> list[tuple[str, str]]:
        return sorted((k, v) for k, v in r.headers.multi_items() if k not in PER_ANSWER)

    assert kept(a) == kept(b)
    assert a.headers["x-request-id"] and b.headers["x-request-id"]


def post(world: World, token: str, text: str, rt: Runtime | None = None) -> None:
    """A comment through the write pipeline of `rt` (this node's, or another process's)."""
    rt = rt or world.rt
    viewer = Viewer(Accounts(rt).resolve(token), "127.0.0.1")
    Comments(rt).create(world.story.id, Draft(text), viewer)


def test_a_repeated_read_is_the_full_path_s_answer_without_the_database(
    client: TestClient, world: World
) -> None:
    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True))
    _u, token = world.user("ann")
    post(world, token, "A first comment, long enough to be worth compressing. " * 20)
    for url in urls(world):
        for encoding in ENCODINGS:
            headers = {"Accept-Encoding": encoding} if encoding else {}
            full = client.get(url, headers=headers)
            assert full.status_code == 200 and full.headers["cache-control"].startswith("public")
            with statements(world.rt) as ran:
                hot = client.get(url, headers=headers)
            assert ran == [], (url, encoding)
            same(full, hot)
            # Revalidation: the full path's 304 first, then the same 304 from memory.
            tagged = {**headers, "If-None-Match": full.headers["etag"]}
            first = client.get(url, headers=tagged)
            assert first.status_code == 304
            with statements(world.rt) as ran:
                again = client.get(url, headers=tagged)
            assert ran == [], (url, encoding)
            same(first, again)
            # A tag that no longer matches is a 200 with the body, from memory too.
            stale = {**headers, "If-None-Match": '"s1-v0-0000000000000000"'}
            with statements(world.rt) as ran:
                other = client.get(url, headers=stale)
            assert ran == []
            same(full, other)


def test_a_new_comment_is_a_new_version_at_once(client: TestClient, world: World) -> None:
    _u, token = world.user("ann")
    url = urls(world)[0]
    client.get(url)
    tag = client.get(url).headers["etag"]
    r = client.post(url, json={"body": "Fresh words."}, headers=bearer(token))
    assert r.status_code == 201
    after = client.get(url, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert "Fresh words." in after.text


def test_signed_in_readers_and_cors_callers_take_the_full_path(
    client: TestClient, world: World
) -> None:
    _u, token = world.user("ann")
    url = urls(world)[0]
    client.get(url)
    client.get(url)
    for headers in (
        bearer(token),
        {"Cookie": "veche_session=whatever"},
        {"Origin": "https://news.example"},
    ):
        with statements(world.rt) as ran:
            r = client.get(url, headers=headers)
        assert r.status_code == 200 and ran, headers
    private = client.get(url, headers=bearer(token))
    assert private.headers["cache-control"] == "private, no-cache"
    cors = client.get(url, headers={"Origin": "https://news.example"})
    assert cors.headers["access-control-allow-origin"] == "https://news.example"


def test_a_write_no_notice_reports_is_seen_within_the_version_ttl(
    client: TestClient, world: World
) -> None:
    """Another process (a CLI import) writes without telling this node."""
    _u, token = world.user("ann")
    versions: StoryVersions = client.app.state.versions  # type: ignore[attr-defined]
    now = [1000.0]
    versions.clock = lambda: now[0]
    url = urls(world)[0]
    client.get(url)
    before = client.get(url).headers["etag"]
    elsewhere = Runtime.build(replace(world.rt.config))  # its own broker: this node hears nothing
    try:
        post(world, token, "Written elsewhere.", rt=elsewhere)
    finally:
        elsewhere.db.dispose()
    assert client.get(url).headers["etag"] == before  # not yet: nobody said so
    now[0] += versions.ttl + 0.1
    fresh = client.get(url)
    assert fresh.headers["etag"] != before and "Written elsewhere." in fresh.text


@pytest.fixture
def unheard(world: World) -> Iterator[TestClient]:
    """A node whose broker cannot reach Redis: it hears no other node."""
    config = replace(world.rt.config, redis_url="redis://127.0.0.1:9/0")
    rt = Runtime.build(config)
    with TestClient(create_app(config, rt), base_url="https://veche.test") as c:
        yield c
    rt.db.dispose()


def test_without_the_broker_every_read_asks_the_store(unheard: TestClient, world: World) -> None:
    _u, token = world.user("ann")
    url = urls(world)[0]
    unheard.get(url)
    rt: Runtime = unheard.app.state.runtime  # type: ignore[attr-defined]
    assert not rt.broker.connected
    with statements(rt) as ran:
        before = unheard.get(url).headers["etag"]
    assert ran
    post(world, token, "Seen at once.")
    assert unheard.get(url).headers["etag"] != before


def test_an_answer_rendered_again_the_same_is_answered_from_memory_again(
    client: TestClient, world: World
) -> None:
    """The page cache's entry ages out (presence dots); the same bytes rendered again must
    not leave the hot copy expired for good."""
    cache = client.app.state.page_cache  # type: ignore[attr-defined]
    later = [0.0]
    wall = cache.clock
    cache.clock = lambda: wall() + later[0]
    url = urls(world)[0]
    first = client.get(url)
    later[0] = cache.ttl + 1  # past the entry's life: the next read renders it again
    again = client.get(url)
    assert again.headers["etag"] == first.headers["etag"]
    with statements(world.rt) as ran:
        hot = client.get(url)
    assert ran == []
    same(first, hot)
