"""Markdown in, inert HTML out: markdown-it with raw HTML off, then nh3 as the last word."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

LINK_REL = "nofollow ugc noopener noreferrer"
_TAGS = {
    "p", "br", "em", "strong", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "hr", "h3", "h4",
}  # fmt: skip
_ATTRS = {"a": {"href", "title"}, "ol": {"start"}}
_SCHEMES = {"http", "https", "mailto"}
_ABSOLUTE = ("http://", "https://", "mailto:")
_WS = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    # breaks: a reader's line breaks are kept, as in every comment box they know.
    md = MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False, "breaks": True}
    )
    md.enable("strikethrough")
    # Images would let a commenter track every reader; headings would shout.
    md.disable(["image", "heading", "lheading"])
    return md


def render_markdown(source: str) -> str:
    """The only place user markdown becomes HTML; the result is safe to put in a page."""
    raw = _md().render(source)
    return nh3.clean(
        raw,
        tags=_TAGS,
        attributes=_ATTRS,
        url_schemes=_SCHEMES,
        link_rel=LINK_REL,
        attribute_filter=_absolute_links,
    )


def _absolute_links(tag: str, attribute: str, value: str) -> str | None:
    """Relative links would resolve against the publisher's page inside the embed."""
    if tag == "a" and attribute == "href" and not value.lower().startswith(_ABSOLUTE):
        return None
    return value


def html_to_text(fragment: str) -> str:
    """What a reader sees and can select: the basis for checking quotes."""
    text = nh3.clean(
        re.sub(r"</(p|li|blockquote|pre|h3|h4)>|<br\s*/?>", "\n", fragment), tags=set()
    )
    return html.unescape(text).strip()


def clean_text(value: str) -> str:
    """Single-line user strings: NFC, no control characters, single spaces."""
    value = unicodedata.normalize("NFC", value)
    # Line breaks and tabs separate words: they become spaces, other controls go.
    value = "".join(
        " " if ch.isspace() else ch
        for ch in value
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    return _WS.sub(" ", value).strip()
