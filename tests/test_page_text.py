"""Tests for the plain-text news page parser, against the real seed page and small inputs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from veche.importers.page_text import (
    PageTextError,
    ParsedComment,
    ParsedPage,
    ParsedQuote,
    find_article_quote,
    iter_comments,
    parse_page_text,
)

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "astana-protests-page.txt"
TITLE = (
    "After the announcement of the results of the elections in Kazakhstan,"
    " protests and clashes with the police began"
)


@pytest.fixture(scope="module")
def page() -> ParsedPage:
    return parse_page_text(SEED.read_text(encoding="utf-8"))


def _page(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _by_number(page: ParsedPage) -> dict[tuple[int, ...], ParsedComment]:
    return {c.number: c for c in iter_comments(page.comments)}


# --- the seed page ---------------------------------------------------------


def test_seed_article_parts(page: ParsedPage) -> None:
    assert page.title == TITLE
    assert page.image_caption == TITLE
    assert TITLE not in page.body
    assert page.photo_credit == "Ninaras/"
    assert "Photos used" not in page.body
    assert page.sign_in_required is True
    assert "must sign in" not in page.body
    assert page.body.startswith("Kazakhstan is restless again.")
    assert page.body.endswith("which will repeat this as many times as necessary.")
    assert "\n\n\n" not in page.body


def test_seed_attribution_makes_blockquote(page: ParsedPage) -> None:
    quote = (
        "> Internet failures in the capital of Kazakhstan occurred due to an accident"
        " on power supply equipment\n\n— said in the communiqué of the department."
    )
    assert quote in page.body
    assert "- said" not in page.body
    # Only the quoted paragraph becomes a blockquote.
    assert page.body.count("> ") == 1


def test_seed_top_level_comments(page: ParsedPage) -> None:
    assert [c.number for c in page.comments] == [(1,), (2,), (3,), (4,), (5,)]
    deleted = page.comments[0]
    assert deleted.deleted is True
    assert deleted.handle is None and deleted.real_name is None
    assert deleted.created_at is None and deleted.body == "" and deleted.replies == ()


def test_seed_sergey(page: ParsedPage) -> None:
    sergey = page.comments[1]
    assert sergey.deleted is False
    assert sergey.handle == "Sergey Latyshev"
    assert sergey.real_name == "Serge"
    assert sergey.online is False
    assert sergey.created_at == datetime(2022, 11, 26, 22, 12, tzinfo=UTC)
    assert sergey.created_at.utcoffset() is not None
    assert sergey.quote is None
    assert sergey.body.startswith(
        "in January of this year, Kazakhstan had already experienced an outbreak of protests."
        "\n\nwhich turned out to be the actions of the poor, clans and local crime\n"
        "Although the media promoted as NATO aggression.\nAnd here again.\n"
    )
    assert sergey.body.endswith("the high percentages of the unloved president ...")


def test_seed_cetron_and_replies(page: ParsedPage) -> None:
    cetron = page.comments[2]
    assert (cetron.handle, cetron.real_name) == ("Cetron", "Peteris")
    assert cetron.created_at == datetime(2022, 11, 26, 23, 39, tzinfo=UTC)
    assert "\n\n" not in cetron.body
    assert [(r.number, r.handle, r.real_name) for r in cetron.replies] == [
        ((3, 1), "Rogalex", "Alexander"),
        ((3, 2), "In passing", "Galina Rožkova"),
        ((3, 3), "Eduard Aplombov", "Eduard Aplombov"),
    ]
    assert cetron.replies[0].created_at == datetime(2022, 11, 27, 0, 43, tzinfo=UTC)
    assert cetron.replies[1].body == "If not the CSTO, then the Turks. Is it necessary?"
    assert cetron.replies[2].body.startswith("Cetron, funny..\nbut Russia did not save")


def test_seed_denis_and_guest_quote(page: ParsedPage) -> None:
    denis = page.comments[3]
    assert (denis.handle, denis.real_name) == ("Denis Z", "Denis Z")
    assert denis.created_at == datetime(2022, 11, 27, 3, 24, tzinfo=UTC)
    assert len(denis.replies) == 1
    guest = denis.replies[0]
    assert guest.number == (4, 1)
    assert guest.handle == "guest"
    assert guest.real_name is None
    assert guest.created_at == datetime(2022, 11, 27, 16, 33, tzinfo=UTC)
    assert guest.quote is not None
    assert guest.quote.author == "Denis Z"
    assert guest.quote.text.startswith("It is interesting that with e")
    assert guest.quote.text.endswith("beggars from mobilization.")
    assert guest.body == (
        "So it's almost certain that they themselves are taking part in the riots there."
    )
    assert "Quote:" not in guest.body


def test_seed_last_guest(page: ParsedPage) -> None:
    last = page.comments[4]
    assert (last.handle, last.real_name) == ("guest", None)
    assert last.created_at == datetime(2022, 11, 27, 16, 31, tzinfo=UTC)
    assert last.body.startswith("Well, Tokayev followed the path of Yanukovych")
    assert last.replies == ()


def test_seed_iter_comments_preorder(page: ParsedPage) -> None:
    assert [c.number for c in iter_comments(page.comments)] == [
        (1,), (2,), (3,), (3, 1), (3, 2), (3, 3), (4,), (4, 1), (5,),
    ]  # fmt: skip
    # The brief said 10; the seed holds 5 top-level comments and 4 replies.
    assert sum(1 for _ in iter_comments(page.comments)) == 9


def test_seed_find_article_quote(page: ParsedPage) -> None:
    sergey = page.comments[1]
    found = find_article_quote(sergey.body, page.body)
    assert found is not None
    quoted, rest = found
    assert quoted == (
        "in January of this year, Kazakhstan had already experienced an outbreak of protests."
    )
    assert rest.startswith("which turned out to be the actions of the poor")
    assert rest.endswith("unloved president ...")
    assert find_article_quote(sergey.body, page.body, threshold=1.0) is None


def test_seed_find_article_quote_rejects_cetron(page: ParsedPage) -> None:
    cetron = page.comments[2]
    assert find_article_quote(cetron.body, page.body) is None
    # Still no match once there is a second paragraph: the text is not from the article.
    assert find_article_quote(cetron.body + "\n\nSecond thought.", page.body) is None


# --- synthetic inputs -------------------------------------------------------

HEAD = ("Headline here", "", "Article paragraph one.", "", "Dear reader, you must sign in.")


def test_online_status_and_compact_time() -> None:
    page = parse_page_text(
        _page(*HEAD, "  1. Bob Online Bob", "    Bob (Robert) 3 March 2023 22:12", "    Hi.")
    )
    (bob,) = page.comments
    assert bob.online is True
    assert (bob.handle, bob.real_name, bob.body) == ("Bob", "Robert", "Hi.")
    assert bob.created_at == datetime(2023, 3, 3, 22, 12, tzinfo=UTC)
    assert page.body == "Article paragraph one."
    assert page.image_caption is None and page.photo_credit is None
    assert page.sign_in_required is True


def test_three_level_reply() -> None:
    page = parse_page_text(
        _page(
            *HEAD,
            "  1. A Offline A",
            "    A 1 May 2023 10: 00",
            "    top",
            "    1. B Offline B",
            "      B 1 May 2023 10: 05",
            "      middle",
            "      1. C C Online C C",
            "        C C (Cee) 1 May 2023 10: 09",
            "        deep",
            "        1. The comment was deleted.",
            "  2. D Offline D",
            "    D 2 May 2023 09: 00",
            "    second top",
        )
    )
    assert [(c.number, c.handle, c.body) for c in iter_comments(page.comments)] == [
        ((1,), "A", "top"),
        ((1, 1), "B", "middle"),
        ((1, 1, 1), "C C", "deep"),
        ((1, 1, 1, 1), None, ""),
        ((2,), "D", "second top"),
    ]
    assert page.comments[0].replies[0].replies[0].online is True
    assert page.comments[0].replies[0].replies[0].real_name == "Cee"


def test_crlf_trailing_whitespace_and_nfc() -> None:
    decomposed = "Roz\u030ckova"  # z + combining caron
    text = "\r\n".join(
        [
            "Title  ",
            "",
            "Line one",
            "line two   ",
            "",
            "Title",
            "  \u2022 Photos used: Someone/   ",
            "  1. x Offline x",
            f"    x ({decomposed}) 9 January 2024 07: 05   ",
            "    body  ",
        ]
    )
    page = parse_page_text(text)
    assert page.title == "Title"
    assert page.body == "Line one\nline two"
    assert page.image_caption == "Title"
    assert page.photo_credit == "Someone/"
    assert page.sign_in_required is False
    (x,) = page.comments
    assert x.real_name == "Rožkova"
    assert x.body == "body"
    assert x.created_at == datetime(2024, 1, 9, 7, 5, tzinfo=UTC)


def test_numbered_text_in_body_is_not_a_comment() -> None:
    page = parse_page_text(
        _page(
            *HEAD,
            "  1. A Offline A",
            "    A 1 May 2023 10: 00",
            "    My points:",
            "    1. first",
            "    2. second",
        )
    )
    (a,) = page.comments
    assert a.body == "My points:\n1. first\n2. second"
    assert a.replies == ()


def test_quote_without_own_text() -> None:
    page = parse_page_text(
        _page(*HEAD, "  1. A Offline A", "    A 1 May 2023 10: 00", "    Quote: B", "    x  y")
    )
    assert page.comments[0].quote == ParsedQuote(author="B", text="x y")
    assert page.comments[0].body == ""


def test_page_without_comments() -> None:
    page = parse_page_text("Only a headline\n\nAnd a paragraph.\n")
    assert page.comments == ()
    assert page.body == "And a paragraph."
    assert page.sign_in_required is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "line 1: the page is empty", id="empty"),
        pytest.param(" \n\n  \n", "line 1: the page is empty", id="blank"),
        pytest.param("Title\n\nBad\x00byte\n", "line 3: NUL byte", id="nul"),
        pytest.param(
            _page(*HEAD, "  2. The comment was deleted."),
            "line 6: expected comment number 1 under the top level, found 2",
            id="first-not-one",
        ),
        pytest.param(
            _page(*HEAD, "  1. The comment was deleted.", "  3. The comment was deleted."),
            "line 7: expected comment number 2 under the top level, found 3",
            id="top-level-skip",
        ),
        pytest.param(
            _page(
                *HEAD,
                "  1. The comment was deleted.",
                "    2. The comment was deleted.",
            ),
            "line 7: expected comment number 1 under 1, found 2",
            id="reply-skip",
        ),
        pytest.param(
            _page(*HEAD, "  1. A Offline A", "    hello"),
            "line 6: header for 'A' has no timestamp line",
            id="no-timestamp",
        ),
        pytest.param(
            _page(*HEAD, "  1. A Offline A"),
            "line 6: header for 'A' has no timestamp line",
            id="header-at-eof",
        ),
        pytest.param(
            _page(*HEAD, "  1. The comment was deleted.", "      1. The comment was deleted."),
            "line 7: reply is indented 2 levels deeper than its parent",
            id="two-levels-deeper",
        ),
        pytest.param(
            _page(*HEAD, "  1. The comment was deleted.", "     1. The comment was deleted."),
            "line 7: indentation of 5 spaces is not a 2-space step",
            id="odd-indent",
        ),
        pytest.param(
            _page(*HEAD, "  1. A Offline A", "    B 1 May 2023 10: 00"),
            "line 7: timestamp line names 'B' but the header names 'A'",
            id="handle-mismatch",
        ),
        pytest.param(
            _page(*HEAD, "  1. A Offline A", "    A 31 February 2023 10: 00"),
            "line 7: invalid timestamp",
            id="impossible-date",
        ),
        pytest.param(
            _page(*HEAD, "  1. A Offline A", "    A 3 Brumaire 2023 10: 00"),
            "line 7: unknown month 'Brumaire'",
            id="unknown-month",
        ),
        pytest.param(
            _page(*HEAD, "  1. The comment was deleted.", "    leftover text"),
            "line 7: text under a deleted comment",
            id="text-under-deleted",
        ),
    ],
)
def test_malformed_input_names_line(text: str, message: str) -> None:
    with pytest.raises(PageTextError) as caught:
        parse_page_text(text)
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError)


def test_iter_comments_accepts_any_iterable() -> None:
    leaf = ParsedComment((1, 1), True, None, None, False, None, None, "", ())
    root = ParsedComment((1,), True, None, None, False, None, None, "", (leaf,))
    assert list(iter_comments(iter([root]))) == [root, leaf]
    assert list(iter_comments([])) == []


ARTICLE = (
    "The council met on Monday. It voted to close the old bridge for repairs next spring,"
    " citing cracks in two of its pillars.\n\n> Safety comes first\n\n— said the mayor."
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "It voted to close the old bridge for repairs next spring.\n\nAbout time.",
            ("It voted to close the old bridge for repairs next spring.", "About time."),
            id="clause-of-long-sentence",
        ),
        pytest.param(
            "the council   met\non monday\n\nSo what?\n\nReally.",
            ("the council met on monday", "So what?\n\nReally."),
            id="sentence-case-and-wrapping",
        ),
        pytest.param(
            "Safety comes first, said the mayor\n\nSure.",
            ("Safety comes first, said the mayor", "Sure."),
            id="blockquote-and-attribution-span",
        ),
        pytest.param("The council met on Monday.", None, id="single-paragraph"),
        pytest.param("Pillars?\n\nok", None, id="too-short"),
        pytest.param("Nobody asked about ferries at all.\n\nok", None, id="unrelated"),
    ],
)
def test_find_article_quote_synthetic(body: str, expected: tuple[str, str] | None) -> None:
    assert find_article_quote(body, ARTICLE) == expected


def test_find_article_quote_rejects_bad_threshold() -> None:
    with pytest.raises(ValueError, match="threshold"):
        find_article_quote("a b c d\n\ne", ARTICLE, threshold=0)
