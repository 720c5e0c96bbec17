"""Text as the quote checker reads it: folded, then cut into words and punctuation marks."""

from __future__ import annotations

import re
import unicodedata

BREAK = "\n"  # a line or paragraph break: whitespace to a reader, a clause end to the rules

# The combining diacritics of Latin, Greek and Cyrillic letters (é, ё, й, stress marks);
# other scripts' marks (kana voicing, vowel points) tell words apart and stay.
_ACCENTS = re.compile("[\u0300-\u036f]")
# Scripts written without spaces between words (Thai, kana, Han): each character is a word.
_UNSPACED = "\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = rf"[^\W{_UNSPACED}]+"
_TOKEN = re.compile(rf"\n|[{_UNSPACED}]|{_WORD}(?:'{_WORD})*|[^\w\s]")
_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'",
        "\u2032": "'", "`": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"',
        "\u00bb": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip


def fold(text: str) -> str:
    """Case, compatibility forms (… → ...), diacritics (café → cafe) and typography, folded away."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    bare = _ACCENTS.sub("", decomposed)
    return unicodedata.normalize("NFC", bare).casefold().translate(_FOLD)


def tokenise(text: str) -> list[str]:
    """Words (with inner apostrophes: "don't"), single punctuation marks, and line breaks;
    in scripts without spaces, single characters."""
    return _TOKEN.findall(fold(text))


def is_word(token: str) -> bool:
    return token[:1].isalnum() or token[:1] == "_"
