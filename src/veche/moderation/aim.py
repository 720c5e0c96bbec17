"""Whether a word that only insults when aimed ("stupid", "thieves", "скоты") is aimed.

Nearness alone is not enough: "Protesters were beaten by thugs" has a group and "thugs" three
words apart, and is news. A word counts as aimed at a target (an address such as "you", a group
such as "migrants", or a pointing word such as "these") when

- the target is named first and then said to be it: "Migrants from Central Asia are filthy",
  "Менты — тупые садисты", "you're too stupid": a copula ("are", "is", "это") or a dash after the
  target, then only filler ("a bunch of", "all", "просто") and at most one other word;
- or the two stand side by side, with nothing but filler between: "you ugly troll", "filthy
  migrants", "эти твари", "тупые хохлы";
- or it is a simile near the target: "they act like animals", "мигранты как тараканы".
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from veche.moderation.lexicon import Lexicon

_WORD = re.compile(r"[^\W_]+")
_DASH = re.compile(r"—|–|(?:^|\s)-(?:\s|$)")
# How many words may follow a target before the copula that judges it: a group is often named at
# length ("Migrants from Central Asia are …"), an address never ("you are …", "ты —").
_BEFORE_COPULA = {"you": 0, "group": 4, "pointer": 2}
_SIMILE_REACH = 6
_NEGATION_REACH = 3
_LISTS = ("you", "group", "pointer", "negation", "copula", "filler", "like", "preposition")


@dataclass
class Targets:
    """The words of one folded reading and which of them address, point, link or fill."""

    spans: list[tuple[int, int]]
    gaps: list[str]  # what stands before each word
    starts: list[int]
    marks: dict[str, set[int]]
    soft: set[int] = field(default_factory=set)  # words taken by other aimed-only hits

    @classmethod
    def of(cls, folded: str, lex: Lexicon) -> Targets:
        spans = [m.span() for m in _WORD.finditer(folded)]
        gaps = [folded[(spans[i - 1][1] if i else 0) : s[0]] for i, s in enumerate(spans)]
        self = cls(spans, gaps, [s for s, _ in spans], {})
        for name in _LISTS:
            pattern = lex.context(name)
            found: set[int] = set()
            if pattern is not None:
                for m in pattern.finditer(folded):
                    first, last = self.words(m.span())
                    found.update(range(first, last + 1))
            self.marks[name] = found
        return self

    def words(self, span: tuple[int, int]) -> tuple[int, int]:
        """The indices of the first and last word a character span touches."""
        first = max(0, bisect.bisect_right(self.starts, span[0]) - 1)
        last = max(first, bisect.bisect_right(self.starts, span[1] - 1) - 1)
        return first, last

    def negated(self, span: tuple[int, int]) -> bool:
        """Whether a denial stands just before: "they are not animals", "вы не идиоты"."""
        first, _ = self.words(span)
        return any(i in self.marks["negation"] for i in range(first - _NEGATION_REACH, first))

    def _filler(self, i: int) -> bool:
        return i in self.soft or i in self.marks["filler"] or i in self.marks["copula"]

    def _said_of(self, target: int, first: int, reach: int) -> bool:
        """Target, a copula or dash, then filler and at most one other word, then the hit."""
        between = range(target + 1, first)
        links = [i for i in between if i in self.marks["copula"]]
        links += [i for i in [*between, first] if _DASH.search(self.gaps[i])]
        for link in sorted(links)[:1]:  # the first link: a later one starts another clause
            dash = _DASH.search(self.gaps[link]) is not None
            # After a dash the linking word is already part of what is said; after "are" not.
            rest = range(link if dash else link + 1, first)
            unknown = [i for i in rest if not self._filler(i)]
            if link - target - 1 <= reach and (
                not unknown or (len(unknown) == 1 and unknown[0] not in self.marks["preposition"])
            ):
                return True
        return False

    def aimed(self, span: tuple[int, int], names: tuple[str, ...]) -> bool:
        first, last = self.words(span)
        hit = set(range(first, last + 1))
        for name in names:
            for t in sorted(self.marks[name] - hit):
                if t < first and all(self._filler(i) for i in range(t + 1, first)):
                    return True  # "you ugly troll", "эти твари"
                if t > last and all(self._filler(i) for i in range(last + 1, t)):
                    return True  # "filthy migrants", "тупые хохлы"
                if t < first and self._said_of(t, first, _BEFORE_COPULA[name]):
                    return True
        if first - 1 in self.marks["like"]:
            targets = set().union(*(self.marks[n] for n in names)) - hit
            return any(abs(t - first) <= _SIMILE_REACH for t in targets)
        return False
