"""Bad networks: a comment is never lost to a dropped connection and never posted twice."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import Live

pytestmark = pytest.mark.browser

TOP_FORM = ".discussion-head ~ form.comment-form"


def signed_in(page: Page, live: Live) -> None:
    live.user("Ilze", "Ilze Liepa")
    live.sign_in(page, "Ilze")


def texts(page: Page) -> list[str]:
    return page.locator("li.comment .body").all_inner_texts()


def send_offline(page: Page, live: Live, text: str) -> None:
    """Sign in, type, lose the network, press send: the box says it kept the comment."""
    signed_in(page, live)
    form = page.locator(TOP_FORM)
    form.locator("textarea").fill(text)
    page.context.set_offline(True)
    form.locator("button[type=submit]").click()
    expect(form.locator(".form-status")).to_contain_text("No connection")
    assert live.count() == 0


def test_offline_submit_keeps_the_draft_and_posts_once(page: Page, live: Live) -> None:
    send_offline(page, live, "Written while the mast was down.")

    # Back online, but keep the API unreachable so the reload sees the saved draft.
    page.route("**/api/v1/**", lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(False)
    page.reload()
    expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    expect(page.locator(f"{TOP_FORM} textarea")).to_have_value("Written while the mast was down.")
    page.unroute("**/api/v1/**")

    page.locator(f"{TOP_FORM} button[type=submit]").click()
    expect(page.locator("li.comment .body", has_text="Written while the mast")).to_have_count(1)
    assert live.count() == 1
    page.reload()
    expect(page.locator(f"{TOP_FORM} textarea")).to_have_value("")
    assert texts(page) == ["Written while the mast was down."]


def test_reconnecting_sends_the_saved_comment_by_itself(page: Page, live: Live) -> None:
    send_offline(page, live, "Sent when the connection came back.")
    page.context.set_offline(False)
    expect(page.locator("li.comment .body", has_text="Sent when the connection")).to_have_count(1)
    assert live.count() == 1


def test_lost_response_then_retry_posts_once(page: Page, live: Live) -> None:
    """The server got the comment but the answer never arrived: the retry must not duplicate."""
    signed_in(page, live)
    delivered: list[int] = []

    def drop_answer(route: Route) -> None:
        if route.request.method == "POST":
            response = route.fetch()  # reaches veche, which stores the comment
            delivered.append(response.status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/stories/*/comments", drop_answer)
    form = page.locator(TOP_FORM)
    form.locator("textarea").fill("Did this go through?")
    form.locator("button[type=submit]").click()
    expect(form.locator(".form-status")).to_contain_text("No connection")
    assert delivered == [201]
    assert live.count() == 1
    page.unroute("**/api/v1/stories/*/comments")

    page.route("**/api/v1/**", lambda route: route.abort("internetdisconnected"))
    page.reload()
    expect(page.locator(f"{TOP_FORM} textarea")).to_have_value("Did this go through?")
    page.unroute("**/api/v1/**")
    page.locator(f"{TOP_FORM} button[type=submit]").click()
    expect(page.locator(f"{TOP_FORM} .form-status")).to_have_text("Posted.")
    assert live.count() == 1
    page.reload()
    assert texts(page) == ["Did this go through?"]


def test_a_manual_resend_cancels_the_pending_retry(page: Page, live: Live) -> None:
    """After a failed send the box retries on a timer; sending by hand must cancel it, or
    the timer would later post whatever is being typed next."""
    signed_in(page, live)
    page.route("**/api/v1/**", lambda route: route.abort("internetdisconnected"))
    form = page.locator(TOP_FORM)
    form.locator("textarea").fill("The first thought.")
    form.locator("button[type=submit]").click()
    expect(form.locator(".form-status")).to_contain_text("No connection")
    page.unroute("**/api/v1/**")
    form.locator("button[type=submit]").click()
    expect(form.locator(".form-status")).to_have_text("Posted.")
    form.locator("textarea").fill("half-typed, not meant to be sent")
    page.wait_for_timeout(5000)  # longer than the first retry delay (4 s)
    assert live.count() == 1
    assert texts(page) == ["The first thought."]
