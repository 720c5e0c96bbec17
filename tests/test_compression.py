"""Compressed answers for readers on bad networks, and the first view's byte budget."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.live_helpers import Stream, serve_in_thread


def test_pages_are_compressed_and_revalidate_by_their_encoded_etag(
    client: TestClient, world: World
) -> None:
    url = f"/stories/{world.story.id}"
    for encoding in ("br", "gzip"):
        r = client.get(url, headers={"Accept-Encoding": encoding})
        assert r.status_code == 200
        assert r.headers["content-encoding"] == encoding
        assert "Accept-Encoding" in r.headers["vary"]
        etag = r.headers["etag"]
        assert etag.endswith(f'-{encoding}"')
        again = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
        assert again.status_code == 304
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert not plain.headers["etag"].endswith(('-br"', '-gzip"'))


def test_the_first_view_of_a_hosted_thread_fits_in_30_kb(client: TestClient, world: World) -> None:
    """HTML, CSS and JS of a story page as a phone on a cut network downloads them."""
    _u, token = world.user("ann")
    for i in range(20):
        client.post(
            f"/api/v1/stories/{world.story.id}/comments",
            json={"body": f"Comment {i}: " + "the coast road, the warming centre. " * 8},
            headers={"Authorization": f"Bearer {token}"},
        )
    page = client.get(f"/stories/{world.story.id}").text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert sorted(assets) == ["/static/offline.js", "/static/veche.css", "/static/veche.js"]
    total = 0
    # offline.js registers /sw.js on the first view: the worker's script is downloaded too.
    for path in (f"/stories/{world.story.id}", *assets, "/sw.js"):
        r = client.get(path, headers={"Accept-Encoding": "br, gzip"})
        assert r.status_code == 200 and r.headers.get("content-encoding") in ("br", "gzip")
        # As sent (a file over 64 KiB is compressed in chunks, without a Content-Length).
        total += r.num_bytes_downloaded
    assert total <= 30 * 1024, total


@pytest.fixture
def base(world: World) -> Iterator[str]:
    with serve_in_thread(world.rt) as url:
        yield url


def test_event_streams_are_not_compressed(base: str, world: World) -> None:
    """A compressor per open stream would cost every idle reader tens of kilobytes."""
    stream = Stream(
        base, f"/api/v1/stories/{world.story.id}/events", {"Accept-Encoding": "gzip, br"}
    )
    try:
        assert stream.status == 200
        assert stream.response.getheader("content-encoding") is None
        assert stream.next().event == "hello"
    finally:
        stream.close()
