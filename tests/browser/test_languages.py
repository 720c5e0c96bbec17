"""The story page and the embed in each language, as a browser asking for it sees them: known
words translated, no English word of the catalog left on screen, the page's `lang` set, and
axe-core still content."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from tests.browser.conftest import Live
from tests.browser.test_a11y import AXE, audit, discussion
from tests.browser.test_embed_fit import article_list, write
from tests.conftest import unavailable
from veche import i18n
from veche.service.stories import SiteSettings, Stories
from veche.store.models import Comment
from veche.web.i18n import js_catalog

pytestmark = pytest.mark.browser

KNOWN = {
    "en": ["Discussion", "Sign in", "Sort:", "Reply", "Offline"],
    "ru": ["Обсуждение", "Войти", "Сортировка:", "Ответить", "Не в сети"],
    "kk": ["Талқылау", "Кіру", "Сұрыптау:", "Жауап беру", "Желіде емес"],
}
# Every string shown on screen, in the page and in the embed's shadow root: text nodes of
# rendered elements, and the words a screen reader or a tooltip gives.
SHOWN = """(selector) => {
  const out = [];
  const walk = (root) => {
    if (root.shadowRoot) walk(root.shadowRoot);
    const nodes = root.querySelectorAll("*");
    for (const el of nodes) {
      if (el.shadowRoot) walk(el.shadowRoot);
      if (["SCRIPT", "STYLE", "TEMPLATE"].includes(el.tagName)) continue;
      for (const name of ["aria-label", "title", "placeholder"]) {
        if (el.getAttribute(name)) out.push(el.getAttribute(name));
      }
      if (el.getClientRects().length === 0) continue;  // not rendered
      for (const node of el.childNodes) {
        if (node.nodeType === 3 && node.textContent.trim()) out.push(node.textContent.trim());
      }
    }
  };
  walk(selector ? document.querySelector(selector) : document);
  return out;
}"""


def english_words(language: str) -> set[str]:
    """The catalog's English msgids that this language translates differently, as shown:
    placeholders and markup taken out, pieces of three letters or more."""
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=language)
    out: set[str] = set()
    for m in catalog:
        if not m.id or isinstance(m.id, tuple) or m.string == m.id:
            continue
        for piece in re.split(r"%\(\w+\)s|<[^>]+>", str(m.id)):
            piece = piece.strip(" .:·()“”")
            if len(piece) >= 3 and re.search(r"[A-Za-z]{3}", piece):
                out.add(piece)
    return out


@pytest.fixture(params=["en", "ru", "kk"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def reader(browser: Browser, language: str) -> Iterator[Page]:
    """A browser that asks for `language` (Accept-Language and navigator.language)."""
    if not AXE.is_file():
        unavailable("axe-core", "run `npm ci --prefix tests/axe`")
    context = browser.new_context(locale=language, timezone_id="UTC", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def check_translated(page: Page, language: str, selector: str | None) -> None:
    shown: list[str] = page.evaluate(SHOWN, selector)
    text = "\n".join(shown)
    for word in KNOWN[language]:
        assert word in shown or word in text, f"{word!r} not on the {language} page"
    if language == "en":
        return
    english = english_words(language)
    left = sorted({s for s in shown if s.strip(" .:·()“”") in english})
    assert not left, f"English left on the {language} page: {left}"


def test_story_page_and_embed_in_each_language(reader: Page, live: Live, language: str) -> None:
    page = reader
    discussion(live)
    page.goto(f"{live.base}/stories/{live.story.id}")
    expect(page.locator("[data-veche-discussion][data-ready=yes]")).to_be_attached()
    expect(page.locator("html")).to_have_attribute("lang", language)
    check_translated(page, language, None)
    audit(page)

    page.goto(f"{live.publisher}/2026/storm")
    root = page.locator(".veche-embed [data-veche-discussion][data-ready=yes]")
    expect(root).to_be_attached()
    expect(root).to_have_attribute("lang", language)
    expect(root.locator("li.comment")).to_have_count(4)
    check_translated(page, language, ".veche-embed")
    audit(page, ".veche-embed")


def test_a_readers_own_setting_beats_the_browser(reader: Page, live: Live, language: str) -> None:
    """Signed in with Kazakh chosen on the account page, a reader's browser asking for
    `language` still gets Kazakh; the site's default applies to nobody here."""
    page = reader
    live.user("Aigerim")
    live.user("Mara")
    write(live, live.story.id, "Mara", "The road is open again.")
    with live.rt.db.session(write=False) as s:
        posted = s.scalars(select(Comment.created_at)).one()
    live.sign_in(page, "Aigerim")
    page.goto(f"{live.base}/account")
    page.select_option("select[name=language]", "kk")
    page.fill("input[name=time_zone]", "Asia/Almaty")
    page.locator("form[action='/account/language'] button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.locator("p.notice")).to_have_text("Тіл мен уақыт белдеуі сақталды.")
    page.goto(f"{live.base}/stories/{live.story.id}")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.locator(".discussion-head h2")).to_contain_text("Талқылау")
    # Her times: in her zone (not the browser's UTC), relative while recent, exact in the title.
    stamp = page.locator("li.comment time").first
    almaty = posted.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Asia/Almaty"))
    months = js_catalog("kk")["months"]
    shown = f"{almaty.day} {months[almaty.month - 1]} {almaty.year} {almaty:%H:%M}"
    expect(stamp).to_have_attribute("title", shown)
    expect(stamp).to_have_text(re.compile("бұрын|жаңа ғана"))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ru", ["1 комментарий", "2 комментария", "5 комментариев"]), ("kk", ["1 пікір", "2 пікір", "5 пікір"])],
)  # fmt: skip
def test_the_count_widget_speaks_the_pages_language(
    page: Page, live: Live, monkeypatch: pytest.MonkeyPatch, lang: str, expected: list[str]
) -> None:
    """`<html lang>` of the publisher's list picks the words; the plural form is CLDR's."""
    live.user("ann")
    stories = Stories(live.rt)
    urls = []
    for n in (1, 2, 5):
        story = stories.create("news", f"{live.publisher}/2026/n{n}", f"Story {n}")
        urls.append(story.url)
        for i in range(n):
            write(live, story.id, "ann", f"Comment {i} on story {n}.")
    items = "".join(
        f'<li><a id="s{i}" data-veche-count data-story-url="{url}">Comments</a></li>'
        for i, url in enumerate(urls)
    )
    html = (
        f'<!doctype html><html lang="{lang}"><head><title>News</title></head><body><ul>{items}'
        f'</ul><script src="{live.base}/count.js" async></script></body></html>'
    )
    monkeypatch.setattr(Stories, "ORIGINS_TTL", 0.0)
    with article_list(html) as front:
        stories.update_site(
            "news", SiteSettings(allowed_origins=[live.base, live.publisher, front])
        )
        page.goto(f"{front}/list")
        for i, text in enumerate(expected):
            expect(page.locator(f"#s{i}")).to_have_text(text)
