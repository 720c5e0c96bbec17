"""An article's text as a publisher's page shows it, sent by the embed (`data-article-selector`)
so that quotes of the article can be checked against it (domain/quotes.py).

`normalise` is the same in static/embed-fit.js: line ends, trailing spaces and runs of
blank lines do not make two texts differ, so the page and veche agree on one `digest` and
the embed sends the text again only when the article really changed.
"""

from __future__ import annotations

import re
import unicodedata

from veche.domain.errors import InvalidInput
from veche.i18n import gettext as _

TEXT_MAX = 100_000  # characters: an article, not a book; the embed cuts before this
_BLANKS = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """Lines without trailing spaces, at most one blank line in a row, no control characters
    but line breaks and tabs, trimmed."""
    if len(text) > TEXT_MAX:
        raise InvalidInput(
            _("The article text is at most %(max)s characters.") % {"max": TEXT_MAX},
            field="article_text",
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    lines = [line.rstrip(" \t\u00a0") for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()


def digest(text: str | None) -> str:
    """FNV-1a (32 bits) of the UTF-8 text, in hex: "" for none. Not a security check, only a
    way to tell "the same text" without sending it (JavaScript has no hashlib on http:)."""
    if not text:
        return ""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"
