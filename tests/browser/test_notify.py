"""The bell in Chromium: a reply on the publisher's page (the embed) rings the hosted page's
bell live, and the answer rings the embed's; the list links to the comment."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live
from tests.browser.test_embed import by_text, embed
from tests.browser.test_hosted import comment, post
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_replies_ring_the_bell_live_on_the_page_and_in_the_embed(
    page: Page, second: Page, live: Live
) -> None:
    live.user("ann")
    live.user("Mara")
    live.sign_in(page, "ann")
    bell = page.locator(".discussion .me .veche-bell")
    expect(bell).to_have_attribute("data-unread", "0")
    post(page, ".discussion-head ~ form.comment-form", "Is the bridge open yet?")
    ann = comment(page, "Is the bridge open yet?")

    # Mara answers from the publisher's page, in the embed, signed in there.
    root = embed(second, live)
    gate = root.locator(".gate form.auth-form[data-auth=signin]")
    gate.locator("input[name=login]").fill("Mara")
    gate.locator("input[name=password]").fill(PASSWORD)
    gate.locator("button[type=submit]").click()
    root = second.locator(".veche-embed [data-veche-discussion]")
    expect(root.locator(".me .handle")).to_have_text("Mara")
    theirs = by_text(root, "Is the bridge open yet?")
    theirs.locator("[data-action=reply]").first.click()
    form = theirs.locator("form.comment-form")
    form.locator("textarea").fill("Since noon, @ann. One lane.")
    form.locator("button[type=submit]").click()
    expect(by_text(root, "Since noon, @ann. One lane.")).to_be_visible()

    # Ann's bell rings without a reload; the mention in the reply is a profile link.
    expect(bell.locator(".bell-count")).to_have_text("1")
    mention = page.locator(f"#c{ann} a.mention")
    expect(mention).to_have_attribute("href", f"{live.base}/users/ann")
    expect(mention).to_have_text("@ann")
    bell.click()
    item = page.locator(".bell-panel li.unread a")
    expect(item).to_have_text("Mara replied to your comment in “Storm cuts the coast road”")
    reply = comment(page, "Since noon, @ann. One lane.")
    expect(item).to_have_attribute(
        "href", f"{live.base}/stories/{live.story.id}/comments/{reply}#c{reply}"
    )
    page.locator(".bell-panel .bell-read-all").click()
    expect(bell).to_have_attribute("data-unread", "0")

    # Ann answers; the embed's bell rings on the publisher's page.
    page.click(f"#c{reply} > .comment-card [data-action=reply]")
    post(page, f"#c{reply} > .comment-card form.comment-form", "Thanks, @[Mara]!")
    embed_bell = root.locator(".me .veche-bell")
    expect(embed_bell.locator(".bell-count")).to_have_text("1")
    embed_bell.click()
    expect(root.locator(".bell-panel li.unread a")).to_contain_text("ann replied to your comment")
    root.locator(".bell-panel .bell-read-all").click()
    expect(embed_bell).to_have_attribute("data-unread", "0")
