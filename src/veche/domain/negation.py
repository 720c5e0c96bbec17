"""Does cutting a quote out of its sentence reverse what the sentence says?

A small, fixed rule set for English and Russian, on the tokens of `quotes.tokenise` (casefolded,
diacritics dropped, as in `tokens.fold`). It catches the cut that turns "I would
never say the election was rigged" into "the election was rigged"; it does not parse grammar.

1. Look back from the quote's start over the same clause, at most LOOKBACK words. The clause
   ends at . ! ? ; or a line break, at a contrastive conjunction (but, however, но, однако…),
   and at a comma unless the comma introduces a "that"-clause (", что", ", that"), since
   "неправда, что…" and "я не говорил, что…" put the negator before such a comma.
2. The look-back reverses the quote when it holds a negator (not, never, no, n't forms,
   nobody, neither/nor, hardly, не, ни, нет, никогда, никто…, or a denial: "a lie", untrue,
   ложь, неправда) or a verb of doubt (I doubt, сомневаюсь) — but not both: "I don't doubt",
   "nobody doubts", "не сомневаюсь" and "no doubt" affirm. Fixed phrases that affirm are
   skipped (no wonder, not only, не только, не зря, не случайно), as is an answer word
   standing alone ("No, …", "Нет: …") and a doubt noun ("without a doubt", "без сомнения").
   Russian negative concord: a ни-word ("никогда", "никто") whose "не" the quote keeps
   ("никогда | не говорил") negates nothing the quote lost.
3. Look ahead from the quote's end over the rest of its sentence: a denial there ("… is a
   lie", "… is not true", "… — это ложь", "… — неправда") reverses the quote too.

A negator inside the quote is kept by the quote, so it never counts against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from veche.domain.tokens import BREAK, fold, is_word

LOOKBACK = 8  # words before the quote's start that can govern it
LOOKAHEAD = 6  # tokens after its end in which a trailing denial is looked for


def _words(words: Iterable[str]) -> frozenset[str]:
    """Word lists are written as people spell them and folded as the tokens are."""
    return frozenset(fold(w) for w in words)


def _phrases(phrases: Iterable[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(fold(w) for w in p) for p in phrases)


SENTENCE_END = frozenset({".", "!", "?", ";", BREAK})
CONTRASTIVE = _words(
    {"but", "however", "yet", "although", "though", "whereas",
     "но", "однако", "зато", "хотя", "\u0430"}  # the last is Russian "a"
)  # fmt: skip
COMPLEMENTIZERS = _words({"that", "whether", "что", "чтобы", "будто", "якобы"})
NEGATORS = _words(
    {
        "not", "no", "never", "nobody", "none", "nothing", "nowhere", "neither", "nor",
        "hardly", "scarcely", "cannot", "untrue",
        # n't forms typed without the apostrophe, as comments often are
        "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant", "couldnt",
        "wouldnt", "shouldnt", "wont", "havent", "hasnt", "hadnt", "aint",
        "не", "ни", "нет", "никогда", "никто", "ничто", "ничего", "нигде", "никак",
        "нисколько", "отнюдь", "вряд", "неправда", "ложь", "враньё", "неверно",
    }
)  # fmt: skip
NEGATING_PAIRS = _phrases({("a", "lie"), ("lie", "that"), ("false", "that")})
DOUBTS = _words(
    {
        "doubt", "doubts", "doubted",
        "сомневаюсь", "сомневается", "сомневаются", "сомневаемся", "сомневался",
        "сомнительно", "сомнений", "сомнения",
    }
)  # fmt: skip
# A doubt word after these is a noun ("without a doubt", "без сомнения"), not a doubter.
DOUBT_NOUN_AFTER = _words({"a", "any", "without", "beyond", "без", "вне"})
AFFIRMING_PAIRS = _phrases(
    {("no", "wonder"), ("not", "only"), ("не", "только"), ("не", "зря"), ("не", "случайно")}
)
CONCORD = _words({"ни", "никогда", "никто", "ничто", "ничего", "нигде", "никак", "нисколько"})
CONCORD_PARTNERS = _words({"не", "нет"})
ANSWERS = _words({"no", "нет"})
ANSWER_MARKS = frozenset({",", ":", "!", "-", "."})
TAIL_FILLER = _words({",", "-", ":", "that", "this", "it", "which", "это", "что", "то"})
DENIAL_TAILS = _phrases({
    ("is", "a", "lie"), ("was", "a", "lie"), ("is", "not", "true"), ("isn't", "true"),
    ("is", "untrue"), ("is", "false"), ("never", "happened"),
    ("ложь",), ("неправда",), ("враньё",), ("не", "правда"), ("неверно",),
})  # fmt: skip


def is_negator(token: str) -> bool:
    return token in NEGATORS or token.endswith("n't")


def reverses(tokens: Sequence[str], start: int, end: int) -> bool:
    """Whether the sentence around tokens[start:end] says the opposite of the span alone."""
    kept = CONCORD_PARTNERS.intersection(tokens[start:end])
    return _negated_before(tokens, start, concord=bool(kept)) or _denied_after(tokens, end)


def clause_before(tokens: Sequence[str], start: int) -> list[str]:
    """The tokens of the quote's clause before `start`, in order (rule 1)."""
    out: list[str] = []
    words = 0
    i = start - 1
    while i >= 0 and words < LOOKBACK:
        t = tokens[i]
        if t in SENTENCE_END or t in CONTRASTIVE:
            break
        if t == "," and tokens[i + 1] not in COMPLEMENTIZERS:
            break
        out.append(t)
        words += is_word(t)
        i -= 1
    out.reverse()
    return out


def _negated_before(tokens: Sequence[str], start: int, *, concord: bool) -> bool:
    """Rule 2: a negator or a doubt governs the quote, not both. With `concord` the quote
    keeps a Russian "не", so a ни-word before it only echoes that negation."""
    window = clause_before(tokens, start)
    negated = doubted = False
    i = 0
    while i < len(window):
        t = window[i]
        nxt = window[i + 1] if i + 1 < len(window) else ""
        if (t, nxt) in AFFIRMING_PAIRS:
            i += 2
            continue
        if t in ANSWERS and nxt in ANSWER_MARKS:
            i += 1
            continue
        if t in DOUBTS:
            doubted = doubted or (i == 0 or window[i - 1] not in DOUBT_NOUN_AFTER)
        elif concord and t in CONCORD:
            pass
        elif is_negator(t) or (t, nxt) in NEGATING_PAIRS:
            negated = True
        i += 1
    return negated != doubted


def _denied_after(tokens: Sequence[str], end: int) -> bool:
    """Rule 3: the rest of the sentence calls the quoted words false."""
    tail: list[str] = []
    for t in tokens[end : end + LOOKAHEAD]:
        if t in SENTENCE_END:
            break
        tail.append(t)
    while tail and tail[0] in TAIL_FILLER:
        tail.pop(0)
    return any(tuple(tail[: len(d)]) == d for d in DENIAL_TAILS)
