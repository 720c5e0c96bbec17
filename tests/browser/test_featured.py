"""The Featured tab in Chromium: a moderator features a comment from the thread, a reader
finds it under the tab on the hosted page and in the embed on the publisher's page, and the
tab follows features and unfeatures live."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live
from tests.browser.test_embed import embed
from tests.browser.test_moderation import staff, write
from tests.conftest import PASSWORD
from veche.service.accounts import Accounts
from veche.service.moderation import Moderation
from veche.service.runtime import Viewer

pytestmark = pytest.mark.browser


def feature(live: Live, comment_id: int, on: bool) -> None:
    maria = Accounts(live.rt).sign_in("maria", PASSWORD, ip="127.0.0.1")[0]
    Moderation(live.rt).feature(comment_id, on, Viewer(maria, "127.0.0.1"))


def test_a_staff_pick_under_the_featured_tab(page: Page, second: Page, live: Live) -> None:
    reader = second
    staff(live, "maria")
    live.user("alice")
    first = write(live, "alice", "The ferry timetable matters more than the bridge.")
    pick = write(live, "alice", "The warming centre kept forty families safe.")
    later = write(live, "alice", "Power came back on our street on Monday.")

    reader.goto(f"{live.base}/stories/{live.story.id}")
    expect(reader.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    expect(reader.locator(".discussion-head .tabs")).to_have_count(0)  # nothing featured yet

    # The moderator features it from the Moderate control in the thread.
    live.sign_in(page, "maria")
    card = page.locator(f"#c{pick} > .comment-card")
    card.locator("details.moderate > summary").click()
    card.get_by_role("button", name="Feature", exact=True).click()
    expect(card.locator(".featured")).to_have_text("Featured by the editors")
    expect(card.locator("details.moderate button[name=featured]")).to_have_text("Unfeature")

    # The reader's open page marks it live; on reload the tab is there.
    expect(reader.locator(f"#c{pick} .featured")).to_be_visible(timeout=15_000)
    reader.reload()
    tab = reader.locator(".discussion-head .tabs a[data-tab=featured]")
    expect(tab).to_have_text("Featured (1)")
    tab.click()  # a plain link on the hosted page: it works without JavaScript too
    expect(reader).to_have_url(f"{live.base}/stories/{live.story.id}?tab=featured#discussion")
    listed = reader.locator("ol.comments > li.comment")
    expect(listed).to_have_count(1)
    expect(listed.first).to_have_attribute("data-comment-id", str(pick))
    expect(reader.locator(".discussion-head .sort")).to_have_count(0)
    reader.locator(f"#c{pick} .in-thread a").click()
    expect(reader).to_have_url(f"{live.base}/stories/{live.story.id}/comments/{pick}#c{pick}")

    # In the embed on the publisher's page the tab loads in place.
    root = embed(reader, live)
    expect(root.locator(f"#c{first}")).to_be_visible()
    root.locator(".tabs a[data-tab=featured]").click()
    root = reader.locator(".veche-embed [data-veche-discussion][data-tab=featured]")
    expect(root.locator("li.comment")).to_have_count(1)
    expect(root.locator(f"#c{pick} .featured")).to_be_visible()
    assert reader.url == f"{live.publisher}/2026/storm"
    expect(root).to_have_attribute("data-ready", "yes")
    # The list follows the editors live: a new pick on top, an unfeatured one leaves.
    feature(live, later, True)
    expect(root.locator("li.comment").first).to_have_attribute(
        "data-comment-id", str(later), timeout=15_000
    )
    expect(root.locator(".tabs .featured-count")).to_have_text("2")
    feature(live, pick, False)
    expect(root.locator(f"#c{pick}")).to_have_count(0, timeout=15_000)
    expect(root.locator("li.comment")).to_have_count(1)
    # A new comment in the thread is not put in this list.
    write(live, "alice", "A brand new thought, not featured.")
    reader.wait_for_timeout(1500)
    expect(root.locator("li.comment")).to_have_count(1)
    root.locator(".tabs a[data-tab=all]").click()
    root = reader.locator(".veche-embed [data-veche-discussion][data-tab=all]")
    expect(root.locator("ol.comments > li.comment")).to_have_count(4)
