"""Accessibility without a browser: every comment control names its comment, and no grey
text in veche.css is too faint to read on the page (WCAG AA, 4.5:1)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import World, bearer
from tests.test_pages import sign_in_as

CSS = Path(__file__).resolve().parents[1] / "src" / "veche" / "web" / "static" / "veche.css"
BACKGROUNDS = ("#fafaf8", "#ffffff")  # the hosted page's, and a publisher's page under the embed


def names(page: str, comment_id: int) -> set[str]:
    """The aria-labels and visually hidden texts inside one comment's card."""
    card = page.split(f'id="c{comment_id}"', 1)[1].split("</article>", 1)[0]
    labels = re.findall(r'aria-label="([^"]*)"', card)
    hidden = re.findall(r'<span class="visually-hidden">([^<]*)</span>', card)
    return {html.unescape(s).strip() for s in labels + hidden}


def test_every_control_names_its_comment(client: TestClient, world: World) -> None:
    _u, cetron = world.user("Cetron")
    _u, mara = world.user("Mara O'Neil")
    url = f"/api/v1/stories/{world.story.id}/comments"
    theirs = client.post(url, json={"body": "Closed too late."}, headers=bearer(cetron)).json()
    gone = client.post(url, json={"body": "Taken back."}, headers=bearer(cetron)).json()
    client.delete(f"/api/v1/comments/{gone['id']}", headers=bearer(cetron))
    mine = client.post(url, json={"body": "It was not."}, headers=bearer(mara)).json()
    sign_in_as(client, "Mara O'Neil")
    page = client.get(f"/stories/{world.story.id}").text

    assert names(page, theirs["id"]) >= {
        "Reply to Cetron", "Quote Cetron", "Report the comment by Cetron",
        "the comment by Cetron:",  # inside "Respect …: N"
    }  # fmt: skip
    assert names(page, gone["id"]) == set()  # a deleted comment: nothing to act on
    assert names(page, mine["id"]) >= {
        "Edit the comment by Mara O'Neil", "Delete the comment by Mara O'Neil"
    }  # fmt: skip
    assert 'aria-label="Edit the comment by Mara O&#39;Neil"' in page  # escaped, as any name


def luminance(colour: str) -> float:
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_grey_text_is_readable_on_the_page() -> None:
    """Greys are the colours that drift towards unreadable (timestamps, "offline" were #777:
    4.28:1). A disabled control is exempt, as WCAG has it; text on its own background is
    axe-core's to check, in the Chromium tests."""
    faint = []
    for selector, block in re.findall(r"([^{}]+)\{([^}]*)\}", CSS.read_text()):
        if ":disabled" in selector or "background" in block:
            continue  # exempt, or on a background of its own
        for value in re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})\b", block):
            full = "#" + "".join(c * 2 for c in value[1:]) if len(value) == 4 else value
            r, g, b = full[1:3], full[3:5], full[5:7]
            if r == g == b and 0x30 < int(r, 16) < 0xE0:  # a grey: not near black or white
                faint += [
                    (selector.strip(), full, bg, round(contrast(full, bg), 2))
                    for bg in BACKGROUNDS
                    if contrast(full, bg) < 4.5
                ]
    assert not faint
