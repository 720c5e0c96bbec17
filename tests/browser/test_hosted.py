"""The hosted story page in Chromium: sign up, comment, reply deep, quote, edit, delete."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live

pytestmark = pytest.mark.browser


def sign_up(page: Page, live: Live, handle: str, name: str) -> None:
    # A story page fetches its overlay, which gives an anonymous reader their cookie; leaving
    # before it answers would let that cookie land after the sign-up form's own.
    if "/stories/" in page.url:
        expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    page.goto(f"{live.base}/signup?next=/stories/{live.story.id}")
    page.fill("input[name=handle]", handle)
    page.fill("input[name=display_name]", name)
    page.fill("input[name=password]", "a long enough passphrase")
    page.click("form.auth-form button[type=submit]")
    expect(page.locator(".discussion .me .handle")).to_have_text(handle)


def post(page: Page, scope: str, text: str) -> None:
    form = page.locator(scope).last
    form.locator("textarea").fill(text)
    form.locator("button[type=submit]").click()


def comment(page: Page, text: str) -> str:
    """The id of the comment showing `text`, once it is on the page."""
    body = page.locator(".body > p", has_text=text)
    li = page.locator("li.comment", has=body.get_by_text(text, exact=True)).last
    expect(li).to_be_visible()
    value = li.get_attribute("data-comment-id")
    assert value
    return value


def test_sign_up_comment_reply_quote_edit_delete(page: Page, live: Live) -> None:
    page.goto(f"{live.base}/stories/{live.story.id}")
    expect(page.locator(".gate")).to_contain_text("you must sign in")
    sign_up(page, live, "Ruta", "Ruta Kalnina")
    expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()

    post(page, ".discussion-head ~ form.comment-form", "The warming centre was packed.")
    top = comment(page, "The warming centre was packed.")
    expect(page.locator(f"#c{top} .byline")).to_contain_text("Ruta")
    expect(page.locator(f"#c{top} .byline")).to_contain_text("(Ruta Kalnina)")
    expect(page.locator(f"#c{top} .presence")).to_have_text("Online")

    parent = top
    for level in (1, 2, 3):
        page.click(f"#c{parent} > .comment-card [data-action=reply]")
        post(page, f"#c{parent} > .comment-card form.comment-form", f"Reply level {level}")
        parent = comment(page, f"Reply level {level}")
    deepest = page.locator(f"#c{parent}")
    assert deepest.get_attribute("data-number") == "1.1.1.1"
    expect(deepest.locator("> .comment-card .num")).to_have_text("1.")

    # Select the words of the first reply (three: one word would be too short to check).
    level1 = comment(page, "Reply level 1")
    body = page.locator(f"#c{level1} > .comment-card .body p")
    body.evaluate(
        """p => { const r = document.createRange(); const t = p.firstChild;
                  r.setStart(t, 0); r.setEnd(t, 13); const s = getSelection();
                  s.removeAllRanges(); s.addRange(r); }"""
    )
    page.locator(".quote-selection").click()
    form = page.locator(f"#c{level1} > .comment-card form.comment-form")
    expect(form.locator(".quote-preview")).to_contain_text("Quote: Ruta")
    expect(form.locator(".quote-preview")).to_contain_text("Reply level 1")
    post(page, f"#c{level1} > .comment-card form.comment-form", "Quoting myself here.")
    quoting = comment(page, "Quoting myself here.")
    quote = page.locator(f"#c{quoting} .quote")
    expect(quote).to_have_attribute("data-quote-state", "verified")
    expect(quote.locator("header a")).to_have_text("Quote: Ruta")
    expect(quote.locator(".quote-state")).to_have_text("verified · 100% of the comment")

    # Edit the top comment in place.
    page.click(f"#c{top} > .comment-card [data-action=edit]")
    edit = page.locator(f"#c{top} form.edit-form")
    edit.locator("textarea").fill("The warming centre was packed all night.")
    edit.locator("button[type=submit]").click()
    expect(page.locator(f"#c{top} > .comment-card .body")).to_have_text(
        "The warming centre was packed all night."
    )
    expect(page.locator(f"#c{top} > .comment-card .edited")).to_be_visible()

    # Delete the first reply: its place and its replies stay.
    delete = page.locator(f"#c{level1} > .comment-card form[data-action=delete] button")
    delete.click()
    delete.click()  # confirm
    expect(page.locator(f"#c{level1} > .comment-card .placeholder")).to_have_text(
        "The comment was deleted."
    )
    page.reload()
    expect(page.locator(f"#c{level1} > .comment-card .placeholder")).to_have_text(
        "The comment was deleted."
    )
    expect(page.locator(f"#c{level1} > .comment-card .num")).to_have_text("1.")
    expect(page.locator(f"#c{level1} .body", has_text="Reply level 2")).to_be_visible()
    expect(page.locator(f"#c{level1} .body", has_text="Reply level 3")).to_be_visible()
    expect(page.locator(f"#c{quoting} .quote")).to_have_attribute(
        "data-quote-state", "source_deleted"
    )
    expect(page.locator(f"#c{quoting} .quote .placeholder")).to_have_text(
        "The quoted comment was deleted by its author."
    )


def test_quote_the_article_by_selecting_text(page: Page, live: Live) -> None:
    page.goto(f"{live.base}/stories/{live.story.id}")
    sign_up(page, live, "Andris", "Andris Berzins")
    expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    page.locator(".story-body p").first.evaluate(
        """p => { const r = document.createRange(); const t = p.firstChild;
                  r.setStart(t, 4); r.setEnd(t, 37); const s = getSelection();
                  s.removeAllRanges(); s.addRange(r); }"""
    )
    page.locator(".quote-selection").click()
    post(page, ".discussion-head ~ form.comment-form", "Good that it opened.")
    li = comment(page, "Good that it opened.")
    quote = page.locator(f"#c{li} .quote")
    expect(quote).to_have_attribute("data-quote-state", "verified")
    expect(quote.locator("header a")).to_have_text("Storm cuts the coast road")
    expect(quote.locator("p")).to_have_text("council opened the sports hall as")


def test_usable_without_javascript(browser: object, live: Live) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    live.user("Nojs", "No Script")
    page.goto(f"{live.base}/signin?next=/stories/{live.story.id}")
    page.fill("input[name=login]", "Nojs")
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.auth-form button[type=submit]")
    post(page, ".discussion-head ~ form.comment-form", "Posted with a plain form.")
    top = comment(page, "Posted with a plain form.")
    page.click(f"#c{top} [data-action=reply]")
    post(page, f"#c{top} form.comment-form", "And a plain reply.")
    reply = comment(page, "And a plain reply.")
    assert page.locator(f"#c{reply}").get_attribute("data-number") == "1.1"
    # A refused write keeps what was typed.
    post(page, ".discussion-head ~ form.comment-form", " ")
    context.close()


def test_load_more_appends_the_next_page(page: Page, live: Live) -> None:
    from veche.service.comments import Comments, Draft
    from veche.service.runtime import Viewer
    from veche.service.stories import SiteSettings, Stories

    Stories(live.rt).update_site("news", SiteSettings(allow_guests=True))
    comments = Comments(live.rt)
    for i in range(1, 24):
        made, _ = comments.create(
            live.story.id, Draft(f"Comment number {i}"), Viewer(None, "10.0.0.1")
        )
        if i == 21:
            comments.create(
                live.story.id,
                Draft("A reply on page two", parent_id=made.id),
                Viewer(None, "10.0.0.2"),
            )
    page.goto(f"{live.base}/stories/{live.story.id}")
    expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    top = page.locator("ol.comments > li.comment")
    expect(top).to_have_count(live.rt.config.page_size)
    page.click("a.load-more")
    expect(top).to_have_count(23)
    expect(page.locator("a.load-more")).to_have_count(0)
    expect(top.nth(20).locator(".num").first).to_have_text("21.")
    expect(top.nth(20).locator("ol.replies .body")).to_have_text("A reply on page two")
