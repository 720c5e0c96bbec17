"""Fold comment text into what a word matcher should see.

People dodge word lists by swapping letters for look-alikes from the other alphabet ("идиoт" with a
Latin o), by leetspeak ("1d10t"), by spacing letters out ("f u c k") and by stretching them
("stuuupid"). `fold` undoes all of that while keeping word boundaries, so a matcher can still demand
whole words ("ass" must not match "class").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Invisible characters that split a word for a matcher but not for a reader: zero-width spaces and
# joiners, bidi embeddings, overrides and isolates, word joiners, the BOM, soft hyphen, CGJ.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)

# Look-alikes, case by case, because "H" passes for "Н" but "h" is not "н" to the eye; the table
# also takes the phonetic stand-ins people use for the same trick ("n" for "п" in "nидор").
# Used only inside a word whose dominant script is the other one.
_CYR_TO_LAT = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "и": "u", "к": "k", "м": "m", "н": "h", "о": "o",
    "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ъ": "b", "г": "r",
    "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y",
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ь": "b", "І": "I", "Ј": "J", "Ѕ": "S", "Ү": "Y",
}  # fmt: skip
_LAT_TO_CYR = {
    "a": "а", "b": "ь", "c": "с", "e": "е", "h": "н", "i": "и", "k": "к", "m": "м", "n": "п",
    "o": "о", "p": "р", "r": "г", "t": "т", "u": "и", "x": "х", "y": "у", "z": "з",
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "И", "K": "К", "M": "М", "N": "П",
    "O": "О", "P": "Р", "T": "Т", "X": "Х", "Y": "У",
}  # fmt: skip
# Greek letters that pass for Latin ones (NFKC has already taken care of fullwidth and math forms).
_GREEK_TO_LAT = {
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Χ": "X", "Υ": "Y", "Ζ": "Z",
}  # fmt: skip

# Digits and symbols read as letters, by the script of the word around them.
_LEET_LAT = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "l", "€": "e",
}  # fmt: skip
_LEET_CYR = {
    "1": "и", "0": "о", "3": "з", "4": "ч", "6": "б", "7": "т", "8": "в", "9": "я", "@": "а", "$": "с", "€": "е",
}  # fmt: skip

# Stand-ins only Russian leetspeak uses ("6" for "б"): a hint that the word is Cyrillic.
_CYR_HINTS = frozenset("6")

_LATIN, _CYRILLIC = "latin", "cyrillic"

# A word: letters and digits, with leet symbols inside it; "@" and "$" may also open or close it.
_WORD = re.compile(r"(?:[^\W_]|[@$])+(?:[!|€]+(?:[^\W_]|[@$])+)*")
_LETTER = re.compile(r"[^\W\d_]")
# "2nd", "4x", "10km", "covid19", "mp3": a number with a unit or ending, or a name with a number;
# not leet ("1mbecile" is).
_NUMBERISH = re.compile(r"\d+[^\W\d_]{1,3}|[^\W\d_]+\d+")
# "2й", "10-го", "90-х": Russian numerals with an ending; "бл9" and "4мо" are leet.
_NUMBERISH_CYR = re.compile(r"\d+-?(?:[йяеюхм]|го|ому|ми|ой|ая|ое|ые|ых|ым|ый|ий|ти|ть)")
# What may separate the letters of a spelled-out word: "f u c k", "i.d.i.o.t", "п-и-д-о-р".
_SPACER = re.compile(r"[ \t.\-_*·•,:/+~]{1,3}")
_SPACES = re.compile(r"\s+")
# Links and e-mail addresses: their words are names, not leetspeak ("bob@example.com").
_LINK = re.compile(r"(?:https?://|www\.)\S+|[^\s@]+@[^\s@]+\.[^\W\d_]{2,}")
# One-letter words that may stand in front of a spelled-out word without belonging to it.
_SHORT_WORDS = frozenset("aiouвиксуояж")


@dataclass(frozen=True)
class _Piece:
    gap: str  # what stood before the word, as written
    word: str
    raw: bool = False  # part of a link or address: only casefolded


def _script(ch: str) -> str | None:
    if "a" <= ch <= "z" or "A" <= ch <= "Z":
        return _LATIN
    if "\u0400" <= ch <= "\u052f":
        return _CYRILLIC
    if ch.isalpha():
        try:
            name = unicodedata.name(ch)
        except ValueError:
            return None
        if name.startswith("LATIN"):
            return _LATIN
        if name.startswith("CYRILLIC"):
            return _CYRILLIC
    return None


@functools.lru_cache(maxsize=16384)
def _weights(word: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """How Latin and how Cyrillic a word is: (letters with no look-alike, letters with one).

    A letter without a look-alike in the other alphabet gives the script away ("й" in "xyй"), so
    it outranks any number of letters that could belong to either ("HAXYЙ").
    """
    lat = [0, 0]
    cyr = [0, 0]
    for ch in word:
        script = _script(ch)
        if script == _LATIN:
            lat[ch in _LAT_TO_CYR] += 1
        elif script == _CYRILLIC or ch in _CYR_HINTS:
            cyr[ch in _CYR_TO_LAT or ch in _CYR_HINTS] += 1
    return (lat[0], lat[1]), (cyr[0], cyr[1])


def _dominant(word: str, default: str | None) -> str | None:
    lat, cyr = _weights(word)
    if lat > cyr:
        return _LATIN
    if cyr > lat:
        return _CYRILLIC
    return default if any(lat) else None


@functools.lru_cache(maxsize=16384)
def _fold_word(word: str, default: str | None, keep: int) -> str:
    script = _dominant(word, default)
    if script == _LATIN:
        word = "".join(_CYR_TO_LAT.get(ch, _GREEK_TO_LAT.get(ch, ch)) for ch in word)
    elif script == _CYRILLIC:
        word = "".join(_LAT_TO_CYR.get(ch, ch) for ch in word)
    # Casefolding "İ" brings back a combining dot above, which only hides the letter.
    word = word.casefold().replace("ё", "е").replace("\u0307", "")
    letters = len(_LETTER.findall(word))
    numberish = _NUMBERISH_CYR if script == _CYRILLIC else _NUMBERISH
    if letters >= 2 and len(word) > letters and not numberish.fullmatch(word):
        leet = _LEET_CYR if script == _CYRILLIC else _LEET_LAT
        word = "".join(leet.get(ch, ch) for ch in word)
    return _squeeze(word, keep)


def _squeeze(word: str, keep: int) -> str:
    """Cut runs of three or more of one letter down to `keep` ("stuuuupid")."""
    return re.sub(r"([^\W\d_])\1{2,}", lambda m: m.group(1) * keep, word)


def _pieces(text: str, split_lead: bool) -> list[_Piece]:
    links = [m.span() for m in _LINK.finditer(text)]
    pieces: list[_Piece] = []
    pos = 0
    for m in _WORD.finditer(text):
        raw = any(start <= m.start() < end for start, end in links)
        pieces.append(_Piece(text[pos : m.start()], m.group(), raw))
        pos = m.end()
    pieces.append(_Piece(text[pos:], ""))
    return _join_spelled(pieces, split_lead)


def _spellable(piece: _Piece, spacer: str) -> bool:
    """Can `word` be one piece of a spelled-out word? A single character anywhere; with a
    spacer other than blanks ("ид-и-от"), pieces of two letters too."""
    word = piece.word
    if piece.raw:
        return False
    if len(word) == 1:
        return word.isalpha() or word in _LEET_LAT or word in _LEET_CYR
    return len(word) == 2 and word.isalpha() and not spacer.isspace()


def _join_spelled(pieces: list[_Piece], split_lead: bool) -> list[_Piece]:
    """Glue letters spelled out one by one ("с у к а", "i.d.i.o.t", "ид-и-от").

    Lone short words ("a", "I", "в", "и") stay apart from their neighbours: a run needs three
    pieces, every one separated by the same spacer, mostly letters, and blank-separated pieces
    must be single characters ("в доме и в саду" stays as it is). Whether a one-letter word
    in front belongs to the run ("what a d u m b" against "с у к а") cannot be told, so with
    `split_lead` it is kept apart and the caller tries both readings.
    """
    out: list[_Piece] = []
    i = 0
    while i < len(pieces):
        j = i + 1
        spacer = pieces[i + 1].gap if i + 1 < len(pieces) else ""
        if _SPACER.fullmatch(spacer) and _spellable(pieces[i], spacer):
            while j < len(pieces) and pieces[j].gap == spacer and _spellable(pieces[j], spacer):
                j += 1
        run = pieces[i:j]
        letters = sum(len(p.word) for p in run if p.word.isalpha())
        chars = sum(len(p.word) for p in run)
        if len(run) >= 3 and letters * 3 >= chars * 2:
            if split_lead and len(run) >= 4 and run[0].word.casefold() in _SHORT_WORDS:
                out.append(run[0])
                run = run[1:]
            out.append(_Piece(run[0].gap, "".join(p.word for p in run)))
            i = j
        else:
            out.append(pieces[i])
            i += 1
    return out


def _prepare(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    # Marks left over after NFKC composed what it could (zalgo, strike-through) only hide letters.
    if any(unicodedata.category(ch) == "Mn" for ch in text):
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
        text = unicodedata.normalize("NFC", text)
    return text


def _text_script(pieces: list[_Piece]) -> str | None:
    lat = cyr = 0
    for p in pieces:
        a, b = _weights(p.word)
        lat, cyr = lat + a[0] + a[1], cyr + b[0] + b[1]
    if lat == cyr:
        return None
    return _LATIN if lat > cyr else _CYRILLIC


def _fold(text: str, keep: int = 1, split_lead: bool = False) -> tuple[str, list[str]]:
    pieces = _pieces(_prepare(text), split_lead)
    default = _text_script(pieces)
    words = [p.word.casefold() if p.raw else _fold_word(p.word, default, keep) for p in pieces]
    out = "".join(_SPACES.sub(" ", p.gap) + w for p, w in zip(pieces, words, strict=True))
    return out.strip(), [w for w in words if w]


def _ambiguous(text: str) -> tuple[bool, bool]:
    """Whether `text` has stretched letters, and a one-letter word before spaced-out letters:
    the two guesses `fold` makes that another reading might get right."""
    stretched = re.search(r"([^\W\d_])\1{2,}", text) is not None
    lead = re.search(
        r"(?<![^\W_])[^\W\d_][ .\-_*]+[^\W\d_][ .\-_*]+[^\W\d_][ .\-_*]+[^\W\d_]", text
    )
    return stretched, lead is not None


def other_script(word: str) -> str | None:
    """A folded word spelled wholly in the other alphabet's look-alikes ("сука" → "cyka"), or
    None when some letter has none. A word written entirely in look-alikes has no letter of its
    own script left to give it away, so a matcher has to know this spelling too."""
    script = _dominant(word, None)
    table = _CYR_TO_LAT if script == _CYRILLIC else _LAT_TO_CYR if script == _LATIN else None
    if table is None or not word.isalpha():
        return None
    spelled = "".join(table.get(ch, "") for ch in word)
    return spelled.casefold() if len(spelled) == len(word) else None


def fold(text: str) -> str:
    """The text a matcher should see: look-alikes, leetspeak, spacing and stretching undone,
    casefolded, with everything between words kept (whitespace collapsed to one space)."""
    return _fold(text, 1)[0]


def fold_variants(text: str) -> tuple[str, ...]:
    """`fold` first, then the other readings of what it had to guess, when they differ.

    Squeezing "stuuupid" to one letter is right, but "asssss" and "killlll" need two; and in
    "what a d u m b a s s" the "a" is a word of its own, in "с у к а" the "с" is not. A matcher
    that tries every reading catches each without loosening its words.
    """
    stretched, lead = _ambiguous(text)
    out: list[str] = []
    for keep, split_lead in ((1, False), (2, False), (1, True), (2, True)):
        if (keep == 2 and not stretched) or (split_lead and not lead):
            continue
        folded = _fold(text, keep, split_lead)[0]
        if folded not in out:
            out.append(folded)
    return tuple(out)


def tokens(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return _fold(text, 1)[1]


# A word with letters starred out ("f*ck", "п*зд*ц", "a**hole"); stars only at its ends are
# markdown emphasis, not masking.
_STARRED = re.compile(r"[^\s\"'«»“”„,.;:!?()\[\]]*\*[^\s\"'«»“”„,.;:!?()\[\]]*")
_INNER_STAR = re.compile(r"[^*]\*+[^*]")


def unmask(text: str, vocabulary: Iterable[str]) -> str:
    """Fill starred-out letters from the words a matcher is looking for.

    "f*ck" can only be read against a list of candidates: each starred word is replaced by the
    first (folded) vocabulary word it fits, a star standing for exactly one letter. Text without
    stars comes back unchanged, so this costs nothing for ordinary comments.
    """
    if "*" not in text:
        return text
    words = [w for w in vocabulary if w]

    def fill(m: re.Match[str]) -> str:
        run = m.group()
        if not _INNER_STAR.search(run):
            return run
        parts = re.split(r"(\*+)", run)
        pattern = "".join(
            f"[^\\W_]{{{len(p)}}}" if p.startswith("*") else re.escape(fold(p)) for p in parts
        )
        shape = re.compile(pattern)
        return next((w for w in words if shape.fullmatch(w)), run)

    return _STARRED.sub(fill, text)
