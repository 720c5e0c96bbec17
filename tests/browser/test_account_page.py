"""The account page in Chromium: forgot password → mailed link → new password → account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.account_helpers import deliver, text_of
from tests.browser.conftest import Live
from tests.conftest import MailBox
from veche.service.accounts import Accounts

pytestmark = pytest.mark.browser
NEW = "lantern over quiet harbour"


def test_reset_by_mail_then_manage_the_account(page: Page, live: Live, smtp: MailBox) -> None:
    Accounts(live.rt).create_user("ruta", "correct horse battery", email="ruta@example.org")
    page.goto(f"{live.base}/signin")
    page.click("text=Forgot your password?")
    page.fill("input[name=email]", "ruta@example.org")
    page.click("button:has-text('Email me a reset link')")
    expect(page.locator(".notice")).to_contain_text("If that address belongs to an account")
    (mail,) = deliver(live.rt, smtp, 1)
    found = re.search(re.escape(live.base) + r"(/account/reset\?token=\S+)", text_of(mail))
    assert found is not None
    page.goto(live.base + found.group(1))
    page.fill("input[name=password]", NEW)
    page.click("button:has-text('Set password')")
    expect(page).to_have_url(re.compile(r"/account\?done=reset$"))
    expect(page.locator(".notice")).to_contain_text("Your password is changed")
    expect(page.locator("header nav")).to_contain_text("Signed in as ruta")
    page.fill("input[name=display_name]", "Ruta Kalnina")
    page.click("button:has-text('Save name')")
    expect(page.locator(".notice")).to_contain_text("Your display name is saved")
    expect(page.locator("input[name=display_name]")).to_have_value("Ruta Kalnina")
    page.check("input[name=hide]")
    page.click("#presence + form button")
    expect(page.locator("input[name=hide]")).to_be_checked()
    sessions = page.locator("ul.sessions li")
    expect(sessions).to_have_count(1)
    expect(sessions.first).to_contain_text("(this one)")
    Accounts(live.rt).sign_in("ruta", NEW, ip="127.0.0.1")  # another device
    page.reload()
    expect(page.locator("ul.sessions li")).to_have_count(2)
    page.click("button:has-text('Sign out all other sessions')")
    expect(page.locator(".notice")).to_contain_text("Your other sessions are signed out")
    expect(page.locator("ul.sessions li")).to_have_count(1)
