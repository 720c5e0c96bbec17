"""Every error a client sees: `{"error": {code, message, field}}`, or a page for browsers.

The handlers are plain functions on purpose: Starlette runs sync exception handlers in
its threadpool, so rendering a page (which looks the viewer up in the database) never
blocks the event loop. Answers that must not touch the database — a 500, a 503, a
refused forgery — use `plain_page`, which needs no viewer.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import Scope

from veche.domain.errors import (
    CrossSiteRefused,
    InvalidInput,
    Overloaded,
    TryLater,
    VecheError,
)
from veche.i18n import N_
from veche.i18n import gettext as _
from veche.service.runtime import Viewer
from veche.store.overload import is_overload
from veche.web.pages import error_page
from veche.web.schemas import messages
from veche.web.templating import env

logger = logging.getLogger(__name__)
NOBODY = Viewer(user=None, ip="")
HTTP_CODES = {413: "too_large"}
HTTP_MESSAGES = {
    404: N_("Not found."),
    405: N_("That method is not allowed here."),
    413: N_("The request body is too large."),
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
INTERNAL = N_("Something went wrong on our side. It has been logged; please try again.")


def wants_json(scope: Scope) -> bool:
    """The API, fragments (only veche.js asks for them, and shows the error's message), and
    any client that asks for JSON; browsers get a page."""
    accept = Headers(scope=scope).get("accept", "")
    path = str(scope.get("path", ""))
    return path.startswith(("/api/", "/fragments/")) or "application/json" in accept


def error_json(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}}, status_code=status
    )


def plain_page(scope: Scope, status: int, message: str) -> HTMLResponse:
    """The error page as an anonymous visitor sees it: no database, no form token."""
    html = env.get_template("error.html").render(
        request=Request(scope), viewer=NOBODY, csrf="", base="", message=message,
    )  # fmt: skip
    return HTMLResponse(html, status_code=status)


def plain_error(scope: Scope, status: int, code: str, message: str) -> Response:
    """For middleware and for failures where the database may be the problem."""
    if wants_json(scope):
        return error_json(status, code, message)
    return plain_page(scope, status, message)


def _error(request: Request, exc: VecheError) -> Response:
    if wants_json(request.scope):
        response: Response = error_json(exc.status, exc.code, exc.message, exc.field)
    elif isinstance(exc, CrossSiteRefused | Overloaded):
        response = plain_page(request.scope, exc.status, exc.message)
    else:
        response = error_page(request, exc.status, exc.message)
    if isinstance(exc, TryLater):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def readable(exc: RequestValidationError, path: str = "") -> tuple[str, str | None]:
    """The first problem, in words, with the field it concerns."""
    first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
    loc = [str(x) for x in first.get("loc", ())]
    # Drop only the leading location: a field may itself be called "body".
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    field = ".".join(loc) or None
    msg = str(first.get("msg", "Invalid request"))
    if first.get("type") == "json_invalid":
        return _("The request body is not valid JSON."), None
    if first.get("type") == "extra_forbidden":
        return _("Unknown field “%(field)s”.") % {"field": field}, field
    kind = str(first.get("type"))
    if path.endswith("/auth/signin") and field == "password":
        kind += ":signin"  # any password will do there; only an empty one is refused
    known = messages()
    if field is not None and (field, kind) in known:
        return known[field, kind], field
    return (f"{field}: {msg}" if field else msg), field


def domain_error(request: Request, exc: VecheError) -> Response:
    return _error(request, exc)


def invalid(request: Request, exc: RequestValidationError) -> Response:
    message, field = readable(exc, request.url.path)
    return _error(request, InvalidInput(message, field=field))


def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    status = exc.status_code
    known = HTTP_MESSAGES.get(status)
    message = _(known) if known else (str(exc.detail) if exc.detail else "Error")
    code = HTTP_CODES.get(status, "http_error")
    if wants_json(request.scope) or status >= 500:
        response = plain_error(request.scope, status, code, message)
    else:
        response = error_page(request, status, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    if status == 405:
        response.headers["Allow"] = allowed_methods(request)
    return response


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path: Starlette names only the first route's.
    Each method is tried against the routes (included routers answer for theirs)."""
    methods: set[str] = set()
    for method in METHODS:
        probe = {**request.scope, "method": method}
        for route in request.app.router.routes:
            if not isinstance(route, Mount) and route.matches(probe)[0] is Match.FULL:
                methods.add(method)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def database_error(request: Request, exc: Exception) -> Response:
    """Locked, busy or out of connections is a 503 to retry; anything else stays a 500."""
    if not is_overload(exc):
        raise exc
    logger.warning("Database overloaded: %s", str(exc).splitlines()[0] if str(exc) else exc)
    return _error(request, Overloaded("The service is busy right now. Please try again."))


def install(app: FastAPI) -> None:
    app.add_exception_handler(VecheError, domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, database_error)
    app.add_exception_handler(PoolTimeout, database_error)
