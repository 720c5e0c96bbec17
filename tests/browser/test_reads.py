"""Bounded pages in Chromium: "N more replies" loads the rest of a cut subtree in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import bulk
from tests.browser.conftest import Live
from tests.browser.test_hosted import comment, post, sign_up
from tests.bulk import Node
from tests.conftest import World

pytestmark = pytest.mark.browser


def test_more_replies_loads_the_rest_of_a_cut_subtree_in_place(page: Page, live: Live) -> None:
    # 6 replies with 5 replies each, and a chain deeper than the display cap after them.
    made = bulk.build(
        World(live.rt, live.story), [Node([*bulk.fan(6, 5), Node(bulk.chain(12))]), Node([])]
    )
    k = live.rt.config.replies_per_root
    page.goto(f"{live.base}/stories/{live.story.id}")
    expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    items = page.locator("li.comment")
    expect(items).to_have_count(2 + k)
    link = page.locator("a.load-replies")
    expect(link).to_have_text(f"{len(made) - 2 - k} more replies")
    link.click()
    expect(items).to_have_count(2 + 2 * k)
    expect(link).to_have_text(f"{len(made) - 2 - 2 * k} more replies")
    link.click()
    expect(items).to_have_count(len(made))
    expect(page.locator("a.load-replies")).to_have_count(0)
    # Document order is display order, and each reply sits inside its parent's list.
    numbers = [items.nth(i).get_attribute("data-number") for i in range(len(made))]
    assert numbers == [
        ".".join(str(int(p[i : i + 5], 36)) for i in range(0, len(p), 5)) for _i, p, _s in made
    ]
    nested = page.evaluate(
        """() => Array.from(document.querySelectorAll("li.comment")).every(li => {
             const n = li.dataset.number.split(".");
             if (n.length === 1) return li.parentElement.matches("ol.comments");
             const holder = li.parentElement.closest("li.comment");
             const parent = n.slice(0, -1).join(".");
             return holder.dataset.number === parent || li.querySelector(".reply-to") !== null;
           })"""
    )
    assert nested


def test_an_edit_swaps_only_the_card(page: Page, live: Live) -> None:
    page.goto(f"{live.base}/stories/{live.story.id}")
    sign_up(page, live, "Ilze", "Ilze Ozola")
    post(page, ".discussion-head ~ form.comment-form", "The bridge is closed.")
    top = comment(page, "The bridge is closed.")
    page.click(f"#c{top} > .comment-card [data-action=reply]")
    post(page, f"#c{top} > .comment-card form.comment-form", "Since when?")
    reply = comment(page, "Since when?")
    # Marks that survive only if the replies' elements are left alone.
    page.evaluate(f"document.getElementById('c{reply}').dataset.untouched = 'yes'")
    page.click(f"#c{reply} > .comment-card [data-action=reply]")
    page.fill(f"#c{reply} > .comment-card form.comment-form textarea", "half-typed")

    page.click(f"#c{top} > .comment-card [data-action=edit]")
    edit = page.locator(f"#c{top} form.edit-form")
    edit.locator("textarea").fill("The bridge is closed until Friday.")
    with page.expect_response(lambda r: r.url.endswith(f"/fragments/comments/{top}/card")):
        edit.locator("button[type=submit]").click()
    expect(page.locator(f"#c{top} > .comment-card .body")).to_have_text(
        "The bridge is closed until Friday."
    )
    expect(page.locator(f"#c{reply}[data-untouched=yes]")).to_have_count(1)
    expect(page.locator(f"#c{reply} > .comment-card form.comment-form textarea")).to_have_value(
        "half-typed"
    )

    delete = page.locator(f"#c{top} > .comment-card form[data-action=delete] button")
    delete.click()
    delete.click()  # confirm
    expect(page.locator(f"#c{top} > .comment-card .placeholder")).to_have_text(
        "The comment was deleted."
    )
    expect(page.locator(f"#c{top}.status-deleted")).to_have_count(1)
    expect(page.locator(f"#c{reply}[data-untouched=yes]")).to_have_count(1)


def test_the_overlay_brings_each_viewer_s_half_to_shared_html(page: Page, live: Live) -> None:
    from veche.service.accounts import Accounts
    from veche.service.comments import Comments, Draft
    from veche.service.runtime import Viewer
    from veche.service.stories import SiteSettings, Stories

    Stories(live.rt).update_site("news", SiteSettings(allow_guests=True))
    # An anonymous reader gets the shared page; the overlay gives its form a key and a token.
    page.goto(f"{live.base}/stories/{live.story.id}")
    root = page.locator("[data-veche-discussion][data-ready=yes]")
    expect(root).to_be_attached()
    assert root.get_attribute("data-csrf")
    form = page.locator(".discussion-head ~ form.comment-form")
    assert form.locator("input[name=idempotency_key]").input_value()
    assert form.locator("input[name=csrf]").input_value()

    live.user("Vera", "Vera V")
    accounts = Accounts(live.rt)
    _u, token = accounts.sign_in("Vera", "correct horse battery", ip="127.0.0.1")
    vera = Viewer(accounts.resolve(token), "127.0.0.1")
    made = [
        Comments(live.rt).create(live.story.id, Draft(f"Vera says {i}"), vera)[0].id
        for i in range(live.rt.config.page_size + 2)
    ]
    page.goto(f"{live.base}/signin?next=/stories/{live.story.id}")
    page.fill("input[name=login]", "Vera")
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.auth-form button[type=submit]")
    expect(page.locator(f"#c{made[0]} > .comment-card [data-action=edit]")).to_be_visible()
    # The next page is a shared fragment: the overlay adds Vera's controls to it.
    page.click("a.load-more")
    last = page.locator(f"#c{made[-1]} > .comment-card")
    expect(last.locator("[data-action=edit]")).to_be_visible()
    expect(last.locator("form[data-action=delete] button")).to_have_text("Delete")
    last.locator("form[data-action=delete] button").click()
    last.locator("form[data-action=delete] button").click()  # confirm
    expect(page.locator(f"#c{made[-1]} > .comment-card .placeholder")).to_have_text(
        "The comment was deleted."
    )


def test_an_embed_s_first_load_opens_its_discussion_with_a_post(page: Page, live: Live) -> None:
    from veche.service.stories import Stories

    url = f"{live.publisher}/2026/new-page"
    methods: list[str] = []
    page.on("request", lambda r: methods.append(r.method) if "/api/v1/threads" in r.url else None)
    page.goto(f"{live.publisher}/2026/storm")
    expect(page.locator(".veche-embed [data-veche-discussion][data-ready=yes]")).to_be_attached()
    # A second embed on the publisher's page, for a page veche has never seen.
    page.evaluate(
        """([src, url]) => { const s = document.createElement("script"); s.src = src;
             s.dataset.storyUrl = url; s.dataset.storyTitle = "Harbour reopens";
             document.body.appendChild(s); }""",
        [f"{live.base}/embed.js", url],
    )
    root = page.locator(".veche-embed").nth(1).locator("[data-veche-discussion][data-ready=yes]")
    expect(root).to_be_attached()
    expect(root.locator(".empty")).to_have_text("No comments yet.")
    assert methods == ["POST"]
    story = Stories(live.rt).by_url(url, create=False)
    assert (story.title, story.title_confirmed) == ("Harbour reopens", False)
