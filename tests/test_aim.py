"""Aiming: a word that only insults when aimed counts when a person or group is its target."""

from __future__ import annotations

import pytest

from veche.moderation.aim import Targets
from veche.moderation.lexicon import load
from veche.moderation.normalize import fold


def aimed(text: str, word: str, names: tuple[str, ...] = ("you", "group", "pointer")) -> bool:
    lang = "ru" if any("а" <= ch <= "я" for ch in text.casefold()) else "en"
    folded = fold(text)
    targets = Targets.of(folded, load(lang))
    start = folded.index(word)
    return targets.aimed((start, start + len(word)), names)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Migrants from Central Asia are filthy and stupid.", "filthy"),
        ("Менты — тупые садисты.", "тупые"),
        ("Denis, you're too stupid for this.", "stupid"),
        ("Catholics are a bunch of hypocritical perverts.", "perverts"),
        ("you ugly troll", "ugly"),
        ("эти твари", "твари"),
        ("filthy migrants", "filthy"),
        ("how thick you are", "thick"),
        ("Мигранты как тараканы.", "тараканы"),
        ("Ukrainians are professional beggars.", "beggars"),
    ],
)
def test_a_judged_or_adjacent_target_aims_the_word(text: str, word: str) -> None:
    assert aimed(text, word)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Protesters were beaten by thugs in plain clothes.", "thugs"),
        ("Migrants do the dirty work nobody else wants.", "dirty"),
        ("Police arrested the thieves who robbed the bank.", "thieves"),
        ("Americans elected a clown, again.", "clown"),
        ("You are right, the numbers are stupid low.", "stupid"),
        ("Беженцы живут в грязных лагерях.", "грязных"),
        ("Протестующих избивали бандиты в штатском.", "бандиты"),
        ("These farmers raise cattle and sheep.", "cattle"),
        ("Stupid decisions by the akimat again.", "stupid"),
    ],
)
def test_a_target_merely_nearby_does_not(text: str, word: str) -> None:
    assert not aimed(text, word)


def test_an_address_must_be_judged_at_once_a_group_may_be_named_at_length() -> None:
    assert aimed("Migrants from Central Asia are filthy.", "filthy", ("group",))
    assert not aimed("you think the new rules are stupid", "stupid", ("you",))


def test_a_denial_just_before_is_seen() -> None:
    folded = fold("They are not animals.")
    targets = Targets.of(folded, load("en"))
    start = folded.index("animals")
    assert targets.negated((start, start + 7))
    folded = fold("They are animals, not people.")
    targets = Targets.of(folded, load("en"))
    start = folded.index("animals")
    assert not targets.negated((start, start + 7))
