"""The request's language: a Choice in the context for every `_()` the request reaches.

Pure ASGI, like web/middleware.py. The reader's setting is looked up only if a string is
translated (static files and the hot path never ask), and a page that belongs to a site
adds that site's default with `for_site` (veche/i18n.py has the rule).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.extract import extract_from_file
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from veche import i18n
from veche.domain.errors import NotFound, VecheError


def _user_language(scope: Scope) -> str | None:
    from veche.web.identity import viewer

    try:
        user = viewer(Request(scope)).user
    except VecheError:  # a revoked bearer on a write: its own error says so, in the default
        return None
    return user.language if user is not None else None


class Language:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        choice = i18n.Choice(
            accepted=i18n.accepted(Headers(scope=scope).get("accept-language")),
            user=lambda: _user_language(scope),
        )
        token = i18n.begin(choice)
        try:
            await self.app(scope, receive, send)
        finally:
            i18n.end(token)


def for_site(language: str | None) -> None:
    """A page of one site: its default language applies if the reader did not choose."""
    choice = i18n.choice()
    if choice is not None:
        choice.for_site(language)


# -- the scripts' strings ---------------------------------------------------------------------

STATIC = Path(__file__).with_name("static")
JS_FILES = ("veche.js", "count.js", "queue.js", "embed-fit.js")
JS_KEYWORDS: dict[str, Any] = {"t": None, "tn": (1, 2)}


@cache
def js_msgids() -> tuple[str | tuple[str, str], ...]:
    """Every string the scripts ask for with t() or tn(), read from the scripts themselves."""
    found: dict[str | tuple[str, str], None] = {}
    for name in JS_FILES:
        for _line, message, _comments, _context in extract_from_file(
            "javascript", str(STATIC / name), keywords=JS_KEYWORDS, comment_tags=()
        ):
            found.setdefault(message if isinstance(message, str) else tuple(message[:2]), None)  # type: ignore[arg-type]
    return tuple(found)


def _sample(language: str, category: str) -> int | None:
    rule = Locale.parse(language).plural_form
    return next((n for n in range(200) if rule(n) == category), None)


@cache
def js_catalog(language: str) -> dict[str, Any]:
    """The scripts' strings in `language`; plural forms keyed by CLDR category, which the
    browser's Intl.PluralRules picks from."""
    tr = i18n.translations(language)
    messages: dict[str, str] = {}
    plurals: dict[str, dict[str, str]] = {}
    categories = sorted(Locale.parse(language).plural_form.tags | {"other"})
    for msgid in js_msgids():
        if isinstance(msgid, tuple):
            singular, plural = msgid
            forms = {}
            for category in categories:
                n = _sample(language, category)
                if n is not None:
                    forms[category] = tr.ngettext(singular, plural, n)
            plurals[singular] = forms
        elif (text := tr.gettext(msgid)) != msgid:  # the scripts fall back to the msgid
            messages[msgid] = text
    months = Locale.parse(language).months["format"]["wide"]
    return {
        "lang": language, "messages": messages, "plurals": plurals,
        "months": [months[m] for m in range(1, 13)],  # as the server writes dates
    }  # fmt: skip


router = APIRouter(include_in_schema=False)


@router.get("/i18n/{language}.json")
def catalog(language: str) -> JSONResponse:
    """For count.js on a publisher's page: the same for everyone, so cacheable a day."""
    if language not in i18n.LANGUAGES:
        raise NotFound(i18n.gettext("There is no such language."))
    # Public words, asked for by count.js on publishers' pages: any origin may read them.
    headers = {"Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*"}
    return JSONResponse(js_catalog(language), headers=headers)
