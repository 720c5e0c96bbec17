"""Folding: what a word matcher sees after look-alikes, leetspeak, spacing and stretching."""

from __future__ import annotations

import re

import pytest

from veche.moderation.normalize import fold, fold_variants, other_script, tokens, unmask


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Ьitch", "bitch"),  # Cyrillic soft sign for b in a Latin word
        ("идиoт", "идиот"),  # Latin o in a Cyrillic word
        ("stupіd", "stupid"),  # Ukrainian і in a Latin word
        ("HAXYЙ", "нахуй"),  # all look-alikes but й: the word is Cyrillic
        ("xyй", "хуй"),
        ("nидор", "пидор"),  # n for п
        ("mоderator", "moderator"),
        ("Тhеse migrаnts", "these migrants"),
    ],
)
def test_look_alikes_fold_to_the_words_dominant_script(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("1d10t", "idiot"),
        ("$tup!d", "stupid"),
        ("@ss", "ass"),
        ("a$$hole", "asshole"),
        ("k!ll all the c0ps", "kill all the cops"),
        ("sh1t", "shit"),
        ("1mbecile", "imbecile"),
        ("3ae6aл", "заебал"),  # 3 is з and 6 is б in a Cyrillic word
        ("д0лб0ёб", "долбоеб"),
        ("бл9", "бля"),
        ("ид1от", "идиот"),
        ("h3llo", "hello"),  # 3 is e in a Latin word
    ],
)
def test_leetspeak_is_undone_inside_words(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    "kept",
    ["2020", "3", "$100", "2nd", "10km", "covid19", "mp3", "в 90-х годах 2й раз", "1 2 3 go"],
)
def test_numbers_are_not_leetspeak(kept: str) -> None:
    assert fold(kept) == kept


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("f u c k you", "fuck you"),
        ("i.d.i.o.t", "idiot"),
        ("с у к а", "сука"),
        ("п-и-д-о-р", "пидор"),
        ("ид-и-от", "идиот"),  # two-letter pieces joined by hyphens
        ("I f.u.c.k you", "i fuck you"),  # the spacer changes after "I": it stays a word
        ("a s s", "ass"),
    ],
)
def test_spelled_out_letters_are_joined(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    "kept",
    ["I am a man", "в доме и в саду", "он и я", "т.е. из-за кто-то", "a b", "Plan B"],
)
def test_short_words_are_not_glued_to_their_neighbours(kept: str) -> None:
    assert fold(kept) == kept.casefold()


def test_stretched_letters_are_squeezed_and_the_doubled_reading_is_offered() -> None:
    assert fold("stuuuupid") == "stupid"
    assert fold("idiooooot") == "idiot"
    assert fold("good ass") == "good ass"  # doubles are not stretching
    assert fold_variants("asssss killlll") == ("as kil", "ass kill")
    assert fold_variants("plain text") == ("plain text",)


def test_a_one_letter_word_before_spelled_letters_is_read_both_ways() -> None:
    assert fold_variants("what a d u m b a s s") == ("what adumbass", "what a dumbass")
    assert fold_variants("с у к а") == ("сука", "с ука")


def test_invisible_characters_and_compatibility_forms_go() -> None:
    assert fold("zer\u200bo-wi\u200dd\u202eth\ufeff") == "zero-width"
    assert fold("𝐟𝐮𝐜𝐤 ｆｕｃｋ") == "fuck fuck"
    assert fold("f̶u̶c̶k̶") == "fuck"  # combining strike-through
    assert fold("Ёбаный ЁЖ") == "ебаный еж"


def test_word_boundaries_survive_so_a_matcher_can_require_them() -> None:
    folded = fold("Class, assassin, you are an 1d10t!!!")
    assert folded == "class, assassin, you are an idiot!!!"
    assert re.search(r"(?<![^\W_])ass(?![^\W_])", folded) is None
    assert re.search(r"(?<![^\W_])idiot(?![^\W_])", folded)
    assert fold("  many\n\n spaces\there ") == "many spaces here"


def test_links_and_addresses_are_only_casefolded() -> None:
    assert fold("Mail Bob@Example.com or see https://t.co/a.b.c/1d10t") == (
        "mail bob@example.com or see https://t.co/a.b.c/1d10t"
    )
    assert fold("İstanbul") == "istanbul"  # no combining dot left behind by casefolding


def test_a_word_can_be_spelled_wholly_in_the_other_alphabet() -> None:
    assert other_script("сука") == "cyka"
    assert other_script("coca") == "соса"
    assert other_script("хуй") is None  # й has no Latin look-alike
    assert other_script("idiot") is None  # nor has d a Cyrillic one
    assert other_script("2020") is None


def test_tokens_are_the_folded_words() -> None:
    assert tokens("You are an 1d10t, с у к а!") == ["you", "are", "an", "idiot", "сука"]
    assert tokens("") == []
    assert tokens("?!...") == []


def test_starred_letters_are_filled_from_a_vocabulary() -> None:
    vocabulary = ["fuck", "motherfucker", "сука", "пиздобол", "asshole"]
    assert unmask("Go f*ck yourself", vocabulary) == "Go fuck yourself"
    assert unmask("m0th3rf*ck3r", vocabulary) == "motherfucker"
    assert unmask("с*ка тупая", vocabulary) == "сука тупая"
    assert unmask("п*зд*бол ты", vocabulary) == "пиздобол ты"
    assert unmask("what an a**hole", vocabulary) == "what an asshole"
    # Markdown emphasis, arithmetic and words outside the vocabulary stay as written.
    assert unmask("*emphasis* here, 2*3=6, l*ve", vocabulary) == "*emphasis* here, 2*3=6, l*ve"


def test_bad_input_is_refused() -> None:
    with pytest.raises(TypeError, match="text must be str"):
        fold(b"bytes")  # type: ignore[arg-type]
