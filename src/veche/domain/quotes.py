"""Quote provenance: a quote is checked, word for word, against the text its source shows now.

Both texts become tokens (words and single punctuation marks) after folding case, Unicode
forms, diacritics, typographic quotes, dashes and ellipses, so a quote matches only on word
boundaries ("rig" is not in "rigged", "ever" is not in "never"); punctuation inside a quote must
match, punctuation at its ends is ignored. Then, in order:

- source_deleted: the source is gone, nothing to check against.
- too_short: fewer than MIN_WORDS words and fewer than MIN_LETTERS letters. Readers quote one
  word to answer it; such a quote is kept, but a word is in almost any text, so it proves
  nothing and never shows as verified.
- verified / out_of_context: the words occur in the source; out of context when every
  occurrence is cut so that its sentence says the opposite (see `negation`).
- source_edited: the words are not in the source now, but they were when last checked
  (`matched_before`): the source changed after the quote, the quoter did not misquote.
- altered: the words are not in the source and never were since the quote was made.

Coverage is the quote's words as a percentage of the source's words, rounded, at least 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from veche.domain.enums import QuoteState
from veche.domain.negation import reverses
from veche.domain.tokens import BREAK, is_word, tokenise

MIN_WORDS = 3
MIN_LETTERS = 12
# States that mean "the words were in the source when last checked".
MATCHED = frozenset({QuoteState.verified, QuoteState.out_of_context, QuoteState.source_edited})


@dataclass(frozen=True)
class Verdict:
    state: QuoteState
    coverage: int | None  # percent of the source's words, when they last matched


def quote_tokens(quote_text: str) -> list[str]:
    """The quote as matched: no line breaks, no punctuation at either end."""
    tokens = [t for t in tokenise(quote_text) if t != BREAK]
    start = next((i for i, t in enumerate(tokens) if is_word(t)), len(tokens))
    end = next((i for i in range(len(tokens), 0, -1) if is_word(tokens[i - 1])), start)
    return tokens[start:end]


def too_short(tokens: list[str]) -> bool:
    words = [t for t in tokens if is_word(t)]
    letters = sum(ch.isalpha() for w in words for ch in w)
    return len(words) < MIN_WORDS and letters < MIN_LETTERS


def occurrences(needle: list[str], hay: list[str]) -> list[int]:
    """Where `needle` starts in `hay`, token for token: matches fall on word boundaries."""
    n = len(needle)
    if n == 0:
        return []
    first = needle[0]
    return [i for i, t in enumerate(hay) if t == first and hay[i : i + n] == needle]


def coverage(quote_words: int, source_words: int) -> int:
    if source_words <= 0:
        raise ValueError("a quote cannot cover a source without words")
    return max(1, min(100, (200 * quote_words + source_words) // (2 * source_words)))


def judge(quote_text: str, source_text: str | None, *, matched_before: bool = False) -> Verdict:
    """The quote's state against its source as it reads now (see the module docstring)."""
    if source_text is None:
        return Verdict(QuoteState.source_deleted, None)
    needle = quote_tokens(quote_text)
    if too_short(needle):
        return Verdict(QuoteState.too_short, None)
    # Matching skips line breaks (whitespace to a reader); negation reads them as clause ends.
    full = tokenise(source_text)
    at = [i for i, t in enumerate(full) if t != BREAK]
    hay = [full[i] for i in at]
    found = occurrences(needle, hay)
    if not found:
        return Verdict(QuoteState.source_edited if matched_before else QuoteState.altered, None)
    n = len(needle)
    in_context = any(not reverses(full, at[i], at[i + n - 1] + 1) for i in found)
    percent = coverage(sum(map(is_word, needle)), sum(map(is_word, hay)))
    return Verdict(QuoteState.verified if in_context else QuoteState.out_of_context, percent)


def verify(quote_text: str, source_text: str | None) -> QuoteState:
    """The state of a new quote, which cannot have matched before."""
    return judge(quote_text, source_text).state


def has_matched(state: QuoteState | None, percent: int | None) -> bool:
    """Whether a stored quote's words were in its source when it was last checked."""
    return state in MATCHED or percent is not None


def recheck(
    quote_text: str, source_text: str | None, state: QuoteState | None, percent: int | None
) -> Verdict:
    """A stored quote (its `state` and coverage `percent`) judged again after its source
    changed. While its words are missing the old coverage is kept: it records that they
    matched, so a source deleted and restored, or edited twice, still finds the quote faithful."""
    v = judge(quote_text, source_text, matched_before=has_matched(state, percent))
    if v.coverage is None and v.state in (QuoteState.source_edited, QuoteState.source_deleted):
        return Verdict(v.state, percent)
    return v
