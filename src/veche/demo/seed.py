"""The demo: our own story and discussion, imported through the same importer as real pages."""

from __future__ import annotations

from pathlib import Path

from veche.domain.enums import Role
from veche.importers.page_text import parse_page_text
from veche.importers.page_text_source import import_page
from veche.service.accounts import Accounts
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories
from veche.store import accounts as store_accounts
from veche.store import stories as store_stories

DEMO_PAGE = Path(__file__).with_name("demo-page.txt")
DEMO_MODERATOR = ("moderator", "keep-it-civil-2026")


def seed_demo(rt: Runtime) -> str:
    """Idempotent: a second `make run` finds the story and leaves it alone."""
    url = f"{rt.config.base_url}/demo/haverly-point-storm"
    with rt.db.session(write=False) as s:
        site = store_stories.site_by_name(s, "demo")
        story = store_stories.story_by_url(s, url)
        mod = store_accounts.user_by_handle_key(s, DEMO_MODERATOR[0])
    if site is None:
        Stories(rt).create_site(
            "demo",
            SiteSettings(
                allowed_origins=[rt.config.base_url, "http://localhost:8000"],
                allow_guests=True,
            ),
        )
    if mod is None:
        Accounts(rt).create_user(
            DEMO_MODERATOR[0], DEMO_MODERATOR[1], display_name="Demo Moderator",
            role=Role.moderator,
        )  # fmt: skip
    if story is None:
        page = parse_page_text(DEMO_PAGE.read_text(encoding="utf-8"))
        story = import_page(rt, page, site_name="demo", url=url)
    return f"/stories/{story.id}"
