"""TR39 skeletons: names that pass for each other have equal skeletons."""

from __future__ import annotations

import pytest

from veche.moderation.confusables import confusable, prototypes, skeleton


@pytest.mark.parametrize(
    ("fake", "real"),
    [
        ("mоderator", "moderator"),  # Cyrillic о
        ("bоb", "bob"),
        ("аdmin", "admin"),  # Cyrillic а
        ("rn", "m"),  # TR39 maps m to rn
        ("adrnin", "admin"),
        ("paypaI", "paypal"),  # capital I passes for l
        ("MODERATOR", "moderator"),
        ("ｍｏｄｅｒａｔｏｒ", "moderator"),  # fullwidth
        ("𝐦𝐨𝐝", "mod"),  # mathematical bold
        ("Bob", "bob"),
    ],
)
def test_confusable_names_share_a_skeleton(fake: str, real: str) -> None:
    assert skeleton(fake) == skeleton(real)
    assert confusable(fake, real)


@pytest.mark.parametrize(
    ("a", "b"),
    [("alice", "bob"), ("moderator", "moderators"), ("bob", "rob"), ("café", "cafe")],
)
def test_different_names_keep_different_skeletons(a: str, b: str) -> None:
    assert skeleton(a) != skeleton(b)
    assert not confusable(a, b)


def test_the_mapping_is_unicodes_own_data() -> None:
    table = prototypes()
    assert len(table) > 6000
    assert table["о"] == "o"  # CYRILLIC SMALL LETTER O
    assert table["m"] == "rn"
    assert table["0"] == "O"


def test_a_skeleton_is_its_own_skeleton() -> None:
    for name in ["mоderator", "PаypaI", "Иван", "ｍｏｄ"]:
        assert skeleton(skeleton(name)) == skeleton(name)


def test_bad_input_is_refused() -> None:
    with pytest.raises(TypeError, match="takes a str"):
        skeleton(None)  # type: ignore[arg-type]
