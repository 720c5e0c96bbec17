"""The lexicon scorer: the cheap, inline abuse check, about a millisecond a comment.

It looks for insults aimed at a person, obscenities, threats and calls to violence, dehumanising
words aimed at people or groups, and group slurs, in English and Russian, on folded text (so
look-alikes, leetspeak and spacing do not hide them). Words that are only insulting when aimed
("stupid", "скоты") count only within a few words of an address or a group. Quoted words are
someone else's: what matches only inside a quotation, a "> " line or the quoted comment does not
count unless the comment agrees with it, and the words after "calling people …" are masked when
the sentence condemns the calling.
It misses abuse phrased without any listed word; the embedding stage is there for that.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from veche.moderation.aim import Targets
from veche.moderation.lexicon import LANGUAGES, Lexicon, Section, load
from veche.moderation.normalize import fold, fold_variants, unmask
from veche.moderation.quoted import spans as quote_spans


@dataclass(frozen=True)
class AbuseHit:
    score: float  # 0..1
    category: str  # insult | obscene | threat | dehumanising | group_insult
    term: str  # what matched, folded


# A name denied is not a name called ("they are not animals", "вы не идиоты"); threats and
# obscenities stay what they are.
_NEGATABLE = frozenset({"insult", "weak", "dehumanising", "group_insult"})
_WORD = re.compile(r"[^\W_]+")

_QUOTES = re.compile(
    r"“[^”\n]{1,300}”|„[^“”\n]{1,300}[“”]|«[^»\n]{1,300}»|\"[^\"\n]{1,300}\""
    r"|‘[^’\n]{1,300}’(?![^\W_])|(?<![^\W_])'[^'\n]{1,300}'(?![^\W_])"
)
_QUOTE_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
# A quotation put straight after an address is the writer's own word: 'you are a "moron"'.
_ADDRESSED = re.compile(
    r"(?:\byou(?:\W+(?:re|are))?|\bur|(?<!\w)(?:ты|вы))(?:\W+(?:an?|such|the|a|an|total|такой|такая))?\W*$"
)
_CLAUSE_END = re.compile(r"[,;:—–.!?\n]| - ")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _plain(text: str) -> str:
    """Casefolded, "ё" as "е": enough for the cue words around quotes, which nobody disguises,
    and much cheaper than `fold` on every sentence. Offsets are kept ("ß" stays one letter)."""
    plain = text.casefold()
    if len(plain) != len(text):
        plain = "".join(c if len(c.casefold()) != 1 else c.casefold() for c in text)
    return plain.replace("ё", "е")


def _endorsed(outside: str, lexicons: list[Lexicon]) -> bool:
    plain = _plain(outside)
    return any((p := lex.context("endorse")) is not None and p.search(plain) for lex in lexicons)


def quoted(
    text: str, quote_text: str | None, lexicons: list[Lexicon], blocks: Sequence[str] = ()
) -> list[str]:
    """The passages a comment quotes rather than says: quotations, "> " lines, the quoted
    comment and `blocks` (the markdown blockquotes, which the plain text no longer marks);
    none when the comment agrees with them ("exactly", "правильно")."""
    spans: list[tuple[int, int]] = [m.span() for m in _QUOTE_LINE.finditer(text)]
    for m in _QUOTES.finditer(text):
        if not _ADDRESSED.search(_plain(text[max(0, m.start() - 30) : m.start()])):
            spans.append(m.span())
    spans += quote_spans(text, [*blocks, *([quote_text] if quote_text else [])])
    if not spans:
        return []
    outside = text
    for start, end in spans:
        outside = _blank(outside, start, end)
    return [] if _endorsed(outside, lexicons) else [text[a:b] for a, b in spans]


def _said_in(term: str, folded: str, quotes: str) -> bool:
    """Whether every use of a matched term is inside the quoted passages."""
    word = re.compile(rf"(?<![^\W_]){re.escape(term)}(?![^\W_])")
    return len(word.findall(folded)) <= len(word.findall(quotes))


def mask_reported(text: str, lexicons: list[Lexicon]) -> str:
    """Blank the words after "calling people …" in a sentence that condemns the calling."""
    plain = _plain(text)
    for lex in lexicons:
        call, condemn = lex.context("call"), lex.context("condemn")
        if call is None or condemn is None or not call.search(plain):
            continue
        for sentence in _SENTENCE.finditer(plain):
            verb = call.search(sentence.group())
            if verb is None or not condemn.search(sentence.group()):
                continue
            start = sentence.start() + verb.end()
            rest = plain[start : sentence.end()]
            stop = _CLAUSE_END.search(rest)
            end = start + (stop.start() if stop else len(rest))
            text, plain = _blank(text, start, end), _blank(plain, start, end)
    return text


def _excepted(folded: str, span: tuple[int, int], lex: Lexicon) -> bool:
    if lex.exceptions is None:
        return False
    for m in _WORD.finditer(folded):
        if m.end() > span[0] and m.start() < span[1] and lex.exceptions.fullmatch(m.group()):
            return True
    return False


def _aimed(section: Section, targets: Targets, span: tuple[int, int]) -> str | None:
    """The category a hit counts as, or None when it is not aimed where its section needs."""
    if section.near is None:
        return section.category
    if section.near == "any":
        return section.category if targets.aimed(span, ("you", "group", "pointer")) else None
    near = section.near.split("|")
    if "you" in near and targets.aimed(span, ("you",)):
        return "insult" if section.category == "weak" else section.category
    if "group" in near and targets.aimed(span, ("group",)):
        return "group_insult" if section.category == "weak" else section.category
    return None


def _hits(folded: str, lex: Lexicon) -> list[AbuseHit]:
    found = [
        (section, m)
        for section in lex.sections
        for m in section.pattern.finditer(folded)
        if not _excepted(folded, m.span(), lex)
    ]
    targets: Targets | None = None
    if any(s.near is not None or s.category in _NEGATABLE for s, _ in found):
        targets = Targets.of(folded, lex)
        for _, m in found:
            first, last = targets.words(m.span())
            targets.soft.update(range(first, last + 1))
    hits: list[AbuseHit] = []
    for section, m in found:
        if targets is None:
            hits.append(AbuseHit(section.weight, section.category, m.group()))
            continue
        if section.category in _NEGATABLE and targets.negated(m.span()):
            continue
        category = _aimed(section, targets, m.span())
        if category is not None:
            hits.append(AbuseHit(section.weight, category, m.group()))
    return hits


def score_abuse(
    text: str,
    lang: str | None = None,
    quote_text: str | None = None,
    blocks: Sequence[str] = (),
) -> AbuseHit | None:
    """The strongest abuse the lexicons find in a comment, or None.

    Both lexicons are consulted whatever `lang` says, since each covers its own alphabet and
    comments mix them; `lang` ("en", "ru", "other" or None) only decides which is asked first
    when two hits weigh the same. `quote_text` is the text of a comment being quoted, if any;
    `blocks` are the passages the markdown source quoted with "> " (`quoted.blockquotes`).
    """
    if not isinstance(text, str):
        raise TypeError(f"score_abuse() takes a str, not {type(text).__name__}")
    if lang is not None and lang not in (*LANGUAGES, "other"):
        raise ValueError(f"lang must be 'en', 'ru', 'other' or None, not {lang!r}")
    order = sorted(LANGUAGES, key=lambda code: code != lang)
    lexicons = [load(code) for code in order]
    vocabulary = [w for lex in lexicons for w in lex.words.get("starred", ())]
    passages = quoted(text, quote_text, lexicons, blocks)
    # Quoted words are matched and then let go, rather than blanked out first, so that a
    # scare-quoted target still counts: 'The "opposition" are rats'.
    said = " | ".join(fold(unmask(p, vocabulary)) for p in passages)
    masked = unmask(mask_reported(text, lexicons), vocabulary)
    hits: list[AbuseHit] = []
    for variant in fold_variants(masked):
        for lex in lexicons:
            hits += [
                h for h in _hits(variant, lex) if not (said and _said_in(h.term, variant, said))
            ]
        if hits:
            break
    if not hits:
        return None
    best = max(hits, key=lambda h: h.score)  # first of the strongest: the asked language's
    terms = {h.term for h in hits}
    return AbuseHit(min(1.0, best.score + 0.05 * (len(terms) - 1)), best.category, best.term)
