"""Site word lists: whole words of folded text, through look-alikes, leetspeak and spacing."""

from __future__ import annotations

import pytest

from veche.moderation.words import WordList

BANNED = WordList(["ass", "idiot*", "you moron", "Сука", "пидор*", "kill", "fuck"])


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("you @ss", "ass"),
        ("a s s", "ass"),
        ("what an ASS", "ass"),
        ("asssss", "ass"),  # stretched past its double
        ("what an 1d10t", "idiot*"),
        ("idiots, all of them", "idiot*"),
        ("IDIOTIC", "idiot*"),
        ("you, MORON!", "you moron"),
        ("you  moron", "you moron"),
        ("с у к а", "Сука"),
        ("сукa", "Сука"),  # Latin a
        ("п-и-д-о-р-ы", "пидор*"),
        ("killlll him", "kill"),
        ("go f*ck yourself", "fuck"),  # starred letters read against the list's own words
        ("f u c k", "fuck"),
        ("CYKA", "Сука"),  # wholly in Latin look-alikes: nothing for fold to undo
    ],
)
def test_entries_are_found_through_disguises(text: str, entry: str) -> None:
    assert BANNED.find(text) == entry


@pytest.mark.parametrize(
    "text",
    [
        "class assassin",
        "Massachusetts bass",
        "he is a moron",  # the phrase needs "you"
        "skill and killer apps",
        "сукин сын",  # not in the list: exact entries do not stretch
        "сукно",
        "the idiom",
        "",
    ],
)
def test_words_inside_other_words_do_not_match(text: str) -> None:
    assert BANNED.find(text) is None


def test_a_list_is_parsed_from_what_an_admin_types() -> None:
    words = WordList.parse("foo, bar\n\n  baz*  \n")
    assert words.entries == ["foo", "bar", "baz*"]
    assert len(words) == 3
    assert words.find("some bazaar") == "baz*"
    assert WordList([]).find("anything") is None
    assert len(WordList(["idiot", "IDIOT", "іdiot"])) == 1  # one word after folding, kept once


def test_a_long_list_compiles_to_one_matcher() -> None:
    words = WordList([f"word{n}x" for n in range(500)] + ["needle"])
    assert words.find("a haystack with a needle in it") == "needle"
    assert words.find("word499x") == "word499x"
    assert words.find("word500x") is None


def test_bad_entries_are_refused() -> None:
    with pytest.raises(ValueError, match="has no letters"):
        WordList(["!!!"])
    with pytest.raises(TypeError, match="iterable of entries"):
        WordList("idiot")
    with pytest.raises(TypeError, match="must be str"):
        WordList([1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="takes a str"):
        BANNED.find(None)  # type: ignore[arg-type]
