"""The abuse lexicons' file format, read into compiled patterns.

The word lists are data (src/veche/moderation/data/abuse_<lang>.txt) so that a moderator can read
and extend them without touching code. Each file has scored sections, "[category weight]" with an
optional "near=you|group|any", plus "[@name]" context lists and a "[!except]" list of words a
pattern reaches by accident. Patterns are regular expressions over folded text with three
shorthands: a space is any run of separators between words, "*" is the rest of a word, and " .. "
is up to three other words.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

CATEGORIES = frozenset({"insult", "obscene", "threat", "dehumanising", "group_insult"})
# "weak" words insult only when aimed: at a person (insult) or at a group (group_insult).
_WEAK = "weak"
_NEAR = frozenset({"you", "group", "any"})
LANGUAGES = ("en", "ru")

_SEP = r"[\W_]+"
_REST = r"[^\W_]*"
_GAP = r"[\W_]+(?:[^\W_]+[\W_]+){0,3}"
_HEADER = re.compile(r"\[(?P<name>[@!]?[a-z_]+)(?: (?P<weight>[0-9.]+))?(?: near=(?P<near>\w+))?\]")


@dataclass(frozen=True)
class Section:
    category: str  # one of CATEGORIES, or "weak"
    weight: float
    near: str | None  # None: counts anywhere
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Lexicon:
    lang: str
    sections: tuple[Section, ...]
    lists: dict[str, re.Pattern[str]] = field(default_factory=dict)
    exceptions: re.Pattern[str] | None = None
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # each list's lines

    def context(self, name: str) -> re.Pattern[str] | None:
        return self.lists.get(name)


def to_regex(pattern: str) -> str:
    """One lexicon line as a regular expression (without the word boundaries around it)."""
    return pattern.replace(" .. ", _GAP).replace(" ", _SEP).replace("*", _REST)


def _alternation(patterns: list[str], whole_word: bool = True) -> re.Pattern[str]:
    body = "|".join(f"(?:{to_regex(p)})" for p in patterns)
    if whole_word:
        return re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])")
    return re.compile(rf"(?:{body})")


def parse(text: str, lang: str) -> Lexicon:
    """Read a lexicon file; a malformed header or pattern is an error naming its line."""
    sections: list[Section] = []
    lists: dict[str, re.Pattern[str]] = {}
    words: dict[str, tuple[str, ...]] = {}
    exceptions: re.Pattern[str] | None = None
    name: str | None = None
    weight = 0.0
    near: str | None = None
    lines: list[str] = []

    def close(at: int) -> None:
        nonlocal exceptions
        if name is None:
            return
        if not lines:
            raise ValueError(f"abuse_{lang}.txt line {at}: section [{name}] is empty")
        try:
            if name == "!except":
                exceptions = re.compile("|".join(f"(?:{to_regex(p)})" for p in lines))
            elif name.startswith("@"):
                lists[name[1:]] = _alternation(lines)
                words[name[1:]] = tuple(lines)
            else:
                sections.append(Section(name, weight, near, _alternation(lines)))
        except re.error as e:
            raise ValueError(f"abuse_{lang}.txt section [{name}]: bad pattern: {e}") from e

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            close(number)
            header = _HEADER.fullmatch(line)
            if header is None:
                raise ValueError(f"abuse_{lang}.txt line {number}: bad section header {line!r}")
            name, lines = header["name"], []
            scored = not name.startswith(("@", "!"))
            if scored and name not in CATEGORIES and name != _WEAK:
                raise ValueError(f"abuse_{lang}.txt line {number}: unknown category {name!r}")
            if scored != (header["weight"] is not None):
                raise ValueError(f"abuse_{lang}.txt line {number}: weight goes with categories")
            weight = float(header["weight"] or 0)
            near = header["near"]
            if near is not None and near not in _NEAR:
                raise ValueError(f"abuse_{lang}.txt line {number}: near= must be one of {_NEAR}")
            if name == _WEAK:
                near = near or "you|group"
            continue
        if name is None:
            raise ValueError(f"abuse_{lang}.txt line {number}: pattern before any section")
        letters = re.sub(r"\\[A-Za-z]", "", line)  # regex escapes such as \W are not words
        if letters != letters.casefold() or "ё" in letters:
            raise ValueError(f"abuse_{lang}.txt line {number}: patterns are written folded")
        lines.append(line)
    close(len(text.splitlines()))
    return Lexicon(lang, tuple(sections), lists, exceptions, words)


@functools.cache
def load(lang: str) -> Lexicon:
    """The shipped lexicon for "en" or "ru", read once."""
    if lang not in LANGUAGES:
        raise ValueError(f"no abuse lexicon for {lang!r}; have {', '.join(LANGUAGES)}")
    data = resources.files("veche.moderation").joinpath("data", f"abuse_{lang}.txt")
    return parse(data.read_text(encoding="utf-8"), lang)
