"""Markdown in, inert HTML out: markdown-it with raw HTML off, then nh3 as the last word."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import nh3
from markdown_it import MarkdownIt

if TYPE_CHECKING:  # mentions needs validation, which needs this module
    from veche.domain.mentions import Mentions

LINK_REL = "nofollow ugc noopener noreferrer"
_TAGS = {
    "p", "br", "em", "strong", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "hr", "h3", "h4",
}  # fmt: skip
_ATTRS = {"a": {"href", "title", "data-mention"}, "ol": {"start"}}
# Only the mention rule makes these (raw HTML is off): a reader's markdown cannot.
_CLASSES = {"a": {"mention"}}
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
    from veche.domain import mentions

    md.use(mentions.plugin)
    return md


def render_markdown(source: str, mentions: Mentions | None = None) -> str:
    """The only place user markdown becomes HTML; the result is safe to put in a page.
    `mentions` names the handles that exist: those `@handle`s become profile links."""
    env: dict[str, Any] = {"veche_mentions": mentions} if mentions is not None else {}
    raw = _md().render(source, env)
    return nh3.clean(
        raw,
        tags=_TAGS,
        attributes=_ATTRS,
        url_schemes=_SCHEMES,
        link_rel=LINK_REL,
        attribute_filter=_absolute_links,
        allowed_classes=_CLASSES,
    )


def mention_candidates(source: str) -> list[str]:
    """The handle keys a body may mention, for the one lookup before rendering."""
    from veche.domain import mentions

    return mentions.candidates(_md(), source)


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
