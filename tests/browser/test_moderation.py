"""Moderation in Chromium: the keyboard-driven queue, two moderators on one item, reports in
place, and a shadow ban that only its author cannot see."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Live
from tests.browser.test_hosted import comment, post
from tests.conftest import PASSWORD
from veche.domain.enums import Role
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.runtime import Viewer
from veche.service.stories import SiteSettings, Stories


def staff(live: Live, handle: str) -> None:
    Accounts(live.rt).create_user(handle, PASSWORD, role=Role.moderator)


def write(live: Live, handle: str, text: str) -> int:
    accounts = Accounts(live.rt)
    user, _token = accounts.sign_in(handle, PASSWORD, ip="127.0.0.1")
    c, _ = Comments(live.rt).create(live.story.id, Draft(text), Viewer(user, "127.0.0.1"))
    return c.id


def open_queue(page: Page, live: Live, handle: str, tab: str = "pending") -> None:
    page.goto(f"{live.base}/signin?next=/moderation?tab={tab}")
    page.fill("input[name=login]", handle)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.auth-form button[type=submit]")
    expect(page.locator("#queue")).to_be_attached()


def test_the_queue_by_keyboard(page: Page, live: Live) -> None:
    Stories(live.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    staff(live, "maria")
    live.user("alice")
    ids = [write(live, "alice", f"Held comment number {n}.") for n in range(4)]
    open_queue(page, live, "maria")
    items = page.locator("li.q-item")
    expect(items).to_have_count(4)
    expect(page.locator('[data-count="pending"]')).to_have_text("4")
    # Newest first: j/k move, a approves, r rejects with the item's reason.
    page.keyboard.press("a")
    expect(page.locator(f"#q{ids[3]} .q-outcome")).to_contain_text("approved")
    expect(page.locator(f"#q{ids[2]}")).to_have_class("q-item status-pending current")
    page.keyboard.press("r")
    expect(page.locator(f"#q{ids[2]} .q-outcome")).to_contain_text("rejected")
    page.keyboard.press("u")  # undo the rejection
    expect(page.locator(f"#q{ids[2]} .q-outcome")).to_contain_text("restored")
    # x selects, A approves the selection.
    page.locator(f"#q{ids[1]}").focus()
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("k")
    page.keyboard.press("x")
    page.keyboard.press("Shift+A")
    expect(page.locator(".live-status")).to_contain_text("2 of 2 selected: approve done.")
    with live.rt.db.session(write=False) as s:
        from sqlalchemy import text

        rows = {i: st for i, st in s.execute(text("SELECT id, status FROM comments"))}
    assert rows == {ids[3]: "visible", ids[2]: "pending", ids[1]: "visible", ids[0]: "visible"}


def test_two_moderators_are_told_when_the_other_decided(
    page: Page, second: Page, live: Live
) -> None:
    Stories(live.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    staff(live, "maria")
    staff(live, "oleg")
    live.user("alice")
    held = write(live, "alice", "One held comment.")
    open_queue(page, live, "maria")
    open_queue(second, live, "oleg")
    expect(second.locator(f"#q{held}")).to_be_visible()
    page.locator(f"#q{held} button[value=approve]").click()
    expect(page.locator(f"#q{held} .q-outcome")).to_contain_text("approved")
    # Oleg's page learns it live, and his own click would be refused anyway.
    expect(second.locator(f"#q{held} .q-outcome")).to_contain_text(
        "Already decided: approved by maria", timeout=15_000
    )
    expect(second.locator(f"#q{held} button[value=approve]")).to_be_disabled()


def test_a_reader_reports_in_place(page: Page, live: Live) -> None:
    live.user("alice")
    live.user("bob")
    target = write(live, "alice", "Everyone who disagrees is paid.")
    live.sign_in(page, "bob")
    card = page.locator(f"#c{target} > .comment-card")
    card.locator("[data-action=report]").click()
    page.locator(f"#c{target} form.report-form select[name=reason]").select_option("misinformation")
    page.locator(f"#c{target} form.report-form button[type=submit]").click()
    expect(page.locator(f"#c{target} .reported")).to_contain_text("Reported")
    expect(card.locator("[data-action=report]")).to_have_count(0)
    with live.rt.db.session(write=False) as s:
        from sqlalchemy import text

        assert s.scalar(text("SELECT reason FROM reports")) == "misinformation"


def test_a_shadow_ban_is_visible_only_to_its_author(page: Page, second: Page, live: Live) -> None:
    staff(live, "maria")
    live.user("troll")
    live.user("bob")
    from veche.service.moderation import Moderation

    maria = Accounts(live.rt).sign_in("maria", PASSWORD, ip="127.0.0.1")[0]
    Moderation(live.rt).restrict_user(
        "troll", Viewer(maria, "127.0.0.1"), shadow=True, reason="flooding"
    )
    live.sign_in(page, "troll")
    live.sign_in(second, "bob")
    post(page, ".discussion-head ~ form.comment-form", "Nobody will see this but me.")
    mine = comment(page, "Nobody will see this but me.")
    expect(page.locator(f"#c{mine}")).to_have_class("comment level-0 status-visible")
    second.reload()
    expect(second.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    expect(second.locator(f"#c{mine}")).to_have_count(0)


def test_a_first_comment_typed_in_an_instant_waits(page: Page, live: Live) -> None:
    """The page reports how long the comment took to write; a bot's first one is held."""
    Stories(live.rt).update_site("news", SiteSettings(moderation={"min_typing_seconds": 3}))
    live.user("bot")
    live.sign_in(page, "bot")
    post(page, ".discussion-head ~ form.comment-form", "Great article, visit my page.")
    held = comment(page, "Great article, visit my page.")
    expect(page.locator(f"#c{held} .held-note")).to_contain_text("Awaiting a moderator")
    with live.rt.db.session(write=False) as s:
        from sqlalchemy import text

        flags = s.scalar(text("SELECT flags FROM comments WHERE id = :i"), {"i": int(held)})
    assert "typed in" in str(flags)


