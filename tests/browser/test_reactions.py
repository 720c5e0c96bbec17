"""Reactions in Chromium: a reader's click presses the button and moves the count, and
another reader's page sees the count move live, without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import Live
from veche.service.comments import Comments, Draft
from veche.service.runtime import Viewer
from veche.store.models import User

pytestmark = pytest.mark.browser


def by(live: Live, handle: str, body: str) -> int:
    with live.rt.db.session(write=False) as s:
        user = s.scalars(select(User).where(User.handle == handle)).one()
    comment, _ = Comments(live.rt).create(
        live.story.id, Draft(body=body), Viewer(user, "127.0.0.1")
    )
    return comment.id


def test_a_reaction_moves_the_count_on_another_readers_page(
    page: Page, second: Page, live: Live
) -> None:
    for handle in ("ann", "bob", "cid"):
        live.user(handle)
    target = by(live, "ann", "The coast road is open again.")
    own = by(live, "bob", "Only one lane, though.")
    live.sign_in(page, "bob")
    live.sign_in(second, "cid")
    button = page.locator(f"#c{target} > .comment-card form.react button")
    theirs = second.locator(f"#c{target} > .comment-card form.react button")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(page.locator(f"#c{own} > .comment-card form.react button")).to_be_disabled()

    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".count")).to_have_text("1")
    expect(theirs.locator(".count")).to_have_text("1")  # live, over the event stream
    expect(theirs).to_have_attribute("aria-pressed", "false")  # not Cid's own

    page.reload()  # mine comes back pressed, from the overlay
    expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    expect(button).to_have_attribute("aria-pressed", "true")
    button.click()  # taken back
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(theirs.locator(".count")).to_have_text("0")
