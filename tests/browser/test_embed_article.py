"""The embed fits the article, in Chromium: permalinks lead to the publisher's page and to the
comment on it, quotes of the article come back verified, and the theme (dark by attribute,
by the reader's setting, a site's colour set by the CLI) applies."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import Live, _Publisher
from tests.conftest import PASSWORD
from tests.live_helpers import free_port
from veche.cli.main import main
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.runtime import Viewer
from veche.service.stories import SiteSettings, Stories

pytestmark = pytest.mark.browser

TARGET = re.compile(r"\bveche-target\b")
ARTICLE = (
    "The council opened the sports hall as a warming centre for families on Sunday night.",
    "Power returned to most streets late on Monday evening, the grid operator said.",
)


class Site:
    """Another of the site's origins on loopback (Chromium lets only a loopback page reach
    veche on loopback), serving one page at every path; `show` changes it."""

    def __init__(self, live: Live, origin: str, handler: type[_Publisher]) -> None:
        self.live, self.origin, self.handler = live, origin, handler

    def show(self, body: str, title: str = "Storm") -> None:
        html = f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"
        self.handler.page = html.replace("{base}", self.live.base).encode()


@contextmanager
def publisher(live: Live, body: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    class Handler(_Publisher):
        """This site's own page."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = Site(live, f"http://localhost:{server.server_address[1]}", Handler)
    site.show(body)
    monkeypatch.setattr(Stories, "ORIGINS_TTL", 0.0)
    Stories(live.rt).update_site("news", SiteSettings(add_origins=[site.origin]))
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def ready(page: Page) -> Locator:
    root = page.locator(".veche-embed [data-veche-discussion][data-ready=yes]")
    expect(root).to_be_attached()
    return root


def write(live: Live, story_id: int, handle: str, text: str) -> int:
    user, _token = Accounts(live.rt).sign_in(handle, PASSWORD, ip="127.0.0.1")
    c, _ = Comments(live.rt).create(story_id, Draft(text), Viewer(user, "127.0.0.1"))
    return c.id


def test_a_permalink_leads_to_its_comment_on_the_publishers_page(page: Page, live: Live) -> None:
    """The comment is on the thread's second page: opening the article with its hash loads
    the block that shows it, scrolls to it, highlights it and gives it focus."""
    live.user("ann")
    ids = [write(live, live.story.id, "ann", f"Road report number {n}.") for n in range(1, 24)]
    late = ids[-1]  # page size 20, oldest first: on page 2
    article = f"{live.publisher}/2026/storm"

    page.goto(article)
    root = ready(page)
    expect(root.locator(f"#c{ids[0]}")).to_be_attached()
    expect(root.locator(f"#c{late}")).to_have_count(0)
    link = root.locator(f"#c{ids[0]} a.permalink")
    # The comment's link is the article's, not veche's.
    expect(link).to_have_attribute("href", f"{article}#veche-comment-{ids[0]}")

    page.goto(f"{article}#veche-comment-{late}")
    root = ready(page)
    target = root.locator(f"#c{late}")
    expect(target).to_have_class(TARGET)
    expect(target).to_be_in_viewport()
    assert (
        page.evaluate("() => document.querySelector('.veche-embed').shadowRoot.activeElement?.id")
        == f"c{late}"
    )
    expect(root.locator(".partial")).to_be_visible()
    expect(root.locator(f"#c{late} a.permalink")).to_have_attribute(
        "href", f"{article}#veche-comment-{late}"
    )
    # "All comments" brings the whole discussion back into the embed, not to veche.
    root.locator(".partial a").click()
    root = ready(page)
    expect(root.locator(f"#c{ids[0]}")).to_be_attached()
    expect(root.locator(".partial")).to_have_count(0)
    assert page.url.startswith(article)

    # Following a comment's link on the page moves to it in place.
    page.goto(article)
    root = ready(page)
    root.locator(f"#c{ids[3]} a.permalink").click()
    expect(root.locator(f"#c{ids[3]}")).to_have_class(TARGET)
    assert page.url == f"{article}#veche-comment-{ids[3]}"


