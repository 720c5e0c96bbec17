"""The passages of a comment that are someone else's words: its markdown "> " quotes and the
comment it quotes.

Scoring sees the rendered plain text, where a blockquote is no longer marked, so the quoted
lines are read from the markdown source and found again in the plain text. Both the abuse
lexicons (a quoted insult is reported, not said) and the near-duplicate index (quoting a
comment in full is a reply, not a copy) leave them out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_MARKER = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+")
# Markdown that rendering removes from a quoted line: emphasis, code and link brackets.
_INLINE = re.compile(r"[*_`~]+|!?\[|\]\([^)]*\)")


def blockquotes(markdown: str) -> list[str]:
    """Each run of "> " lines of a markdown text, without the markers and inline markup."""
    passages: list[str] = []
    run: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        marker = _MARKER.match(line)
        if marker is not None:
            run.append(_INLINE.sub("", line[marker.end() :]).strip())
            continue
        if any(run):
            passages.append(" ".join(part for part in run if part))
        run = []
    return passages


def spans(text: str, passages: Iterable[str]) -> list[tuple[int, int]]:
    """Where each passage occurs in text, matched word by word, whatever the spacing."""
    found: list[tuple[int, int]] = []
    for passage in passages:
        words = [re.escape(w) for w in passage.split()]
        if words:
            found += [m.span() for m in re.finditer(r"\s+".join(words), text, re.IGNORECASE)]
    return found


def without_quoted(text: str, passages: Sequence[str]) -> str:
    """text with the quoted passages cut out: the words its author wrote."""
    for start, end in sorted(spans(text, passages), reverse=True):
        text = text[:start] + " " + text[end:]
    return text
