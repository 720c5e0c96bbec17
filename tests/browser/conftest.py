"""A real veche server on 127.0.0.1 and a publisher's page on localhost: two sites.

Chromium is Debian's (/usr/bin/chromium) driven by Playwright; no browser is downloaded.
"""

from __future__ import annotations

import http.server
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Error, Page, expect, sync_playwright

from tests.conftest import PASSWORD, unavailable
from tests.live_helpers import free_port
from veche.config import Config
from veche.service.accounts import Accounts
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories
from veche.store.models import Story
from veche.web.app import create_app

CHROMIUM = os.environ.get("VECHE_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@dataclass
class Live:
    rt: Runtime
    base: str  # veche, on 127.0.0.1
    publisher: str  # the news site, on localhost: another site to the browser
    story: Story
    server: uvicorn.Server | None = None

    def cut(self) -> None:
        """Make veche unreachable, as a dropped network does: its port refuses connections,
        whoever asks (the page or its service worker). The live stream is not waited for."""
        assert self.server is not None
        self.server.should_exit = True
        port = int(self.base.rsplit(":", 1)[1])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                return
            time.sleep(0.05)
        raise AssertionError("veche is still listening")

    def user(self, handle: str, name: str | None = None) -> None:
        Accounts(self.rt).create_user(handle, PASSWORD, display_name=name)

    def sign_in(self, page: Page, handle: str) -> None:
        """Through the sign-in page, back to the story, once its discussion is ready."""
        page.goto(f"{self.base}/signin?next=/stories/{self.story.id}")
        page.fill("input[name=login]", handle)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.auth-form button[type=submit]")
        expect(page.locator(".discussion .me .handle")).to_have_text(handle)
        expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()

    def count(self) -> int:
        with self.rt.db.session(write=False) as s:
            from sqlalchemy import func, select

            from veche.store.models import Comment

            return int(s.scalar(select(func.count()).select_from(Comment)) or 0)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        unavailable("Chromium", f"{CHROMIUM} does not exist")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        except Error as exc:
            unavailable("Chromium", exc)
        yield b
        b.close()


class _Publisher(http.server.BaseHTTPRequestHandler):
    """The publisher's article page, with the one-line embed."""

    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    port, pub_port = free_port(), free_port()
    base, publisher = f"http://127.0.0.1:{port}", f"http://localhost:{pub_port}"
    config = Config(
        database_url=f"sqlite:///{tmp_path / 'browser.db'}",
        base_url=base,
        secret_key="browser-secret",
        rate_limit_writes="1000/minute",
        rate_limit_auth="1000/minute",
        presence_sweep_seconds=1.0,
        moderation_model=False,  # the slow stage has its own tests
    )
    rt = Runtime.build(config)
    rt.db.upgrade()
    stories = Stories(rt)
    # Playwright types a comment in milliseconds: the bot check on first comments is off here
    # (test_moderation.py turns it on).
    stories.create_site(
        "news",
        SiteSettings(allowed_origins=[base, publisher], moderation={"min_typing_seconds": 0}),
    )
    story = stories.create(
        "news", f"{publisher}/2026/storm", "Storm cuts the coast road",
        body="The council opened the sports hall as a warming centre for families.\n\n"
        "Power returned to most streets late on Monday evening.",
        image_caption="The coast road after the storm", photo_credit="A. Photographer",
    )  # fmt: skip
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config, rt), host="127.0.0.1", port=port, log_level="warning",
            timeout_graceful_shutdown=1,  # open live streams would hold the shutdown up
        )
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    class Handler(_Publisher):
        """This run's article page (a subclass, so the page is this fixture's own)."""

    Handler.page = (
        "<!doctype html><html><head><title>Storm cuts the coast road</title></head><body>"
        "<h1>Storm cuts the coast road</h1><p>The publisher's own article text.</p>"
        f'<script src="{base}/embed.js" data-story-url="{story.url}" async></script>'
        "</body></html>"
    ).encode()
    pub = http.server.ThreadingHTTPServer(("127.0.0.1", pub_port), Handler)
    threading.Thread(target=pub.serve_forever, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "veche did not start"
    yield Live(rt, base, publisher, story, server)
    server.should_exit = True
    pub.shutdown()
    pub.server_close()
    thread.join(timeout=10)
    rt.db.dispose()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


@pytest.fixture
def second(browser: Browser) -> Iterator[Page]:
    """Another reader, in a browser context of their own (own cookies and storage)."""
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
