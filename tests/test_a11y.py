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


def palettes() -> dict[str, dict[str, str]]:
    """veche.css's custom properties: the light scheme's (`:root, :host`), and the dark one's
    (the `data-theme="dark"` block, which the prefers-color-scheme block must repeat)."""
    css = CSS.read_text()

    def block(selector: str) -> dict[str, str]:
        body = css.split(selector, 1)[1].split("}", 1)[0]
        return dict(re.findall(r"(--veche-[\w-]+):\s*([^;]+);", body))

    light = block(":root, :host {")
    dark = block(':root[data-theme=dark], :host([data-theme="dark"]) {')
    assert block(":host(:not([data-theme=light])) {") == dark
    return {"light": light, "dark": {**light, **dark}}


TEXTS = ("text", "muted", "accent", "danger", "ok", "warn")
GROUNDS = ("background", "surface", "ok-surface", "warn-surface", "danger-surface")


def test_text_colours_are_readable_in_both_schemes() -> None:
    """Every text colour on every background of its scheme (WCAG AA, 4.5:1): timestamps and
    "offline" were #777 on #fafaf8 once (4.28:1). The publisher's page under a transparent
    embed is white in the light scheme."""
    faint: list[tuple[object, ...]] = []
    for scheme, values in palettes().items():
        grounds = [values["--veche-" + g] for g in GROUNDS]
        if scheme == "light":
            grounds += list(BACKGROUNDS)
        for name in TEXTS:
            colour = values["--veche-" + name]
            faint += [
                (scheme, name, colour, bg, round(contrast(colour, bg), 2))
                for bg in grounds
                if contrast(colour, bg) < 4.5
            ]
        on_accent = contrast(values["--veche-on-accent"], values["--veche-accent"])
        on_danger = contrast(values["--veche-on-accent"], values["--veche-danger"])
        faint += [(scheme, "buttons", r) for r in (on_accent, on_danger) if r < 4.5]
    assert not faint


def test_no_colour_is_written_outside_the_palette_but_self_contained_pairs() -> None:
    """A rule that sets a text colour by value sets its background too (a badge): any other
    text colour is a custom property, so the dark scheme reaches it."""
    css = CSS.read_text().split(":root { color-scheme", 1)[1]
    loose = [
        (selector.strip(), value)
        for selector, block in re.findall(r"([^{}]+)\{([^}]*)\}", css)
        for value in re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})\b", block)
        if "background" not in block
    ]
    assert loose == [(".site-header a, .site-header .link", "#fff")]  # on the header's navy
