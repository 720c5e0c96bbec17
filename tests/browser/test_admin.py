"""The admin pages in Chromium: an admin finds a story by keyboard and closes its
discussion, and axe-core finds no serious or critical violation on any admin page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live
from tests.browser.test_a11y import a11y, audit
from tests.conftest import PASSWORD
from veche.domain.enums import Role
from veche.service.accounts import Accounts
from veche.service.stories import SiteSettings, Stories

pytestmark = pytest.mark.browser
__all__ = ["a11y"]  # the fixture, shared with test_a11y.py


def sign_in_admin(page: Page, live: Live) -> int:
    admin = Accounts(live.rt).create_user("ann", PASSWORD, role=Role.admin)
    page.goto(f"{live.base}/admin")  # signed out: to the sign-in, and back
    page.fill("input[name=login]", "ann")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.auth-form button[type=submit]")
    expect(page.get_by_role("heading", level=1)).to_have_text("Admin")
    return admin.id


def test_search_a_story_and_close_it_by_keyboard(a11y: Page, live: Live) -> None:
    page = a11y
    Stories(live.rt).create("news", f"{live.publisher}/2026/harbour", "Harbour fire contained")
    sign_in_admin(page, live)
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Stories").click()
    search = page.get_by_label("Title or URL")
    search.fill("coast ROAD")
    search.press("Enter")
    rows = page.locator("table.admin-stories tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Storm cuts the coast road")
    audit(page)
    close = page.get_by_role("button", name="Close the discussion of Storm cuts the coast road")
    close.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(f"Story {live.story.id}: discussion closed.")
    expect(page.get_by_label("Title or URL")).to_have_value("coast ROAD")  # the same search
    expect(
        page.get_by_role("button", name="Reopen the discussion of Storm cuts the coast road")
    ).to_be_visible()
    assert not Stories(live.rt).get(live.story.id).is_open
    audit(page)
    page.get_by_role("link", name="Storm cuts the coast road").click()
    expect(page.locator(".closed")).to_have_text("This discussion is closed.")


def test_admin_pages_have_no_serious_violations(a11y: Page, live: Live) -> None:
    page = a11y
    Stories(live.rt).update_site("news", SiteSettings(auth={"sso_secret": "k" * 40}))
    me = sign_in_admin(page, live)
    audit(page)
    site_id = Stories(live.rt).site("news").id
    for path in ("/admin/sites", f"/admin/sites/{site_id}", "/admin/sites/new", "/admin/users",
                 f"/admin/users/{me}"):  # fmt: skip
        page.goto(live.base + path)
        expect(page.locator("main h1")).to_be_visible()
        audit(page)
    # A refused form: each field's message is tied to its field.
    page.goto(f"{live.base}/admin/sites/{site_id}")
    page.get_by_label("Max length").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("The maximum comment length is 1 to 100000.")
    expect(page.get_by_label("Max length")).to_have_attribute("aria-invalid", "true")
    audit(page)
    assert Stories(live.rt).site("news").max_comment_length == 5000
