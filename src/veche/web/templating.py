"""Jinja2 with autoescaping on; the only `|safe` is HTML that nh3 has already cleaned."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from veche import i18n
from veche.domain import article
from veche.web import times
from veche.web.i18n import js_catalog
from veche.web.identity import ANON_COOKIE, SESSION_COOKIE, anon_id, csrf_token, runtime, viewer
from veche.web.views import automatic

STATIC = Path(__file__).with_name("static")
env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
# Newstyle gettext: `_("… %(name)s", name=x)` escapes `x` and formats after translating.
env.install_gettext_translations(i18n.Current(), newstyle=True)  # type: ignore[attr-defined]


@pass_context
def when(context: Context, value: dt.datetime) -> str:
    """The seed's style, in the language in force and the reader's zone (UTC when shared)."""
    return times.exact(value, context.get("zone"))


@pass_context
def time_tag(context: Context, value: dt.datetime) -> Markup:
    """`<time>` with the exact time in its title, relative while recent."""
    return times.time_tag(value, context.get("now"), context.get("zone"))


env.filters["when"] = when
# The article text a story has, for embed-fit.js to tell whether to send the page's.
env.filters["article_digest"] = article.digest
env.filters["time"] = time_tag
env.globals["lang"] = i18n.current
env.globals["js_catalog"] = js_catalog


def status_label(status: str) -> str:
    """A comment's status as a moderator reads it."""
    labels = {
        "visible": i18n.gettext("published"),
        "pending": i18n.gettext("pending"),
        "shadowed": i18n.gettext("shadowed"),
        "rejected": i18n.gettext("rejected"),
        "removed": i18n.gettext("removed"),
        "deleted": i18n.gettext("deleted"),
        "approve": i18n.gettext("approved"),
        "reject": i18n.gettext("rejected"),
        "remove": i18n.gettext("removed"),
        "restore": i18n.gettext("restored"),
    }
    return labels.get(str(status), str(status))


def report_reason(reason: str) -> str:
    """A reader's reason for a report, as the queue shows it."""
    labels = {
        "abuse": i18n.gettext("Abuse or insult"),
        "spam": i18n.gettext("Spam"),
        "off_topic": i18n.gettext("Off-topic"),
        "misinformation": i18n.gettext("Misinformation"),
        "other": i18n.gettext("Other"),
    }
    return labels.get(str(reason), str(reason))


env.globals["report_reason"] = report_reason
env.globals["automatic"] = automatic


env.globals["status_label"] = status_label


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: an open redirect after sign-in would hand readers to phishers."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\r\n\\") or len(target) > 500:
        return default
    return target


def new_key() -> str:
    return secrets.token_urlsafe(18)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    who = viewer(request)
    context.setdefault("base", "")
    context.setdefault("zone", who.user.time_zone if who.user is not None else None)
    context.setdefault("now", runtime(request).clock())
    html = env.get_template(template).render(
        request=request,
        viewer=who,
        csrf=csrf_token(request),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if request.cookies.get(SESSION_COOKIE) is None and request.cookies.get(ANON_COOKIE) is None:
        set_cookie(request, response, ANON_COOKIE, anon_id(request), max_age=None)
    return response


def set_cookie(
    request: Request, response: HTMLResponse | Any, name: str, value: str, max_age: int | None
) -> None:
    rt = runtime(request)
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        secure=rt.config.cookie_secure,
        samesite="lax",
        path="/",
    )
