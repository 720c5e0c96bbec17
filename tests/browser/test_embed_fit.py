"""The embed fits the publisher's pages, in Chromium: comment counts on an article list (a
page with no discussion on it), and the real reason when a page may not show a discussion."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Live, _Publisher
from tests.conftest import PASSWORD
from tests.live_helpers import free_port
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.runtime import Viewer
from veche.service.stories import SiteSettings, Stories

pytestmark = pytest.mark.browser


def write(live: Live, story_id: int, handle: str, text: str) -> None:
    accounts = Accounts(live.rt)
    user, _token = accounts.sign_in(handle, PASSWORD, ip="127.0.0.1")
    Comments(live.rt).create(story_id, Draft(text), Viewer(user, "127.0.0.1"))


@contextmanager
def article_list(html: str) -> Iterator[str]:
    """The publisher's front page, served from loopback as its article pages are (Chromium
    lets a page reach veche on loopback only from a loopback address), on its own port."""

    class Handler(_Publisher):
        page = html.encode()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_count_widget_fills_an_article_list_in_one_request(
    page: Page, live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    live.user("ann")
    bridge = Stories(live.rt).create("news", f"{live.publisher}/2026/bridge", "Bridge reopens")
    write(live, live.story.id, "ann", "The coast road was closed by noon.")
    write(live, live.story.id, "ann", "Buses ran on the inland route instead.")
    write(live, bridge.id, "ann", "Is the bridge safe for lorries now?")
    unknown = f"{live.publisher}/2026/no-discussion-yet"
    html = (
        "<!doctype html><html><head><title>Latest news</title></head><body><ul>"
        f'<li><a id="storm" href="/2026/storm" data-veche-count data-story-url="{live.story.url}">'
        "Comments</a></li>"
        f'<li><a id="bridge" href="/2026/bridge" data-veche-count data-story-url="{bridge.url}">'
        '<span class="icon" aria-hidden="true">&#128172;</span> '
        "<span data-veche-count-number>?</span></a></li>"
        f'<li><a id="unknown" data-veche-count data-story-url="{unknown}">Comments</a></li>'
        f'<li><a id="again" data-veche-count data-story-url="{live.story.url}">Comments</a></li>'
        f'</ul><script src="{live.base}/count.js" async></script></body></html>'
    )

    asked: list[str] = []

    def on_request(request: Request) -> None:
        if "/api/v1/counts" in request.url:
            asked.append(request.url)

    page.on("request", on_request)
    monkeypatch.setattr(Stories, "ORIGINS_TTL", 0.0)
    with article_list(html) as front:
        # The front page is another origin of the same site.
        origins = [live.base, live.publisher, front]
        Stories(live.rt).update_site("news", SiteSettings(allowed_origins=origins))
        page.goto(f"{front}/list")
        expect(page.locator("#storm")).to_have_text("2 comments")
        expect(page.locator("#again")).to_have_text("2 comments")
        # Only the number changes where the publisher marked it; the icon stays.
        expect(page.locator("#bridge [data-veche-count-number]")).to_have_text("1")
        expect(page.locator("#bridge .icon")).to_be_attached()
        expect(page.locator("#unknown")).to_have_text("0 comments")
        expect(page.locator("#storm")).to_have_attribute("data-veche-count", "2")
    assert len(asked) == 1, asked
    assert page.locator(".veche-embed").count() == 0


def test_a_page_its_site_does_not_list_shows_the_reason(
    page: Page, live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's origin belongs to another site: veche's refusal is readable (CORS), and
    the embed shows it instead of "Something went wrong"."""
    monkeypatch.setattr(Stories, "ORIGINS_TTL", 0.0)
    stories = Stories(live.rt)
    stories.create_site("other", SiteSettings(allowed_origins=[live.publisher]))
    stories.update_site("news", SiteSettings(allowed_origins=[live.base]))
    page.goto(f"{live.publisher}/2026/storm")
    expect(page.locator(".veche-embed .form-error")).to_have_text(
        f"This site does not allow pages from {live.publisher} to show its discussion."
    )
    expect(page.locator(".veche-embed [data-veche-discussion]")).to_have_count(0)
