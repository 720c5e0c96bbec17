"""Links in markdown: counted once each, including bare domains, never ordinary dotted words."""

from __future__ import annotations

import pytest

from veche.moderation.links import count_links, destinations, reduce_urls, strip_links


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no links here, just words.", 0),
        ("see https://example.com/a?b=1 for more", 1),
        ("www.tengrinews.kz says so", 1),
        ("write to t.me/bonus_kz now", 1),
        ("bare casino777.com and sub.domain.xyz/path", 2),
        ("[click here](https://evil.example.com/x)", 1),
        ("[casino.com](https://casino.com)", 1),
        ('[t](http://a.io "title") and <https://auto.link>', 2),
        ("сайт.рф тоже ссылка", 1),
        ("HTTPS://SHOUT.COM and https://a.com https://a.com", 3),
        ("e.g. 3.5 percent, i.e. Mr.Smith; end.Start; v1.2.3", 0),
        ("mail me at someone@example.com", 0),
        ("join t . me/kripto_signals now", 1),
        ("casino[.]com or site(dot)ru/x", 2),
        ("I was at home. me and my wife; end . Me", 0),
    ],
)
def test_count_links(text: str, expected: int) -> None:
    assert count_links(text) == expected


def test_reduce_urls_keeps_the_host_and_the_link_text() -> None:
    text = "go [here](https://www.Casino.com/ref?id=1) or https://t.me/joinchat/abc or x.ru/y"
    assert reduce_urls(text) == "go  here casino.com  or t.me or x.ru"


def test_reduce_urls_undoes_spaced_and_bracketed_dots() -> None:
    assert reduce_urls("join t . me/kripto or casino[.]com") == "join t.me or casino.com"


def test_strip_links_leaves_what_the_comment_says() -> None:
    text = "Source: [the report](https://a.kz/x), also b.ru/y and t . me/z."
    assert strip_links(text).split() == ["Source:", "the", "report", ",", "also", "and"]


def test_destinations_are_hosts_channels_handles_phones_and_mails() -> None:
    text = (
        "Join t.me/AlphaSignals, see https://www.fastline-vpn.net/kz?ref=1, "
        "[here](https://youtu.be/abc) or bonus-site[.]com; "
        "write @rabota_mamam, call +7 (701) 555-12-34, mail deals@promo.kz"
    )
    assert destinations(text) == {
        "t.me/alphasignals",
        "fastline-vpn.net",
        "youtu.be/abc",
        "bonus-site.com",
        "@rabota_mamam",
        "77015551234",
        "deals@promo.kz",
    }


def test_ordinary_numbers_and_words_lead_nowhere() -> None:
    assert destinations("In 2019-2020 prices rose 100 500 times, e.g. bread.") == set()
    assert destinations("Email me@ here, or @ab") == set()
