"""Sign-in inside the embed, on a publisher's page from another origin, in Chromium:
publisher SSO (a token on the tag, or from the page's callback), sign-up and sign-in with a
password on a site that takes guests, and a session revoked elsewhere bringing the form
back without a reload."""

from __future__ import annotations

import http.server
import threading
import time
import uuid
from collections.abc import Iterator

import jwt
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Live
from tests.conftest import PASSWORD
from tests.live_helpers import free_port
from veche.service.accounts import Accounts
from veche.service.stories import SiteSettings, Stories

pytestmark = pytest.mark.browser
SECRET = "the-news-sites-sso-secret-0123456789"


def token(sub: str, handle: str) -> str:
    now = int(time.time())
    claims = {"sub": sub, "handle": handle, "name": f"{handle} at News", "aud": "news",
              "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex}  # fmt: skip
    return jwt.encode(claims, SECRET, algorithm="HS256")


class _Pages(http.server.BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}

    def do_GET(self) -> None:
        body = self.pages.get(self.path, b"")
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def publisher(live: Live) -> Iterator[tuple[str, dict[str, bytes]]]:
    """Publisher pages made per test, on localhost (another origin than veche's 127.0.0.1),
    served from loopback as the fixture's own page is (Chromium's private network rules)."""

    class Pages(_Pages):
        """This test's pages (a subclass, so the dict is its own)."""

    Pages.pages = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://localhost:{server.server_address[1]}"
    Stories(live.rt).update_site(
        "news", SiteSettings(allowed_origins=[live.base, live.publisher, origin])
    )
    yield origin, Pages.pages
    server.shutdown()
    server.server_close()


def article(
    page: Page, live: Live, publisher: tuple[str, dict[str, bytes]], path: str,
    head: str = "", attrs: str = "",
) -> Locator:  # fmt: skip
    origin, pages = publisher
    pages[path] = (
        f"<!doctype html><html><head><title>Storm cuts the coast road</title>{head}</head>"
        "<body><h1>Storm cuts the coast road</h1>"
        f'<script src="{live.base}/embed.js" data-story-url="{live.story.url}" {attrs} async>'
        "</script></body></html>"
    ).encode()
    page.goto(origin + path)
    root = page.locator(".veche-embed [data-veche-discussion][data-ready=yes]")
    expect(root).to_be_attached()
    return page.locator(".veche-embed [data-veche-discussion]")


def test_sso_from_the_tag_and_from_the_callback(
    page: Page, live: Live, publisher: tuple[str, dict[str, bytes]]
) -> None:
    Stories(live.rt).update_site("news", SiteSettings(auth={"sso_secret": SECRET}))
    root = article(
        page, live, publisher, "/sso", attrs=f'data-sso-token="{token("u-1", "Aigerim")}"'
    )
    expect(root.locator(".me .handle")).to_have_text("Aigerim")
    form = root.locator(".discussion-head ~ form.comment-form")
    form.locator("textarea").fill("Signed in by the publisher.")
    form.locator("button[type=submit]").click()
    expect(root.locator("li.comment .byline")).to_contain_text("Aigerim")
    keys = page.evaluate("Object.keys(localStorage)")
    assert any(k.startswith("veche:token:") for k in keys)
    # Signing out in the embed: the used token on the tag is not tried again.
    root.locator(".me .signout").click()
    expect(root.locator(".gate form.auth-form[data-auth=signin]")).to_be_visible()
    expect(root.locator(".me")).to_have_count(0)

    # A page that hands tokens over when asked.
    fresh = token("u-2", "Dana")
    head = f'<script>window.vecheSso = async () => "{fresh}";</script>'
    root = article(page, live, publisher, "/sso-callback", head=head)
    expect(root.locator(".me .handle")).to_have_text("Dana")


def test_password_sign_up_and_sign_in_in_place_and_revocation(
    page: Page, live: Live, publisher: tuple[str, dict[str, bytes]]
) -> None:
    Stories(live.rt).update_site("news", SiteSettings(allow_guests=True, require_sign_in=False))
    root = article(page, live, publisher, "/guests")
    page.evaluate("window.stillHere = true")  # gone if anything reloads the page
    # Guests may comment, and sign-in is still offered, folded away.
    expect(root.locator("form.comment-form input[name=guest_name]")).to_be_visible()
    offer = root.locator("details.signin-offer")
    offer.locator("summary").first.click()
    offer.locator("details.signup summary").click()
    signup = offer.locator("form.auth-form[data-auth=signup]")
    signup.locator("input[name=handle]").fill("Timur")
    signup.locator("input[name=password]").fill(PASSWORD)
    signup.locator("button[type=submit]").click()
    expect(root.locator(".me .handle")).to_have_text("Timur")
    expect(root.locator("details.signin-offer")).to_have_count(0)

    # Revoked elsewhere (an admin, another device): the live stream says so at once.
    user = Accounts(live.rt).sign_in("Timur", PASSWORD, ip="127.0.0.1")[0]
    Accounts(live.rt).revoke_all(user.id)
    expect(root.locator(".session-ended")).to_have_text("Your session has ended; sign in again.")
    expect(root.locator(".me")).to_have_count(0)
    assert page.evaluate("window.stillHere") is True
    assert not any(k.startswith("veche:token:") for k in page.evaluate("Object.keys(localStorage)"))

    # And the form that came back signs in, in place.
    offer = root.locator("details.signin-offer")
    offer.locator("summary").first.click()
    signin = offer.locator("form.auth-form[data-auth=signin]")
    signin.locator("input[name=login]").fill("Timur")
    signin.locator("input[name=password]").fill(PASSWORD)
    signin.locator("button[type=submit]").click()
    expect(root.locator(".me .handle")).to_have_text("Timur")
    assert page.evaluate("window.stillHere") is True
