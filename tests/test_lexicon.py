"""The abuse lexicon file format and the shipped English and Russian lexicons."""

from __future__ import annotations

import re

import pytest

from veche.moderation.lexicon import CATEGORIES, load, parse, to_regex

SAMPLE = """
# a comment
[threat 0.9]
kill (you|them)
blow .. to hell

[weak 0.7]
stupid*

[dehumanising 0.8 near=any]
vermin

[!except]
stupidity

[@you]
you
"""


def test_a_lexicon_file_is_read_into_sections_and_lists() -> None:
    lex = parse(SAMPLE, "en")
    assert [(s.category, s.weight, s.near) for s in lex.sections] == [
        ("threat", 0.9, None),
        ("weak", 0.7, "you|group"),
        ("dehumanising", 0.8, "any"),
    ]
    threat = lex.sections[0].pattern
    assert threat.search("i will kill you")
    assert threat.search("blow the whole thing to hell")
    assert not threat.search("skill you")  # whole words only
    assert lex.exceptions is not None and lex.exceptions.fullmatch("stupidity")
    assert lex.words["you"] == ("you",)


def test_the_shorthands() -> None:
    assert to_regex("you idiot*") == r"you[\W_]+idiot[^\W_]*"
    gap = re.compile(to_regex("blow .. to hell"))
    assert gap.fullmatch("blow it to hell")
    assert gap.fullmatch("blow the whole place to hell")
    assert not gap.fullmatch("blow one two three four to hell")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("kill", "pattern before any section"),
        ("[threat]\nkill", "weight goes with categories"),
        ("[rude 0.5]\nkill", "unknown category"),
        ("[threat 0.9]\nKill", "written folded"),
        ("[threat 0.9]\n(kill", "bad pattern"),
        ("[threat 0.9]\n[insult 0.8]\nidiot", "is empty"),
        ("[weak 0.5 near=moon]\nx", "near= must be one of"),
        ("[threat 0.9\nkill", "bad section header"),
    ],
)
def test_a_malformed_file_is_refused_with_its_line(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse(text, "en")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_shipped_lexicons_load_and_cover_every_category(lang: str) -> None:
    lex = load(lang)
    assert {s.category for s in lex.sections} >= CATEGORIES
    for name in ("you", "group", "pointer", "negation", "endorse", "call", "condemn", "starred"):
        assert lex.context(name) is not None, name
    assert load(lang) is lex  # read once


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no abuse lexicon for 'de'"):
        load("de")
