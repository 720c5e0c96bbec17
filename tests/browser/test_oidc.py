"""OpenID Connect sign-in in Chromium, through the real provider's own login and consent
pages (oidc-provider on loopback): on veche's story page, and from the embed's popup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live
from tests.oidc.harness import Provider, running
from veche.service.stories import SiteSettings, Stories

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running({"ruta-42": {"name": "Ruta Kalnina"}}) as p:
        yield p


@pytest.fixture
def site(live: Live, provider: Provider) -> Live:
    client_id, secret = provider.register(f"{live.base}/auth/oidc/news/callback")
    auth = {
        "oidc_issuer": provider.issuer, "oidc_client_id": client_id,
        "oidc_client_secret": secret, "oidc_label": "Sign in with Test ID",
    }  # fmt: skip
    Stories(live.rt).update_site("news", SiteSettings(auth=auth))
    return live


def at_provider(page: Page, provider: Provider, login: str) -> None:
    """The provider's development pages: any password signs in, then consent."""
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "whatever the provider asks")
    page.click("button[type=submit]")
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    expect(page.locator("button[type=submit]")).to_have_text("Continue")
    page.click("button[type=submit]")


def test_sign_in_with_the_provider_lands_signed_in_on_the_story(
    page: Page, site: Live, provider: Provider
) -> None:
    page.goto(f"{site.base}/stories/{site.story.id}")
    expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    page.locator(".gate a.oidc-signin").click()
    at_provider(page, provider, "ruta-42")
    page.wait_for_url(f"{site.base}/stories/{site.story.id}")
    expect(page.locator(".discussion .me .handle")).to_have_text("ruta-42")
    expect(page.locator(".discussion .me")).to_contain_text("(Ruta Kalnina)")
    expect(page.locator(".discussion-head ~ form.comment-form textarea")).to_be_visible()


def test_the_embed_signs_in_through_a_popup(page: Page, site: Live, provider: Provider) -> None:
    page.goto(f"{site.publisher}/2026/storm")
    root = page.locator(".veche-embed [data-veche-discussion][data-ready=yes]")
    expect(root.locator(".gate a.oidc-signin")).to_have_text("Sign in with Test ID")
    with page.expect_popup() as popped:
        root.locator(".gate a.oidc-signin").click()
    popup = popped.value
    at_provider(popup, provider, "ruta-42")
    popup.wait_for_event("close")
    assert page.url.startswith(site.publisher)  # the reader never left the article
    root = page.locator(".veche-embed [data-veche-discussion]")
    expect(root.locator(".me .handle")).to_have_text("ruta-42")
    token = page.evaluate(f"localStorage.getItem('veche:token:{site.base}')")
    assert token and len(token) > 20
