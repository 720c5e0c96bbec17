"""Two readers on one story in Chromium: each sees the other's comments, replies, edits and
deletions live, and a reader who drops off the network catches up without a reload."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from tests.browser.conftest import Live
from tests.browser.test_hosted import comment, post
from tests.conftest import PASSWORD
from veche.domain.enums import Role
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.runtime import Viewer
from veche.store.models import User

pytestmark = pytest.mark.browser


def test_two_readers_see_each_other_live(page: Page, second: Page, live: Live) -> None:
    live.user("ann", "Ann Lee")
    live.user("bob")
    live.sign_in(page, "ann")
    live.sign_in(second, "bob")

    # A new top-level comment waits behind a button, so Bob's page does not jump.
    post(page, ".discussion-head ~ form.comment-form", "The coast road is open again.")
    ann = comment(page, "The coast road is open again.")
    waiting = second.locator("button.new-comments")
    expect(waiting).to_have_text("1 new comment")
    expect(second.locator(f"#c{ann}")).to_have_count(0)
    waiting.click()
    expect(second.locator(f"#c{ann} > .comment-card .body")).to_have_text(
        "The coast road is open again."
    )

    # Bob's reply appears in place under Ann's comment, on Ann's page.
    second.click(f"#c{ann} > .comment-card [data-action=reply]")
    post(second, f"#c{ann} > .comment-card form.comment-form", "Only one lane, though.")
    reply = comment(second, "Only one lane, though.")
    expect(page.locator(f"#c{ann} > ol.replies > #c{reply} .body")).to_have_text(
        "Only one lane, though."
    )

    # Ann edits; Bob sees the new text. Bob deletes; Ann sees the placeholder.
    page.click(f"#c{ann} > .comment-card [data-action=edit]")
    edit = page.locator(f"#c{ann} form.edit-form")
    edit.locator("textarea").fill("The coast road is open again, one lane each way.")
    edit.locator("button[type=submit]").click()
    expect(second.locator(f"#c{ann} > .comment-card .body")).to_have_text(
        "The coast road is open again, one lane each way."
    )
    delete = second.locator(f"#c{reply} > .comment-card form[data-action=delete] button")
    delete.click()
    delete.click()  # confirm
    expect(page.locator(f"#c{reply} > .comment-card .placeholder")).to_have_text(
        "The comment was deleted."
    )

    # Bob drops off the network; what happens meanwhile arrives when he is back.
    second.context.set_offline(True)
    page.click(f"#c{ann} > .comment-card [data-action=reply]")
    post(page, f"#c{ann} > .comment-card form.comment-form", "Posted while Bob was offline.")
    late = comment(page, "Posted while Bob was offline.")
    expect(second.locator(".live-state")).to_have_text("reconnecting…")
    second.context.set_offline(False)
    expect(second.locator(f"#c{late} .body")).to_have_text(
        "Posted while Bob was offline.", timeout=30_000
    )
    expect(second.locator(".live-state")).to_be_hidden()
    # Nothing was shown twice.
    expect(second.locator(f"#c{late}")).to_have_count(1)
    expect(second.locator(f"#c{ann}")).to_have_count(1)


def test_presence_dots_follow_readers_live(page: Page, second: Page, live: Live) -> None:
    live.user("ann")
    live.user("bob")
    accounts, comments = Accounts(live.rt), Comments(live.rt)
    for handle in ("ann", "bob"):
        _u, token = accounts.sign_in(handle, PASSWORD, ip="127.0.0.1")
        who = Viewer(user=accounts.resolve(token), ip="127.0.0.1")
        comments.create(live.story.id, Draft(f"{handle} was here."), who)
    away(live, "bob")
    live.sign_in(page, "ann")
    bob = page.locator('.presence[data-handle="bob"]')
    expect(bob).to_have_text("Offline")
    # Bob opens the story: Ann's page shows him online, without a reload.
    live.sign_in(second, "bob")
    expect(bob).to_have_text("Online")
    expect(bob).to_have_class("presence online")
    # Bob closes it, and five minutes go by: he is offline on Ann's page.
    second.close()
    away(live, "bob")
    expect(bob).to_have_text("Offline", timeout=15_000)
    expect(page.locator('.presence[data-handle="ann"]').first).to_have_text("Online")


def test_a_moderator_gets_remove_on_comments_that_arrive_live(
    page: Page, second: Page, live: Live
) -> None:
    Accounts(live.rt).create_user("mod", PASSWORD, role=Role.moderator)
    live.user("bob")
    live.sign_in(page, "mod")
    live.sign_in(second, "bob")
    post(second, ".discussion-head ~ form.comment-form", "The bridge plan is nonsense.")
    top = comment(second, "The bridge plan is nonsense.")
    page.locator("button.new-comments").click()
    expect(page.locator(f"#c{top} > .comment-card details.moderate")).to_have_count(1)
    second.click(f"#c{top} > .comment-card [data-action=reply]")
    post(second, f"#c{top} > .comment-card form.comment-form", "And the tunnel plan too.")
    reply = comment(second, "And the tunnel plan too.")
    moderate = page.locator(f"#c{reply} > .comment-card details.moderate")
    expect(moderate).to_have_count(1)
    moderate.locator("summary").click()
    moderate.locator("select[name=reason]").select_option("Off-topic")
    moderate.locator("input[name=note]").fill("Stay on the storm, please.")
    moderate.locator("button[value=remove]").click()
    # The author sees the placeholder live, then the reason; the moderator the words, marked.
    card = second.locator(f"#c{reply} > .comment-card")
    expect(card.locator(".placeholder")).to_have_text("The comment was removed by a moderator.")
    expect(card.locator(".mod-reason")).to_have_text(
        "Reason: Off-topic: Stay on the storm, please."
    )
    mine = page.locator(f"#c{reply} > .comment-card")
    expect(mine.locator(".body")).to_contain_text("And the tunnel plan too.")
    expect(mine.locator("details.moderate summary")).to_contain_text("removed")


def away(live: Live, handle: str) -> None:
    """As if the reader's last request were an hour old."""
    with live.rt.db.session() as s:
        s.execute(
            update(User)
            .where(User.handle == handle)
            .values(last_seen_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        )
