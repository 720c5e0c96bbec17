"""How the quote checker reads text: folded, then cut into words and punctuation."""

from __future__ import annotations

from veche.domain.quotes import quote_tokens
from veche.domain.tokens import fold, is_word, tokenise


def test_tokens() -> None:
    assert tokenise("Don\u2019t stop \u2014 «Ёлка», now…") == [
        "don't", "stop", "-", '"', "елка", '"', ",", "now", ".", ".", ".",
    ]  # fmt: skip
    assert tokenise("one\ntwo") == ["one", "\n", "two"]
    assert tokenise("選挙だ, ok") == ["選", "挙", "だ", ",", "ok"]
    assert quote_tokens(" — “Well, then!” \n") == ["well", ",", "then"]


def test_fold() -> None:
    assert fold("ÉCOLE Ёж «x» — ﬁne…") == 'ecole еж "x" - fine...'
    assert fold("Straße") == "strasse"


def test_is_word() -> None:
    assert [is_word(t) for t in ("word", "2022", "選", "don't", ",", '"', "\n")] == [
        True, True, True, True, False, False, False,
    ]  # fmt: skip
