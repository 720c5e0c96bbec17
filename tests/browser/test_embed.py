"""The embed on a publisher's page from another site, in Chromium's default settings.

Third-party cookies and storage are blocked there, so the embed keeps its token and drafts
in the publisher page's own localStorage and calls the API cross-origin.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Live
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def embed(page: Page, live: Live) -> Locator:
    page.goto(f"{live.publisher}/2026/storm")
    root = page.locator(".veche-embed [data-veche-discussion][data-ready=yes]")
    expect(root).to_be_attached()
    return root


def by_text(root: Locator, text: str) -> Locator:
    return root.locator("li.comment", has=root.page.get_by_text(text, exact=True)).last


def test_embed_sign_in_comment_reply_and_draft(page: Page, live: Live) -> None:
    live.user("Mara", "Mara Ozola")
    root = embed(page, live)
    assert page.url.startswith("http://localhost:")
    expect(root.locator(".gate")).to_contain_text("you must sign in")

    gate = root.locator(".gate form.auth-form[data-auth=signin]")
    gate.locator("input[name=login]").fill("Mara")
    gate.locator("input[name=password]").fill(PASSWORD)
    gate.locator("button[type=submit]").click()
    root = page.locator(".veche-embed [data-veche-discussion]")
    expect(root.locator(".me .handle")).to_have_text("Mara")

    form = root.locator(".discussion-head ~ form.comment-form")
    form.locator("textarea").fill("Commenting from the publisher's page.")
    form.locator("button[type=submit]").click()
    top = by_text(root, "Commenting from the publisher's page.")
    expect(top.locator(".byline")).to_contain_text("(Mara Ozola)")

    top.locator("[data-action=reply]").first.click()
    reply_form = top.locator("form.comment-form")
    reply_form.locator("textarea").fill("And replying to myself.")
    reply_form.locator("button[type=submit]").click()
    reply = by_text(root, "And replying to myself.")
    expect(reply).to_have_attribute("data-number", "1.1")

    # A draft typed into the embed survives a reload of the publisher's page.
    form.locator("textarea").fill("A draft I have not sent yet")
    page.reload()
    root = embed(page, live)
    expect(root.locator(".me .handle")).to_have_text("Mara")  # still signed in
    expect(root.locator(".discussion-head ~ form.comment-form textarea")).to_have_value(
        "A draft I have not sent yet"
    )
    assert live.count() == 2
    # The token and the draft are the publisher page's own storage, not a third party's.
    keys = page.evaluate("Object.keys(localStorage)")
    assert any(k.startswith("veche:token:") for k in keys)
    assert any(k.startswith("veche:draft:") for k in keys)


def test_third_party_cookies_and_storage_are_blocked_here(page: Page, live: Live) -> None:
    """Why the embed is not an iframe: prove the browser blocks a third-party frame."""
    page.goto(f"{live.publisher}/2026/storm")
    page.evaluate(
        "url => { const f = document.createElement('iframe'); f.src = url; "
        "document.body.appendChild(f); }",
        f"{live.base}/embed/discussion?url={live.story.url}",
    )
    frame = page.frame_locator("iframe")
    expect(frame.locator(".gate")).to_be_attached()
    blocked = page.frames[-1].evaluate(
        "() => { try { localStorage.setItem('x', '1'); return false; } catch (e) { return true; } }"
    )
    assert blocked is True


def test_embed_refuses_unknown_origins(page: Page, live: Live) -> None:
    from veche.service.stories import SiteSettings, Stories

    Stories(live.rt).update_site("news", SiteSettings(allowed_origins=[live.base]))
    Stories.ORIGINS_TTL = 0.0
    try:
        page.goto(f"{live.publisher}/2026/storm")
        # No site lists the page's origin, so the browser may not read veche's answers:
        # the embed tells that apart from a dropped network and says so.
        expect(page.locator(".veche-embed .form-error")).to_have_text(
            f"This site does not allow pages from {live.publisher} to show its discussion."
        )
    finally:
        Stories.ORIGINS_TTL = 10.0
