"""Quoted passages: read from the markdown, found again in the rendered text, cut out."""
# ruff: noqa: RUF001  (Cyrillic text is meant)

from __future__ import annotations

from veche.moderation.quoted import blockquotes, spans, without_quoted
from veche.service.pipeline import render

SOURCE = "> Вы все *тупые* овцы\n> и [бараны](https://x.ru)\n\nЭто не аргумент.\n\n>> nested\nOk."


def test_blockquotes_are_the_runs_of_quote_lines_without_markup() -> None:
    assert blockquotes(SOURCE) == ["Вы все тупые овцы и бараны", "nested"]
    assert blockquotes("No quote here > not at the start") == []
    assert blockquotes(">\n>   \nplain") == []


def test_spans_find_a_passage_whatever_the_spacing_and_case() -> None:
    text = render(SOURCE).body_text
    found = spans(text, blockquotes(SOURCE))
    assert [text[a:b].split() for a, b in found] == [
        ["Вы", "все", "тупые", "овцы", "и", "бараны"],
        ["nested"],
    ]
    assert spans("abc", ["", "   "]) == []
    # A passage that is not there is not found.
    assert spans("completely different", ["vermin"]) == []


def test_without_quoted_keeps_the_authors_own_words() -> None:
    text = render(SOURCE).body_text
    own = without_quoted(text, blockquotes(SOURCE))
    assert own.split() == ["Это", "не", "аргумент.", "Ok."]
    assert without_quoted("nothing quoted", []) == "nothing quoted"
