"""A site's own settings, declared: parsed before anything is written, and only what was
named is written (an edit window kept in seconds is not rounded unasked)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from veche.domain.errors import InvalidInput
from veche.domain.site_basics import SiteBasics, apply


@dataclass
class Columns:
    """The columns alone, as store.models.Site has them."""

    allowed_origins: list[str] = field(default_factory=list)
    title_suffix: str | None = None
    require_sign_in: bool = True
    allow_guests: bool = False
    edit_window_seconds: int = 90
    max_comment_length: int = 5000


def test_only_the_named_settings_are_written() -> None:
    site = Columns()
    apply(site, {"origins": "https://b.example, https://A.example/\nhttps://b.example",
                 "allow_guests": "yes", "title_suffix": "  The Coast  Gazette "})  # fmt: skip
    assert site.allowed_origins == ["https://a.example", "https://b.example"]
    assert (site.allow_guests, site.title_suffix) == (True, "The Coast Gazette")
    assert site.edit_window_seconds == 90  # not rounded to a whole minute
    apply(site, {"edit_window": "2", "max_length": 300, "title_suffix": ""})
    assert (site.edit_window_seconds, site.max_comment_length, site.title_suffix) == (
        120,
        300,
        None,
    )
    assert SiteBasics.of(site).edit_window == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"edit_window": "-1"}, "The edit window is 0 to 10080 minutes (7 days)."),
        ({"max_length": "lots"}, "The maximum comment length is 1 to 100000."),
        ({"max_length": True}, "The maximum comment length is 1 to 100000."),
        ({"allow_guests": "maybe"}, "allow_guests is yes or no."),
        ({"origins": "https://a.example/path"}, "An origin has no path"),
        ({"title_suffix": "x" * 121}, "A title suffix is at most 120 characters."),
        ({"colour": "red"}, "There is no site setting “colour”."),
    ],
)
def test_a_refusal_writes_nothing(changes: dict[str, object], message: str) -> None:
    site = Columns()
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply(site, {"allow_guests": "yes", **changes})
    assert site == Columns()
