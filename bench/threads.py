"""The synthetic threads both systems are seeded with: one generator, so content is identical."""

from __future__ import annotations

import random
from dataclasses import dataclass

SEED = 5  # issue 5; fixed so every run (and both systems) sees the same threads
AUTHORS = 200
BODY_CHARS = 300
TOP_LEVEL_SHARE = 0.2
BASE_TIME = 1_764_000_000.0  # 2025-11-24, a fixed "created" origin in epoch seconds

_WORDS = [
    "the",
    "council",
    "vote",
    "was",
    "delayed",
    "again",
    "after",
    "residents",
    "asked",
    "for",
    "a",
    "public",
    "hearing",
    "on",
    "the",
    "new",
    "bridge",
    "and",
    "the",
    "budget",
    "that",
    "pays",
    "for",
    "it",
    "while",
    "traffic",
    "on",
    "the",
    "old",
    "road",
    "keeps",
    "growing",
    "every",
    "year",
    "and",
    "nobody",
    "seems",
    "to",
    "know",
    "who",
    "signed",
    "the",
    "contract",
    "or",
    "why",
    "the",
    "numbers",
    "in",
    "the",
    "report",
    "do",
    "not",
    "match",
    "what",
    "the",
    "mayor",
    "said",
    "last",
    "week",
    "about",
    "taxes",
    "schools",
    "water",
    "buses",
    "parking",
    "police",
    "housing",
    "rent",
    "prices",
    "jobs",
    "wages",
    "weather",
    "river",
    "flood",
    "repair",
]


@dataclass(frozen=True)
class Row:
    """One comment: `parent` is the index of an earlier comment in the same thread."""

    index: int
    parent: int | None
    author: int  # 0 .. AUTHORS-1
    body: str
    created: float  # epoch seconds


def author_handle(n: int) -> str:
    return f"reader{n:03d}"


def _body(rng: random.Random) -> str:
    """About 300 characters of plain words in two paragraphs, so markdown has work to do."""
    words: list[str] = []
    length = 0
    while length < BODY_CHARS - 8:
        w = rng.choice(_WORDS)
        words.append(w)
        length += len(w) + 1
    cut = len(words) // 2
    text = " ".join(words[:cut]).capitalize() + ".\n\n" + " ".join(words[cut:]).capitalize()
    return text[: BODY_CHARS - 1] + "."


def make_thread(size: int, seed: int = SEED) -> list[Row]:
    """20% top-level, the rest replies to a uniformly random earlier comment of the thread."""
    rng = random.Random(seed * 1_000_003 + size)
    rows: list[Row] = []
    for i in range(size):
        parent = None if i == 0 or rng.random() < TOP_LEVEL_SHARE else rng.randrange(i)
        rows.append(Row(i, parent, rng.randrange(AUTHORS), _body(rng), BASE_TIME + i))
    return rows


def root_of(rows: list[Row]) -> list[int]:
    """Each comment's top-level ancestor (Isso keeps one level: replies hang off the root)."""
    roots: list[int] = []
    for r in rows:
        roots.append(r.index if r.parent is None else roots[r.parent])
    return roots
