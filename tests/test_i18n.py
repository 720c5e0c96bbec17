"""The catalogs against the code, plural forms, the language rule and relative times."""

from __future__ import annotations

import datetime as dt
from gettext import c2py
from pathlib import Path
from typing import Any

import pytest
from babel import Locale
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from veche import i18n
from veche.web import times
from veche.web.i18n import js_catalog, js_msgids

ROOT = Path(__file__).resolve().parent.parent


def keywords() -> dict[str, Any]:
    """The keywords `make messages` extracts with, read from the Makefile: one list."""
    line = next(
        line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith("KEYWORDS")
    )
    return dict(parse_keywords(line.split(":=", 1)[1].replace("-k", " ").split()))


def extracted() -> set[Any]:
    """Every msgid in the code, templates and scripts, as `make messages` finds them."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]
    found: set[Any] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords()
    ):
        key = message[0] if isinstance(message, tuple) else message
        found.add((context, key) if context else key)
    return found


@pytest.fixture(scope="module")
def in_code() -> set[Any]:
    return extracted()


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_string_is_translated_and_none_is_stale(language: str, in_code: set[Any]) -> None:
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=language)
    done: set[Any] = set()
    for m in catalog:
        if not m.id:
            continue
        msgid = m.id[0] if isinstance(m.id, tuple) else m.id
        key: Any = (m.context, msgid) if m.context else msgid
        forms: Any = m.string if isinstance(m.string, tuple | list) else (m.string,)
        if "fuzzy" not in m.flags and all(str(s or "").strip() for s in forms):
            done.add(key)
    missing = sorted(in_code - done, key=str)
    stale = sorted({k for k in done if k not in in_code}, key=str)
    assert not missing, f"untranslated in {language} (run `make messages`):\n" + "\n".join(
        map(repr, missing)
    )
    assert not stale, f"stale in {language} (run `make messages`):\n" + "\n".join(map(repr, stale))


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_plural_forms_match_cldr(language: str) -> None:
    catalog = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with catalog.open("rb") as f:
        po = read_po(f, locale=language)
    # Babel's own checks: every %(name)s of the msgid in the msgstr, the right number of forms.
    problems = [(m.id, [str(e) for e in errors]) for m, errors in po.check()]
    assert not problems, problems
    index = c2py(po.plural_expr)
    cldr = Locale.parse(language).plural_form
    seen: dict[str, int] = {}
    for n in range(0, 1001):  # one gettext form per CLDR category of whole numbers, and back
        assert seen.setdefault(str(cldr(n)), index(n)) == index(n), n
    assert len(set(seen.values())) == len(seen) == po.num_plurals


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (1, "1 комментарий"), (2, "2 комментария"), (5, "5 комментариев"),
        (11, "11 комментариев"), (21, "21 комментарий"), (22, "22 комментария"),
        (25, "25 комментариев"),
    ],
)  # fmt: skip
def test_russian_counts_take_their_three_forms(n: int, shown: str) -> None:
    with i18n.using("ru"):
        said = i18n.ngettext("%(num)s comment", "%(num)s comments", n) % {"num": n}
    assert said == shown
    with i18n.using("kk"):  # Kazakh keeps the noun singular after a number
        assert i18n.ngettext("%(num)s comment", "%(num)s comments", n) % {"num": n} == f"{n} пікір"


def test_accept_language_picks_the_best_of_ours() -> None:
    assert i18n.accepted("ru-RU,ru;q=0.9,en;q=0.8") == "ru"
    assert i18n.accepted("de-DE,kk;q=0.5,ru;q=0.4") == "kk"
    assert i18n.accepted("en-GB;q=0.3,ru;q=0.9") == "ru"
    assert i18n.accepted("de, fr") is None
    assert i18n.accepted("") is None
    assert i18n.accepted("ru;q=0, en;q=0.1") == "en"


def test_the_readers_setting_then_the_browser_then_the_site() -> None:
    assert i18n.choose("kk", "ru", "en") == "kk"
    assert i18n.choose(None, "ru", "kk") == "ru"
    assert i18n.choose(None, None, "kk") == "kk"
    assert i18n.choose(None, None, None) == "en"
    assert i18n.choose("xx", None, "ru") == "ru"


def test_a_page_of_a_site_applies_its_default_when_nobody_chose() -> None:
    choice = i18n.Choice(accepted=None)
    token = i18n.begin(choice)
    try:
        assert i18n.current() == "en"
        choice.for_site("ru")
        assert i18n.current() == "ru"
        assert i18n.gettext("just now") == "только что"
    finally:
        i18n.end(token)
    assert i18n.current() == "en"


def test_a_string_needed_while_finding_the_reader_does_not_ask_for_them_again() -> None:
    """Resolving the reader may itself refuse (a revoked token), in words: those words are
    in the browser's language, not a loop back into resolving the reader."""
    asked: list[int] = []

    def reader() -> str | None:
        asked.append(1)
        assert i18n.gettext("just now") == "только что"  # the refusal's words, in Russian
        return "kk"

    token = i18n.begin(i18n.Choice(accepted="ru", user=reader))
    try:
        assert i18n.current() == "kk"
        assert i18n.current() == "kk"
    finally:
        i18n.end(token)
    assert asked == [1]


def test_using_speaks_the_language_and_falls_back_to_english() -> None:
    with i18n.using("kk"):
        assert i18n.gettext("just now") == "жаңа ғана"
    with i18n.using("xx"):
        assert i18n.gettext("just now") == "just now"


NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "2 hr. ago"), ("ru", "2 ч назад"), ("kk", "2 сағ. бұрын")]
)
def test_recent_times_are_relative(language: str, expected: str) -> None:
    with i18n.using(language):
        assert times.relative(NOW - dt.timedelta(hours=2), NOW) == expected


def test_older_times_are_exact_in_the_readers_zone() -> None:
    old = dt.datetime(2022, 11, 26, 22, 12, tzinfo=dt.UTC)
    assert times.relative(old, NOW) is None
    with i18n.using("ru"):
        assert times.exact(old) == "26 ноября 2022 22:12 (UTC)"
        assert times.exact(old, "Asia/Almaty") == "27 ноября 2022 04:12"  # UTC+6 then
    with i18n.using("kk"):
        tag = times.time_tag(NOW - dt.timedelta(minutes=5), NOW, "Asia/Almaty")
    assert 'datetime="2026-12-04T11:55:00+00:00"' in tag
    assert 'title="4 желтоқсан 2026 16:55"' in tag and "5 мин. бұрын" in tag
    assert times.zone("Not/AZone") is dt.UTC


def test_the_scripts_get_their_strings_with_cldr_plural_categories() -> None:
    ru = js_catalog("ru")
    assert ru["lang"] == "ru"
    # Every msgid the scripts use is in the Russian catalog; English sends none (a script
    # falls back to the msgid, so the first view stays small).
    assert js_catalog("en")["messages"] == {}
    assert set(ru["messages"]) == set(js_msgids()) - {
        m for m in js_msgids() if isinstance(m, tuple)
    }
    for forms in ru["plurals"].values():
        assert set(forms) == {"one", "few", "many"}  # whole numbers are never "other"
    # embed-fit.js speaks through veche.js's t(), so its strings are in the same catalog.
    said = ru["messages"]["The linked comment is not in this discussion."]
    assert said == "Комментария по этой ссылке нет в этом обсуждении."
