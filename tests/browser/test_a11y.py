"""axe-core in Chromium: no serious or critical violations on the pages readers and moderators
use, and the comment controls work for a keyboard and a screen reader.

axe-core comes from npm at its locked version (`npm ci --prefix tests/axe`, which `.ci/run`
does); without it these tests skip on a developer box and fail in CI.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from tests.browser.conftest import Live
from tests.conftest import PASSWORD, unavailable
from veche.domain.enums import QuoteSource, Role
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.drafts import QuoteRequest
from veche.service.runtime import Viewer
from veche.service.stories import SiteSettings, Stories
from veche.store.models import User

pytestmark = pytest.mark.browser

DAY = dt.timedelta(days=1)
AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async (include) => {
  const result = await axe.run(include || document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html, why: n.failureSummary })) }));
}"""


@pytest.fixture
def a11y(browser: Browser) -> Iterator[Page]:
    """A page that may take axe-core in: veche's CSP allows no inline script, rightly."""
    if not AXE.is_file():
        unavailable("axe-core", "run `npm ci --prefix tests/axe`")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def audit(page: Page, include: str | None = None) -> None:
    """Fail with each serious or critical violation, its rule, and where it is."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE, include)
    report = "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n"
        + "\n".join(
            f"  at {json.dumps(n['target'])}: {n['html'][:160]}\n    {n['why']}" for n in v["nodes"]
        )
        for v in found
    )
    assert not found, f"axe-core on {page.url}:\n{report}"


def write(live: Live, handle: str, text: str, **kw: Any) -> int:
    user, _token = Accounts(live.rt).sign_in(handle, PASSWORD, ip="127.0.0.1")
    c, _ = Comments(live.rt).create(live.story.id, Draft(text, **kw), Viewer(user, "127.0.0.1"))
    return c.id


def discussion(live: Live) -> dict[str, int]:
    """Cetron's comment, a reply and a quote of it, and a comment its author deleted."""
    for handle in ("Cetron", "Mara", "Oleg"):
        live.user(handle)
    first = write(live, "Cetron", "The coast road should have been closed a day earlier.")
    reply = write(live, "Mara", "The council did close it on Sunday night.", parent_id=first)
    quote = QuoteRequest(QuoteSource.comment, "closed a day earlier", comment_id=first)
    quoting = write(live, "Oleg", "I agree with this.", quote=quote)
    gone = write(live, "Oleg", "A comment I took back.")
    oleg, _ = Accounts(live.rt).sign_in("Oleg", PASSWORD, ip="127.0.0.1")
    Comments(live.rt).delete(gone, Viewer(oleg, "127.0.0.1"))
    with live.rt.db.session() as s:  # Oleg was last seen yesterday: "offline" beside his name
        s.execute(update(User).where(User.id == oleg.id).values(last_seen_at=live.rt.clock() - DAY))
    return {"first": first, "reply": reply, "quoting": quoting, "gone": gone}


def test_story_page_signed_out_and_in_and_keyboard_quoting(a11y: Page, live: Live) -> None:
    page = a11y
    ids = discussion(live)
    page.goto(f"{live.base}/stories/{live.story.id}")
    expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    expect(page.locator(f"#c{ids['gone']} .placeholder")).to_be_visible()
    expect(page.locator(f"#c{ids['quoting']} .presence")).to_have_text("Offline")
    audit(page)

    live.sign_in(page, "Mara")
    first = page.locator(f"#c{ids['first']}")
    expect(first.get_by_role("link", name="Reply to Cetron")).to_be_visible()
    expect(first.get_by_role("button", name="Respect the comment by Cetron: 0")).to_be_visible()
    mine = page.locator(f"#c{ids['reply']}")
    expect(mine.get_by_role("link", name="Edit the comment by Mara")).to_be_visible()
    expect(mine.get_by_role("button", name="Delete the comment by Mara")).to_be_visible()
    audit(page)

    # A selection made without a pointer, then the comment's own Quote control by keyboard.
    page.evaluate(
        """(id) => {
          const p = document.querySelector("#c" + id + " > .comment-card > .body p");
          const range = document.createRange();
          range.setStart(p.firstChild, 4);
          range.setEnd(p.firstChild, 14);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }""",
        ids["first"],
    )
    first.get_by_role("link", name="Quote Cetron").focus()
    page.keyboard.press("Enter")
    form = first.locator("form.comment-form")
    expect(form.locator(".quote-preview p")).to_have_text("coast road")
    live_region = page.locator(".discussion .live-region")
    expect(live_region).to_have_text("Quote of Cetron added to your reply.")
    expect(form.locator("textarea")).to_be_focused()
    page.keyboard.type("Only the coast road, yes.")
    form.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(live_region).to_have_text("Your reply is posted.")
    expect(page.locator("blockquote.quote p", has_text="coast road").first).to_be_visible()
    audit(page)


