"""Three languages through gettext catalogs, and the one rule that picks a request's language.

The catalogs are the `.po` files under veche/locale, compiled into memory when first used,
so there is no build step and no `.mo` to fall out of step. The language in force is a
context variable: the web layer sets it per request (web/i18n.py), mail and CLI code with
`using()`, and every `_()` in templates, services and error messages reads it.

The rule (README "Languages"): a reader's own setting wins; else the best match of their
browser's Accept-Language; else the site's default. The issue lists the site's default
first because it is the base the other two override, not because it beats them.
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, Translations

LOCALE_DIR = Path(__file__).with_name("locale")
DEFAULT = "en"
LANGUAGES: tuple[str, ...] = ("en", "ru", "kk")
NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language; English is the msgids themselves."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT or not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)  # fuzzy entries are left out: an unchecked guess is not shown
    buf.seek(0)
    return Translations(fp=buf)


@dataclass
class Choice:
    """One request's inputs to the rule; `user` is asked for only when a string needs it."""

    accepted: str | None = None
    site: str | None = None
    user: Callable[[], str | None] = lambda: None
    _chosen: str | None = field(default=None, repr=False)
    _asking: bool = field(default=False, repr=False)

    @property
    def language(self) -> str:
        if self._chosen is None:
            if self._asking:  # finding the reader needed a string (a refusal): not theirs yet
                return choose(None, self.accepted, self.site)
            self._asking = True
            try:
                self._chosen = choose(self.user(), self.accepted, self.site)
            finally:
                self._asking = False
        return self._chosen

    def for_site(self, site_language: str | None) -> None:
        """The page turned out to belong to a site: its default now applies."""
        self.site = site_language
        self._chosen = None


_current: contextvars.ContextVar[Choice | None] = contextvars.ContextVar(
    "veche_language", default=None
)


def current() -> str:
    choice = _current.get()
    return choice.language if choice is not None else DEFAULT


def choice() -> Choice | None:
    return _current.get()


def begin(choice: Choice) -> contextvars.Token[Choice | None]:
    return _current.set(choice)


def end(token: contextvars.Token[Choice | None]) -> None:
    _current.reset(token)


@contextmanager
def using(language: str | None) -> Iterator[str]:
    """Mail, CLI and workers: strings within speak `language` (an unknown one: English)."""
    chosen = language if language in LANGUAGES else DEFAULT
    token = _current.set(Choice(site=chosen))
    try:
        yield chosen
    finally:
        _current.reset(token)


@lru_cache(maxsize=512)
def accepted(header: str | None) -> str | None:
    """The best of our languages for an Accept-Language header, or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag.strip()))
    wanted = [tag.replace("-", "_") for _, _, tag in sorted(ranked)]
    found = negotiate_locale(wanted, list(LANGUAGES), sep="_")
    return found if found in LANGUAGES else None


def choose(user: str | None, accepted_language: str | None, site: str | None) -> str:
    """The rule, in one place: the reader's setting, then their browser's, then the site's."""
    for language in (user, accepted_language, site):
        if language in LANGUAGES:
            return language
    return DEFAULT


def gettext(message: str) -> str:
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current()).npgettext(context, singular, plural, n)


def lazy_gettext(message: str) -> LazyProxy:
    """Translated when shown, in the language then in force (module-level constants)."""
    return LazyProxy(gettext, message, enable_cache=False)


_ = gettext


def N_(message: str) -> str:
    """Marks a constant for the catalog; it is translated where it is shown, with `_()`."""
    return message


class Current:
    """What Jinja's i18n extension is installed with: each call asks the request's language."""

    gettext = staticmethod(gettext)
    ngettext = staticmethod(ngettext)
    pgettext = staticmethod(pgettext)
    npgettext = staticmethod(npgettext)


def locale() -> Locale:
    return Locale.parse(current())


def plural_category(language: str, n: int) -> str:
    """CLDR's plural category of `n` ("one", "few", "many", "other")."""
    return str(Locale.parse(language).plural_form(n))
