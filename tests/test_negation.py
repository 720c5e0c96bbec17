"""The out-of-context rules, both ways, in English and Russian."""

from __future__ import annotations

import pytest

from veche.domain.enums import QuoteState
from veche.domain.negation import LOOKBACK, clause_before, is_negator, reverses
from veche.domain.quotes import judge, quote_tokens
from veche.domain.tokens import tokenise

CLAIM = "the election was rigged"
RU_CLAIM = "выборы были сфальсифицированы"


def state(quote: str, source: str) -> QuoteState:
    return judge(quote, source).state


@pytest.mark.parametrize(
    "source",
    [
        "I would never say the election was rigged.",
        "It is not true that the election was rigged.",
        "It's not true that the election was rigged.",
        "It's a lie that the election was rigged.",
        "I doubt that the election was rigged.",
        "Nobody believes the election was rigged.",
        "No one can show the election was rigged.",
        "I don't think the election was rigged.",
        "I dont think the election was rigged.",
        "Neither Ann nor Bob said the election was rigged.",
        "There is no evidence that the election was rigged.",
        "He hardly claims the election was rigged.",
        "I never said: the election was rigged.",
        "We cannot say the election was rigged.",
        "That the election was rigged is a lie.",
        "The election was rigged \u2014 that is not true.",
        "Honestly, nobody ever proved that the election was rigged.",
    ],
)
def test_english_cuts_that_reverse(source: str) -> None:
    assert state(CLAIM, source) is QuoteState.out_of_context, source


@pytest.mark.parametrize(
    "source",
    [
        "Я никогда не говорил, что выборы были сфальсифицированы.",
        "Неправда, что выборы были сфальсифицированы.",
        "Ложь, что выборы были сфальсифицированы.",
        "Я не говорил, что выборы были сфальсифицированы.",
        "Вовсе не выборы были сфальсифицированы.",
        "Никто не докажет, что выборы были сфальсифицированы.",
        "Нет доказательств, что выборы были сфальсифицированы.",
        "Ни один наблюдатель не считает, что выборы были сфальсифицированы.",
        "Сомневаюсь, что выборы были сфальсифицированы.",
        "Вряд ли выборы были сфальсифицированы.",
        "Что выборы были сфальсифицированы \u2014 это ложь.",
        "Говорят, выборы были сфальсифицированы \u2014 неправда.",
    ],
)
def test_russian_cuts_that_reverse(source: str) -> None:
    assert state(RU_CLAIM, source) is QuoteState.out_of_context, source


@pytest.mark.parametrize(
    "source",
    [
        "The election was rigged.",
        "I said it before. The election was rigged.",
        "I never liked him. The election was rigged.",
        "I was not there; the election was rigged.",
        "Nobody expected it, but the election was rigged.",
        "No, the election was rigged.",
        "No - the election was rigged.",
        "I have no doubt the election was rigged.",
        "No doubt the election was rigged.",
        "Without a doubt the election was rigged.",
        "I don't doubt that the election was rigged.",
        "Nobody doubts that the election was rigged.",
        "No wonder the election was rigged.",
        "Not only the election was rigged, the count was too.",
        "Whatever they claim, the election was rigged.",
        "Nothing else matters to me now, the election was rigged and it is a fact.",
        "It is true that the election was rigged.",
        "Not now, not ever, not here, not there, in all honesty I think the election was rigged.",
    ],
)
def test_english_cuts_that_keep_the_sense(source: str) -> None:
    assert state(CLAIM, source) is QuoteState.verified, source


@pytest.mark.parametrize(
    "source",
    [
        "Выборы были сфальсифицированы.",
        "Я не спорю. Выборы были сфальсифицированы.",
        "Нет, выборы были сфальсифицированы.",
        "Не сомневаюсь, что выборы были сфальсифицированы.",  # noqa: RUF001
        "Никто не сомневается, что выборы были сфальсифицированы.",
        "Без сомнения, выборы были сфальсифицированы.",
        "Нет сомнений, что выборы были сфальсифицированы.",
        "Не зря говорят, что выборы были сфальсифицированы.",  # noqa: RUF001
        "Не только выборы были сфальсифицированы.",  # noqa: RUF001
        "Он не пришёл, но выборы были сфальсифицированы.",
        "Я не знаю, выборы были сфальсифицированы.",
        "Правда в том, что выборы были сфальсифицированы.",
    ],
)
def test_russian_cuts_that_keep_the_sense(source: str) -> None:
    assert state(RU_CLAIM, source) is QuoteState.verified, source


@pytest.mark.parametrize(
    ("quote", "source"),
    [
        ("never say the election was rigged", "I would never say the election was rigged."),
        ("not true that the election was rigged", "It is not true that the election was rigged."),
        ("не говорил, что выборы были сфальсифицированы", "Я никогда не говорил, что выборы были сфальсифицированы."),
        ("the election was not rigged", "They showed that the election was not rigged."),
        ("выборы не были сфальсифицированы", "Комиссия решила: выборы не были сфальсифицированы."),
    ],
)  # fmt: skip
def test_quotes_that_keep_their_negation_are_verified(quote: str, source: str) -> None:
    assert state(quote, source) is QuoteState.verified


def test_a_double_negative_cut_to_one_is_out_of_context() -> None:
    source = "Nobody can say the election was not rigged."
    assert state("the election was not rigged", source) is QuoteState.out_of_context
    ru = "Никто не скажет, что выборы не были честными."
    assert state("выборы не были честными", ru) is QuoteState.out_of_context


def test_the_look_back_is_one_clause_of_a_few_words() -> None:
    tokens = tokenise(
        "Not a single one of these many people here today said the election was rigged"
    )
    start = len(tokens) - len(quote_tokens(CLAIM))
    assert len([t for t in clause_before(tokens, start) if t.isalpha()]) == LOOKBACK
    assert not reverses(tokens, start, len(tokens))  # "not" is beyond the look-back
    near = tokenise("Not one of them said the election was rigged")
    assert reverses(near, len(near) - 4, len(near))
    assert clause_before(tokenise("Fine; but yes, so the vote"), 7) == ["so", "the"]
    assert clause_before(tokenise("Неправда, что выборы"), 3) == ["неправда", ",", "что"]


def test_negators() -> None:
    for word in ("not", "never", "don't", "isn't", "wouldn't", "nobody", "nor", "не", "ни", "нет"):
        assert is_negator(word), word
    for word in ("note", "know", "nothingness", "нетто", "нить", "once"):
        assert not is_negator(word), word
