"""The quote matcher: word boundaries, a minimum length, coverage and fair labels."""

from __future__ import annotations

import pytest

from veche.domain.enums import QuoteState
from veche.domain.quotes import (
    MIN_LETTERS,
    MIN_WORDS,
    Verdict,
    coverage,
    has_matched,
    judge,
    quote_tokens,
    recheck,
    too_short,
    verify,
)

RIGGED = "I would never say the election was rigged."
RU = "Я никогда не говорил, что выборы были сфальсифицированы."


def test_substrings_that_cut_words_are_not_verified() -> None:
    assert judge("ever say the elect", RIGGED) == Verdict(QuoteState.altered, None)
    assert judge("rig", RIGGED).state is QuoteState.too_short
    assert judge("would never say the election was rig", RIGGED).state is QuoteState.altered
    assert judge("uld never say the", RIGGED).state is QuoteState.altered


def test_a_quote_that_drops_the_negation_is_out_of_context() -> None:
    assert judge("the election was rigged", RIGGED) == Verdict(QuoteState.out_of_context, 50)
    assert judge("say the election was rigged", RIGGED).state is QuoteState.out_of_context
    assert judge("выборы были сфальсифицированы", RU).state is QuoteState.out_of_context


def test_a_quote_that_keeps_the_negation_is_verified() -> None:
    assert judge("never say the election was rigged", RIGGED) == Verdict(QuoteState.verified, 75)
    assert judge(RIGGED, RIGGED) == Verdict(QuoteState.verified, 100)
    assert judge("не говорил, что выборы", RU).state is QuoteState.verified
    assert judge("Я никогда не говорил", RU).state is QuoteState.verified


@pytest.mark.parametrize(
    ("quote", "source"),
    [
        # typography, case and whitespace are not words
        ("the  Election\nwas “rigged”", 'They said the election was "rigged" again.'),
        ("don't know the answer", "I don\u2019t know the answer."),
        ("the war — again and again", "It was the war \u2013 again and again."),
        ("So he said... fine by me", "So he said\u2026 fine by me."),
        ("ещё одна попытка сделана", "Была ЕЩЁ одна попытка сделана вчера."),
        ("cafe prices went up", "Café prices went up."),
        # punctuation at the quote's ends is ignored, inside it is kept
        ("«the election was rigged!»", "Everyone knows: the election was rigged!"),
        ("...and then the lights went out,", "And then the lights went out, again."),
        ("internationally", "It is internationally known."),  # one long word is enough
        ("東京で選挙", "昨日、東京で選挙が行われた。"),  # no spaces: each character is a word
    ],
)
def test_normalised_matches_are_verified(quote: str, source: str) -> None:
    assert verify(quote, source) is QuoteState.verified


@pytest.mark.parametrize(
    ("quote", "source"),
    [
        ("the election, was rigged", "the election was rigged, they say"),  # inner punctuation
        ("the elections were rigged", "the election was rigged, they say"),
        ("was rigged they", "the election was rigged, they say. Then"),
        ("the election was rigge", "the election was rigged, they say"),
        ("It is interesting that with e .. Scarlet", "It is interesting that our runaways."),
    ],
)
def test_near_misses_are_altered(quote: str, source: str) -> None:
    assert verify(quote, source) is QuoteState.altered


@pytest.mark.parametrize(
    ("quote", "short"),
    [
        ("rig", True),
        ("Exactly!", True),
        ("the votes", True),  # 2 words, 8 letters
        ("the elections", False),  # 2 words, 12 letters
        ("state elections", False),  # 2 words, 14 letters
        ("no it wasn't", False),  # 3 words
        ("...", True),
        ("«да»", True),
    ],
)
def test_the_minimum_length(quote: str, short: bool) -> None:
    assert too_short(quote_tokens(quote)) is short
    source = "Exactly! The elections, state elections: no it wasn't, rig. «Да» ..."
    assert (judge(quote, source).state is QuoteState.too_short) is short
    assert (MIN_WORDS, MIN_LETTERS) == (3, 12)


def test_a_short_quote_is_never_verified_even_when_it_matches() -> None:
    assert judge("rigged", RIGGED) == Verdict(QuoteState.too_short, None)
    assert judge("nonsense", RIGGED).state is QuoteState.too_short


def test_every_occurrence_must_be_out_of_context() -> None:
    twice = "I never said the vote was fair. Later I wrote: the vote was fair, and it was."
    assert judge("the vote was fair", twice).state is QuoteState.verified
    both = "I never said the vote was fair. Nobody thinks the vote was fair."
    assert judge("the vote was fair", both).state is QuoteState.out_of_context


def test_a_paragraph_break_starts_a_new_clause() -> None:
    source = "Nobody came to the meeting\n\nthe election was rigged anyway"
    assert judge("the election was rigged", source).state is QuoteState.verified
    # The quote may span the break: it is whitespace to the reader.
    assert judge("the meeting the election", source).state is QuoteState.out_of_context
    assert judge("Nobody came to the meeting the election", source).state is QuoteState.verified


def test_gone_sources_and_later_edits() -> None:
    assert judge("the election was rigged", None) == Verdict(QuoteState.source_deleted, None)
    assert judge("said it", "something else entirely", matched_before=True).state is (
        QuoteState.too_short
    )
    edited = judge("never say the election was rigged", "I changed my mind.", matched_before=True)
    assert edited == Verdict(QuoteState.source_edited, None)
    fresh = judge("never say the election was rigged", "I changed my mind.")
    assert fresh == Verdict(QuoteState.altered, None)


def test_recheck_remembers_that_the_words_matched() -> None:
    words = "never say the election was rigged"
    first = judge(words, RIGGED)
    gone = recheck(words, None, first.state, first.coverage)
    assert gone == Verdict(QuoteState.source_deleted, 75)  # coverage kept as the memory
    back = recheck(words, "Another text now.", gone.state, gone.coverage)
    assert back == Verdict(QuoteState.source_edited, 75)
    again = recheck(words, RIGGED, back.state, back.coverage)
    assert again == Verdict(QuoteState.verified, 75)
    # A quote that never matched stays altered, and matches when the source comes round.
    assert recheck(words, "Other.", QuoteState.altered, None).state is QuoteState.altered
    assert recheck(words, RIGGED, QuoteState.altered, None) == first
    assert recheck("rig", "Other.", QuoteState.too_short, None).state is QuoteState.too_short


def test_has_matched() -> None:
    assert has_matched(QuoteState.verified, None)  # stored before coverage existed
    assert has_matched(QuoteState.out_of_context, 10)
    assert has_matched(QuoteState.source_edited, None)
    assert has_matched(QuoteState.source_deleted, 12)
    assert not has_matched(QuoteState.source_deleted, None)
    assert not has_matched(QuoteState.altered, None)
    assert not has_matched(QuoteState.too_short, None)
    assert not has_matched(None, None)


def test_coverage_is_a_rounded_percent_of_the_source_words() -> None:
    assert [coverage(1, 3), coverage(2, 3), coverage(1, 8), coverage(1, 1000)] == [33, 67, 13, 1]
    assert coverage(5, 5) == 100
    with pytest.raises(ValueError, match="without words"):
        coverage(1, 0)
    # Punctuation is not counted as words on either side.
    assert judge("the quick brown fox", "The quick, brown fox! Jumps over.").state is (
        QuoteState.altered
    )
    assert judge("quick, brown fox", "The quick, brown fox! Jumps over.").coverage == 50