def test_hosted_pages_keep_their_own_permalinks(page: Page, live: Live) -> None:
    live.user("ann")
    first = write(live, live.story.id, "ann", "A comment on the hosted page.")
    page.goto(f"{live.base}/stories/{live.story.id}")
    expect(page.locator(f"#c{first} a.permalink")).to_have_attribute(
        "href", f"/stories/{live.story.id}/comments/{first}#c{first}"
    )


def test_an_exact_quote_of_the_article_in_the_embed_is_verified(
    page: Page, live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embed sends the article's text when it first opens the story, offers Quote on a
    selection there (reached with the keyboard), and the quote comes back verified."""
    live.user("Mara")
    body = (
        f'<article id="story"><h1>Storm</h1><p>{ARTICLE[0]}</p><p>{ARTICLE[1]}</p></article>'
        '<script src="{base}/embed.js" data-story-url="PAGE" data-article-selector="#story" '
        "async></script>"
    )
    with publisher(live, "", monkeypatch) as site:
        url = f"{site.origin}/2026/warming-centre"
        site.show(body.replace("PAGE", url), title="Warming centre opens")
        page.goto(url)
        root = ready(page)
        story = Stories(live.rt).by_url(url, create=False)
        assert story.body_text is not None and ARTICLE[1] in story.body_text
        assert story.body_html is None  # for checking quotes only: veche does not host it

        gate = root.locator(".gate form.auth-form[data-auth=signin]")
        gate.locator("input[name=login]").fill("Mara")
        gate.locator("input[name=password]").fill(PASSWORD)
        gate.locator("button[type=submit]").click()
        root = ready(page)
        expect(root.locator(".me .handle")).to_have_text("Mara")

        # Select the second paragraph's words as a keyboard user would leave them selected.
        page.evaluate(
            """() => {
              const p = document.querySelectorAll('#story p')[1];
              const text = p.firstChild;
              const start = text.data.indexOf('Power');
              const end = text.data.indexOf(', the grid');
              const range = document.createRange();
              range.setStart(text, start); range.setEnd(text, end);
              const sel = document.getSelection();
              sel.removeAllRanges(); sel.addRange(range);
            }"""
        )
        button = root.locator(".quote-selection")
        expect(button).to_be_visible()
        page.keyboard.press("Tab")
        expect(button).to_be_focused()
        page.keyboard.press("Enter")
        form = root.locator(".discussion-head ~ form.comment-form")
        expect(form.locator(".quote-preview")).to_be_visible()
        expect(form.locator(".quote-preview p")).to_have_text(
            "Power returned to most streets late on Monday evening"
        )
        expect(form.locator("textarea")).to_be_focused()
        page.keyboard.type("The power came back sooner than the council said.")
        form.locator("button[type=submit]").click()
        quote = root.locator("li.comment blockquote.quote").last
        expect(quote).to_have_attribute("data-quote-state", "verified")
        # The article quote's link leads to the article itself.
        expect(quote.locator("header a")).to_have_attribute("href", url)


def test_article_text_follows_the_title_rule(
    browser: Browser, page: Page, live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A story that has its text keeps it against an unsigned page; a page whose title the
    publisher signed replaces it."""
    from veche.security import signing

    with publisher(live, "", monkeypatch) as site:
        url = f"{site.origin}/2026/bridge"
        stories = Stories(live.rt)
        stories.open_thread(
            url, "Bridge", origin=site.origin, ip="127.0.0.1", article_text="The first text."
        )
        title = "Bridge reopens"
        signature = signing.title_signature(stories.title_key("news"), url, title)
        embed = (
            f"<div id='a'><p>{ARTICLE[0]}</p></div>"
            f'<script src="{{base}}/embed.js" data-story-url="{url}" data-article-selector="#a"'
        )

        site.show(embed + " async></script>")
        page.goto(url)
        ready(page)
        page.wait_for_timeout(300)  # nothing is sent; give a wrong POST the time to land
        assert stories.by_url(url, create=False).body_text == "The first text."

        site.show(embed + f' data-story-title="{title}" data-title-signature="{signature}" async>'
                  "</script>")  # fmt: skip
        page.goto(url)
        ready(page)
        for _ in range(50):
            if stories.by_url(url, create=False).body_text == ARTICLE[0]:
                break
            page.wait_for_timeout(100)
        assert stories.by_url(url, create=False).body_text == ARTICLE[0]
        # The page's text and veche's agree (one digest, computed on both sides): a signed
        # page sends it again only when the article changed.
        # (A new reader: the last one's browser may keep the discussion it read for a while.)
        posts: list[str] = []
        fresh = browser.new_context().new_page()
        fresh.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        fresh.goto(url)
        ready(fresh)
        fresh.wait_for_timeout(300)
        fresh.context.close()
        assert posts == []


def background(page: Page) -> str:
    return str(
        page.evaluate(
            "() => getComputedStyle(document.querySelector('.veche-embed')).backgroundColor"
        )
    )


def test_dark_theme_by_attribute_and_by_the_readers_setting(
    browser: Browser, page: Page, live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    page.goto(f"{live.publisher}/2026/storm")
    ready(page)
    light = background(page)
    assert light == "rgb(250, 250, 248)"

    body = (
        '<p>Article.</p><script src="{base}/embed.js" data-story-url="'
        + live.story.url
        + '" data-theme="dark" async></script>'
    )
    with publisher(live, body, monkeypatch) as site:
        page.goto(f"{site.origin}/2026/storm")
        ready(page)
        assert background(page) == "rgb(21, 25, 30)"

    context = browser.new_context(color_scheme="dark")
    dark = context.new_page()
    try:
        dark.goto(f"{live.publisher}/2026/storm")
        ready(dark)
        assert background(dark) == "rgb(21, 25, 30)"
        # The hosted page follows the reader's setting too.
        dark.goto(f"{live.base}/stories/{live.story.id}")
        assert dark.evaluate("getComputedStyle(document.body).backgroundColor") == (
            "rgb(21, 25, 30)"
        )
    finally:
        context.close()


def test_a_sites_theme_set_by_the_cli_shows(page: Page, live: Live) -> None:
    database = live.rt.config.database_url
    result = CliRunner().invoke(
        main,
        ["site", "update", "news", "--theme-background", "#fff8e7", "--theme-accent", "#7a1f5c",
         "--theme-font", 'Georgia, "Times New Roman", serif'],
        env={"VECHE_DATABASE_URL": database, "VECHE_SECRET_KEY": "browser-secret"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "accent=#7a1f5c" in result.output
    page.goto(f"{live.publisher}/2026/storm")
    root = ready(page)
    expect(page.locator(".veche-embed")).to_have_css("background-color", "rgb(255, 248, 231)")
    expect(root.locator("form.auth-form button[type=submit]").first).to_have_css(
        "background-color", "rgb(122, 31, 92)"
    )
    expect(page.locator(".veche-embed")).to_have_css(
        "font-family", 'Georgia, "Times New Roman", serif'
    )
    # The hosted page takes the same stylesheet.
    page.goto(f"{live.base}/stories/{live.story.id}")
    expect(page.locator("body")).to_have_css("background-color", "rgb(255, 248, 231)")


def test_the_embed_inherits_the_pages_font(
    page: Page, live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = (
        '<div style="font-family: Courier">'
        '<script src="{base}/embed.js" data-story-url="'
        + live.story.url
        + '" async></script></div>'
    )
    with publisher(live, body, monkeypatch) as site:
        page.goto(f"{site.origin}/2026/storm")
        root = ready(page)
        expect(root.locator(".discussion-head h2")).to_have_css("font-family", "Courier")
