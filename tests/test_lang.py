"""Language routing: "en", "ru" or "other", by lingua or, for short text, by alphabet."""

from __future__ import annotations

import threading

import pytest

from veche.moderation import lang
from veche.moderation.lang import detect, warm


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("This government is a disaster and the minister is lying.", "en"),
        ("Народ, это просто позор для страны, когда отключают интернет.", "ru"),
        ("Guten Tag, wie geht es dir heute? Das Wetter ist schön.", "other"),
        ("Je ne sais pas ce que tu veux dire par là, mon ami.", "other"),
        ("¿Qué pasa aquí, amigos? No entiendo nada de esto.", "other"),
        ("Сәлеметсіз бе, қалайсыз? Бүгін ауа райы жақсы.", "other"),  # Kazakh
        ("Дякую, друже, що ти мені допоміг з цією справою.", "other"),  # Ukrainian
    ],
)
def test_full_sentences_go_by_lingua(text: str, code: str) -> None:
    assert detect(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("hello", "en"),  # lingua alone calls this Spanish
        ("ok", "en"),
        ("ты дебил", "ru"),
        ("Что?", "ru"),
        ("идиoт", "ru"),  # one Latin letter in a Russian word
        ("1d10t", "en"),
        ("Астана", "ru"),
        ("😀😀", "other"),
        ("123", "other"),
        ("", "other"),
        ("Сәлем", "other"),  # Kazakh letters even in a short word
    ],
)
def test_short_text_falls_back_on_its_alphabet(text: str, code: str) -> None:
    assert detect(text) == code


def test_mixed_text_goes_by_its_majority_alphabet() -> None:
    assert detect("Путин сказал, that the war is over and everyone should go home now") == "en"
    assert detect("Ну и что ты хочешь этим сказать, my friend? Объясни нормально.") == "ru"


def test_the_detector_is_built_once_and_shared_across_threads() -> None:
    warm()
    first = lang._get()
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(lang._get())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(d is first for d in seen)


def test_bad_input_is_refused() -> None:
    with pytest.raises(TypeError, match="takes a str"):
        detect(42)  # type: ignore[arg-type]
