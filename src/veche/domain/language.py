"""A site's default language, declared like the other per-site settings (domain/declared.py),
and the checks on a reader's own language and time zone."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import available_timezones

from veche.domain.declared import Declared, declared, setting
from veche.domain.errors import InvalidInput
from veche.i18n import DEFAULT, LANGUAGES
from veche.i18n import gettext as _


def parse_language(raw: object) -> str:
    value = str(raw).strip().lower()
    if value not in LANGUAGES:
        raise InvalidInput(
            _("The language is one of: %(languages)s.") % {"languages": ", ".join(LANGUAGES)},
            field="language",
        )
    return value


def parse_own_language(raw: object) -> str | None:
    """A reader's choice; "" goes back to the browser's."""
    return parse_language(raw) if str(raw or "").strip() else None


def parse_time_zone(raw: object) -> str | None:
    """An IANA zone name ("Asia/Almaty"); "" goes back to the browser's."""
    value = str(raw or "").strip()
    if not value:
        return None
    if value not in available_timezones():
        raise InvalidInput(
            _("“%(zone)s” is not a time zone name such as Asia/Almaty.") % {"zone": value[:64]},
            field="time_zone",
        )
    return value


@dataclass(frozen=True)
class LanguageSettings:
    language: str = setting(
        DEFAULT,
        "the language of the site's pages, embed and mails for a reader who chose none and "
        "whose browser asks for none of en, ru, kk",
        parse_language,
    )


SETTINGS: tuple[Declared, ...] = declared(LanguageSettings)