def test_a_ban_from_the_queue_is_explained_to_the_banned(
    page: Page, second: Page, live: Live
) -> None:
    Stories(live.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    staff(live, "maria")
    live.user("troll")
    held = write(live, "troll", "I will keep posting this everywhere.")
    open_queue(page, live, "maria")
    ban = page.locator(f"#q{held} form.ban-form")
    ban.locator("select[name=what]").select_option("ban")
    ban.locator("select[name=days]").select_option("7")
    ban.locator("input[name=reason]").fill("Calls to violence")
    ban.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_have_text("troll: ban done.")
    expect(page.locator(f"#q{held} .q-author")).to_contain_text("banned")
    live.sign_in(second, "troll")
    told = second.locator(".discussion .banned")
    expect(told).to_contain_text("You are banned from commenting until")
    expect(told).to_contain_text("Reason: Calls to violence")
    expect(second.locator(".discussion-head ~ form.comment-form")).to_have_count(0)


def test_new_members_wait_and_words_are_seen_through(page: Page, second: Page, live: Live) -> None:
    """Pre-moderation of new members, a disguised banned word and a suspect word, as a
    reader meets them; the moderator closes the discussion from the page."""
    staff(live, "maria")
    live.user("trusted")
    write(live, "trusted", "An earlier comment of mine.")  # published before the rules
    Stories(live.rt).update_site(
        "news",
        SiteSettings(moderation={
            "premoderation": "new", "premod_approved": 1,
            "banned_words": "scumbag*", "suspect_words": "traitor",
        }),
    )  # fmt: skip
    live.user("newbie")
    live.sign_in(page, "newbie")
    post(page, ".discussion-head ~ form.comment-form", "My very first comment here.")
    first = comment(page, "My very first comment here.")
    expect(page.locator(f"#c{first} .held-note")).to_contain_text("Awaiting a moderator")
    post(page, ".discussion-head ~ form.comment-form", "You s c u m b @ g s.")
    refused = page.locator("li.comment.status-rejected")
    expect(refused.locator(".body")).to_have_text("You s c u m b @ g s.")
    expect(refused.locator(".mod-reason")).to_contain_text(
        "Not published automatically: it contains a word this site does not allow"
    )
    live.sign_in(second, "trusted")
    post(second, ".discussion-head ~ form.comment-form", "A trusted reply, straight in.")
    shown = comment(second, "A trusted reply, straight in.")
    expect(second.locator(f"#c{shown}")).to_have_class("comment level-0 status-visible")
    post(second, ".discussion-head ~ form.comment-form", "Only a traitor would say that.")
    suspect = comment(second, "Only a traitor would say that.")
    expect(second.locator(f"#c{suspect} .held-note")).to_contain_text("Awaiting a moderator")
    # The newbie's page does not show the other's held comments, only the published one.
    page.reload()
    expect(page.locator(f"#c{shown}")).to_be_visible()
    expect(page.locator(f"#c{suspect}")).to_have_count(0)
    # The moderator closes the discussion from the page.
    page.context.clear_cookies()
    live.sign_in(page, "maria")
    page.locator("form.story-open button").click()
    expect(page.locator(".discussion .closed")).to_have_text("This discussion is closed.")
