"""A site's banned-word or suspect-word list, matched on whole words of folded text.

Entries and comments go through the same `fold`, so "ass" catches "@ss" and "a s s" but not
"class" or "assassin", and "идиот" catches "идиoт" with a Latin o. An entry ending in "*" is a
prefix ("idiot*" also catches "idiots", "idiotic"). One compiled regex serves the whole list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from veche.moderation.normalize import fold, fold_variants, other_script, unmask

# Between the words of a phrase: anything that is not a letter or digit ("you, idiot").
_BETWEEN = r"[\W_]+"
_BEFORE = r"(?<![^\W_])"
_AFTER = r"(?![^\W_])"


class WordList:
    """Whole-word matcher for a list of words and phrases; `find` says which entry matched."""

    def __init__(self, entries: Iterable[str]) -> None:
        if isinstance(entries, str):
            raise TypeError("WordList takes an iterable of entries; use WordList.parse for text")
        self._exact: dict[str, str] = {}
        self._prefix: dict[str, str] = {}
        self._disguised: dict[str, str] = {}
        for raw in entries:
            if not isinstance(raw, str):
                raise TypeError(f"word list entries must be str, not {type(raw).__name__}")
            entry = raw.strip()
            if not entry:
                continue
            is_prefix = entry.endswith("*")
            folded = " ".join(fold(entry.rstrip("*").strip()).split())
            if not re.search(r"[^\W_]", folded):
                raise ValueError(f"word list entry {entry!r} has no letters or digits")
            target = self._prefix if is_prefix else self._exact
            target.setdefault(folded, entry)
            disguised = other_script(folded) if " " not in folded else None
            if disguised is not None:
                # "cyka" in Latin letters passes for "сука" and has nothing for fold to undo.
                self._disguised.setdefault(disguised, entry)
        self._pattern = self._compile()

    @classmethod
    def parse(cls, text: str) -> WordList:
        """A list as a site admin types it: one entry per line or comma-separated."""
        return cls(part for line in text.splitlines() for part in line.split(","))

    def _compile(self) -> re.Pattern[str] | None:
        def alternation(words: Iterable[str]) -> str:
            # Longest first, so "you idiot" wins over "you" and a prefix over a shorter one.
            ordered = sorted(words, key=len, reverse=True)
            return "|".join(_BETWEEN.join(map(re.escape, w.split(" "))) for w in ordered)

        parts = []
        if self._exact:
            parts.append(f"(?P<exact>{alternation(self._exact)}){_AFTER}")
        if self._disguised:
            parts.append(f"(?P<disguised>{alternation(self._disguised)}){_AFTER}")
        if self._prefix:
            parts.append(f"(?P<prefix>{alternation(self._prefix)})[^\\W_]*")
        if not parts:
            return None
        return re.compile(_BEFORE + "(?:" + "|".join(parts) + ")")

    @property
    def entries(self) -> list[str]:
        """The entries as given (trimmed), exact words first."""
        return [*self._exact.values(), *self._prefix.values()]

    def __len__(self) -> int:
        return len(self._exact) + len(self._prefix)

    def _key(self, matched: str) -> str:
        return " ".join(re.split(_BETWEEN, matched))

    def find(self, text: str) -> str | None:
        """The first entry found in `text` (as it was given), or None."""
        if not isinstance(text, str):
            raise TypeError(f"find() takes a str, not {type(text).__name__}")
        if self._pattern is None:
            return None
        # "f*ck" is read against the list's own single words.
        text = unmask(text, (w for w in self._exact if " " not in w))
        for variant in fold_variants(text):
            m = self._pattern.search(variant)
            if m is None:
                continue
            exact = m.group("exact") if self._exact else None
            if exact is not None:
                return self._exact[self._key(exact)]
            disguised = m.group("disguised") if self._disguised else None
            if disguised is not None:
                return self._disguised[disguised]
            return self._prefix[self._key(m.group("prefix"))]
        return None
