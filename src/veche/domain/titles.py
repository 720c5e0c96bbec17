"""A page's title without the site's name: "Storm cuts the coast road — The Coast Gazette"
becomes "Storm cuts the coast road".

The rule (README, "Story titles"): a title is "HEAD SEP TAIL", SEP being the last of
an em dash, an en dash, "|", "-", "::", "·" or "•" with a space on both sides (so
"port-to-port" and "2026-27" never split). TAIL is dropped when it names the site: it equals
the site's `title_suffix` setting or its name, compared without case, spaces, punctuation or
a leading "The". The service also learns a site's suffix when the same TAIL ends the title
of another story of the site (service/titles.py). Everything else stays as sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

SEPARATORS = (" \u2014 ", " \u2013 ", " | ", " - ", " :: ", " \u00b7 ", " \u2022 ")
SUFFIX_MAX = 120
_SPLIT = re.compile("|".join(re.escape(s) for s in SEPARATORS))


def split_suffix(title: str) -> tuple[str, str, str] | None:
    """(head, separator, tail) at the last separator, or None when there is none or
    either side would be empty."""
    found = list(_SPLIT.finditer(title))
    if not found:
        return None
    last = found[-1]
    head, tail = title[: last.start()].strip(), title[last.end() :].strip()
    if not head or not tail or len(tail) > SUFFIX_MAX:
        return None
    return head, last.group(0), tail


def name_key(name: str) -> str:
    """How two spellings of a site's name compare: "The Coast Gazette", "coast-gazette"
    and "CoastGazette" are one name."""
    folded = unicodedata.normalize("NFKC", name).casefold().strip()
    folded = re.sub(r"^the\s+", "", folded)
    return "".join(ch for ch in folded if ch.isalnum())


def without_suffix(title: str, names: Iterable[str | None]) -> str:
    """The title without a trailing site name from `names` (setting, site name)."""
    parts = split_suffix(title)
    if parts is None:
        return title
    keys = {name_key(n) for n in names if n}
    keys.discard("")
    return parts[0] if name_key(parts[2]) in keys else title
