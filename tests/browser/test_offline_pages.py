"""Readable on a cut network: veche's service worker keeps the last threads a reader opened.

Two cuts are used, and both reach the worker (the pages it serves carry X-Veche-Saved, which
only it sets): stopping veche, so its port refuses connections, and Playwright's offline
switch, which in this Chromium applies to the worker's own fetches too. No test here routes
requests: Playwright bypasses service workers while a route is set.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Error, Page, expect

from tests.browser.conftest import Live
from tests.conftest import PASSWORD
from veche.service.accounts import Accounts
from veche.service.comments import Comments
from veche.service.drafts import Draft
from veche.service.runtime import Viewer
from veche.service.stories import Stories

pytestmark = pytest.mark.browser

KEEP = 10  # threads sw.js keeps
READY = "[data-veche-discussion][data-ready=yes]"
SAVED_PATHS = """async () => {
  const cache = await caches.open("veche-pages-v1");
  return (await cache.keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search);
}"""


def say(live: Live, *texts: str) -> None:
    """Comments by Vija on the live story, written through the service."""
    user = Accounts(live.rt).create_user("Vija", PASSWORD)
    for text in texts:
        Comments(live.rt).create(live.story.id, Draft(text), Viewer(user, "127.0.0.1"))


def until(check: Callable[[], bool], seconds: float = 5) -> None:
    """The worker trims its cache after it answers: wait for it to be done."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def kept(page: Page, url: str) -> None:
    """Wait until the worker controls the page and has kept the copy of `url`."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("async (u) => !!(await caches.match(u))", arg=url)


def visit(page: Page, url: str) -> None:
    """Open a thread as a reader would once the worker runs."""
    page.goto(url)
    expect(page.locator(READY)).to_be_attached()
    page.wait_for_function("async () => !!(await navigator.serviceWorker.ready)")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()  # it began loading while the worker was starting: not the worker's yet
    kept(page, url)


def saved(page: Page) -> list[str]:
    paths: list[str] = page.evaluate(SAVED_PATHS)
    return paths


def sign_in(page: Page, live: Live) -> None:
    live.user("Ilze", "Ilze Liepa")
    live.sign_in(page, "Ilze")


def test_a_visited_thread_reads_on_a_cut_network_marked_with_its_time(
    page: Page, live: Live
) -> None:
    say(live, "The coast road is open again.", "The sports hall closes at ten.")
    url = f"{live.base}/stories/{live.story.id}"
    online = page.goto(url)
    assert online is not None
    kept(page, url)  # the first page, loaded before the worker ran, is kept too

    live.cut()
    offline = page.goto(url)
    assert offline is not None and offline.status == 200
    assert offline.headers["content-security-policy"] == online.headers["content-security-policy"]
    bodies = page.locator("li.comment .body")
    expect(bodies).to_have_text(["The coast road is open again.", "The sports hall closes at ten."])
    mark = page.locator("main > .saved-copy")
    expect(mark).to_contain_text("— you are offline; this is the copy from then.")
    assert re.match(r"Saved \d{1,2}:\d{2}", mark.inner_text())
    stamp = mark.locator("time").get_attribute("datetime")
    assert stamp is not None
    age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(stamp)
    assert dt.timedelta(0) <= age < dt.timedelta(minutes=1)
    # Nothing can be sent from the copy, so nothing pretends it can.
    buttons = page.locator("form button[type=submit]")
    assert buttons.count() > 0
    for i in range(buttons.count()):
        expect(buttons.nth(i)).to_be_disabled()


def test_a_signed_in_readers_copy_is_the_shared_page_and_drafts_survive(
    page: Page, live: Live
) -> None:
    sign_in(page, live)
    url = f"{live.base}/stories/{live.story.id}"
    visit(page, url)
    page.locator(".discussion-head ~ form.comment-form textarea").fill("Typed before the mast fell")
    copy = "async (u) => { const r = await caches.match(u); return r ? r.text() : null; }"
    stored: str = page.wait_for_function(copy, arg=url).json_value()
    assert 'data-csrf=""' in stored and 'name="csrf" value=""' in stored
    assert "Signed in as" not in stored and "Commenting as" not in stored
    assert "Ilze" not in stored

    page.context.set_offline(True)
    page.goto(url)
    expect(page.locator("main > .saved-copy")).to_be_visible()
    page.context.set_offline(False)
    page.goto(url)
    expect(page.locator(READY)).to_be_attached()
    draft = page.locator(".discussion-head ~ form.comment-form textarea")
    expect(draft).to_have_value("Typed before the mast fell")
    expect(page.locator(".saved-copy")).to_have_count(0)


def test_a_thread_never_opened_is_not_there_offline(page: Page, live: Live) -> None:
    say(live, "Only this thread was opened.")
    other = Stories(live.rt).create(
        "news", f"{live.publisher}/2026/ferry", "Ferry back on time", body="The ferry sailed."
    )
    visit(page, f"{live.base}/stories/{live.story.id}")
    page.context.set_offline(True)
    # A permalink into the opened thread falls back to the thread's own copy.
    page.goto(f"{live.base}/stories/{live.story.id}/comments/1")
    expect(page.locator("li.comment .body")).to_have_text(["Only this thread was opened."])
    expect(page.locator(".saved-copy")).to_be_visible()
    with pytest.raises(Error, match="ERR_FAILED"):
        page.goto(f"{live.base}/stories/{other.id}")


def test_only_the_last_threads_are_kept(page: Page, live: Live) -> None:
    stories = [live.story] + [
        Stories(live.rt).create(
            "news", f"{live.publisher}/2026/s{i}", f"Story {i}", body=f"Story {i}."
        )
        for i in range(KEEP + 1)
    ]
    for story in stories:
        visit(page, f"{live.base}/stories/{story.id}")
    paths = [f"/stories/{s.id}" for s in stories]
    until(lambda: set(saved(page)) == set(paths[2:]))

    # Least recently visited goes first: open the oldest kept one again, then an evicted one.
    visit(page, f"{live.base}{paths[2]}")
    visit(page, f"{live.base}{paths[0]}")
    until(lambda: set(saved(page)) == {paths[0], paths[2], *paths[4:]})


def test_signing_out_forgets_the_saved_threads(page: Page, live: Live) -> None:
    other = Stories(live.rt).create(
        "news", f"{live.publisher}/2026/ferry", "Ferry back on time", body="The ferry sailed."
    )
    sign_in(page, live)
    visit(page, f"{live.base}/stories/{other.id}")
    visit(page, f"{live.base}/stories/{live.story.id}")
    assert set(saved(page)) == {f"/stories/{other.id}", f"/stories/{live.story.id}"}

    page.click(".site-header form button[type=submit]")  # Sign out
    expect(page.locator(".site-header")).to_contain_text("Sign in")
    expect(page.locator(READY)).to_be_attached()
    assert f"/stories/{other.id}" not in saved(page)


def test_the_embed_never_registers_a_worker(page: Page, live: Live) -> None:
    registrations = "navigator.serviceWorker.getRegistrations().then((r) => r.length)"
    page.goto(live.publisher)
    expect(page.locator(".veche-embed [data-veche-discussion][data-ready=yes]")).to_be_attached()
    page.goto(f"{live.base}/embed/discussion?url={live.story.url}")
    expect(page.locator(READY)).to_be_attached()
    assert page.locator("script[src='/static/offline.js']").count() == 0
    page.wait_for_timeout(500)
    assert page.evaluate(registrations) == 0
    assert page.context.service_workers == []


def test_a_saved_thread_keeps_its_sites_theme(page: Page, live: Live) -> None:
    from veche.service.stories import SiteSettings

    Stories(live.rt).update_site("news", SiteSettings(theme={"background": "#fff8e7"}))
    url = f"{live.base}/stories/{live.story.id}"
    visit(page, url)
    page.reload()  # now through the worker, which keeps the site's stylesheet with veche.css
    expect(page.locator(READY)).to_be_attached()
    theme = f"{live.base}/sites/news/theme.css"
    page.wait_for_function(
        "async (u) => !!(await (await caches.open('veche-static-v1')).match(u))", arg=theme
    )
    live.cut()
    page.goto(url)
    expect(page.locator("body")).to_have_css("background-color", "rgb(255, 248, 231)")