def test_embed_and_sign_in_page(a11y: Page, live: Live) -> None:
    page = a11y
    discussion(live)
    page.goto(f"{live.publisher}/2026/storm")
    root = page.locator(".veche-embed [data-veche-discussion][data-ready=yes]")
    expect(root).to_be_attached()
    expect(root.locator("li.comment")).to_have_count(4)
    audit(page, ".veche-embed")  # the publisher's own page is theirs to mend

    page.goto(f"{live.base}/signin")
    audit(page)


def test_moderation_queue(a11y: Page, live: Live) -> None:
    page = a11y
    Stories(live.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    Accounts(live.rt).create_user("maria", PASSWORD, role=Role.moderator)
    live.user("alice")
    for n in range(2):
        write(live, "alice", f"Held comment number {n}.")
    page.goto(f"{live.base}/signin?next=/moderation")
    page.fill("input[name=login]", "maria")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.auth-form button[type=submit]")
    expect(page.locator("li.q-item")).to_have_count(2)
    expect(page.get_by_role("button", name="Approve the comment by alice")).to_have_count(2)
    audit(page)
    page.keyboard.press("a")  # a decided item stays readable
    expect(page.locator("li.q-item .q-outcome").first).to_contain_text("approved")
    audit(page)


@pytest.fixture
def dark(browser: Browser) -> Iterator[Page]:
    """A reader whose system is in dark mode (prefers-color-scheme: dark)."""
    if not AXE.is_file():
        unavailable("axe-core", "run `npm ci --prefix tests/axe`")
    context = browser.new_context(bypass_csp=True, color_scheme="dark")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_dark_scheme_everywhere(dark: Page, live: Live) -> None:
    """The same pages in the dark scheme: contrast holds for every colour veche.css sets."""
    page = dark
    ids = discussion(live)
    page.goto(f"{live.base}/stories/{live.story.id}")
    expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(21, 25, 30)"
    audit(page)
    live.sign_in(page, "Mara")
    expect(
        page.locator(f"#c{ids['reply']}").get_by_role("link", name="Edit the comment by Mara")
    ).to_be_visible()
    audit(page)

    page.goto(f"{live.publisher}/2026/storm")
    root = page.locator(".veche-embed [data-veche-discussion][data-ready=yes]")
    expect(root.locator("li.comment")).to_have_count(4)
    expect(page.locator(".veche-embed")).to_have_css("background-color", "rgb(21, 25, 30)")
    audit(page, ".veche-embed")

    page.goto(f"{live.base}/signin")
    audit(page)

    Stories(live.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    Accounts(live.rt).create_user("maria", PASSWORD, role=Role.moderator)
    write(live, "Cetron", "Held for a moderator.")
    page.context.clear_cookies()
    page.goto(f"{live.base}/signin?next=/moderation")
    page.fill("input[name=login]", "maria")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.auth-form button[type=submit]")
    expect(page.locator("li.q-item")).to_have_count(1)
    audit(page)
    page.keyboard.press("a")  # a decided item stays readable
    expect(page.locator("li.q-item .q-outcome").first).to_contain_text("approved")
    audit(page)
