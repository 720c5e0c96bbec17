"""What the source parsers share: foreign HTML becomes the markdown veche stores (so it
renders through the one sanitiser like any reader's comment; raw HTML is never kept), and
foreign people are keyed and linked the same way whichever source they come from."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from markdownify import MarkdownConverter

_BLOCK_TAG = re.compile(
    r"</?(?:div|ul|ol|li|blockquote|h[1-6]|table|thead|tbody|tr|td|th|figure|figcaption|hr)"
    r"\b[^>]*>",
    re.IGNORECASE,
)
_P_TAG = re.compile(r"</?p\b[^>]*>", re.IGNORECASE)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n+")
_BLANKS = re.compile(r"\n{3,}")


class Skip(Exception):
    """A record a parser cannot take; its message is the reason reported."""


class _Converter(MarkdownConverter):
    """Headings and images are off in veche's markdown: a heading becomes a bold paragraph
    (its words stay); an image goes (its alt text is not what a reader sees, and its
    caption, when it has one, stays as text)."""

    def convert_hN(self, n: int, el: Any, text: str, parent_tags: set[str]) -> str:
        text = text.strip()
        return f"\n\n**{text}**\n\n" if text else ""

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return ""

    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        """A link to somewhere a reader can go; any other target (`javascript:`, a path
        relative to the old site) leaves its words only."""
        href = str(el.get("href") or "").strip().lower()
        if not href.startswith(("http://", "https://", "mailto:")):
            return text
        convert = getattr(MarkdownConverter, "convert_a")  # noqa: B009 (not in its stubs)
        return str(convert(self, el, text, parent_tags))


_CONVERTER = _Converter(heading_style="ATX", bullets="-")


def html_to_markdown(fragment: str) -> str:
    """A source's HTML (entities, CDATA text, inline tags) as markdown."""
    return _BLANKS.sub("\n\n", _CONVERTER.convert(fragment)).strip()


def autop(text: str) -> str:
    """WordPress stores comments and posts as text whose blank lines are paragraphs and
    whose single line breaks are <br>s; its wpautop adds the tags on display, around and
    inside the block tags a writer typed. This is that, simplified."""
    text = text.replace("\r\n", "\n")
    if "<pre" in text.lower():
        return text  # code keeps its lines; rare in comments
    text = _BLOCK_TAG.sub(lambda m: f"\n\n{m.group(0)}\n\n", _P_TAG.sub("\n\n", text))
    chunks = (c.strip() for c in _PARAGRAPHS.split(text))
    return "".join(
        c if _BLOCK_TAG.fullmatch(c) else f"<p>{c.replace(chr(10), '<br>')}</p>"
        for c in chunks
        if c
    )


def email_key(email: str) -> str:
    """A guest's key where the source has no account: their address's hash (the same
    address is the same person; the address itself is not spread into every key)."""
    return "email:" + hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:32]


def web_url(value: str | None) -> str | None:
    """A commenter's website, when it is one (not `javascript:` or a bare word)."""
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) and len(value) > 8 else None
