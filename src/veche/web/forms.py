"""Form posts for readers without JavaScript: the same services, then redirect-after-post."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from veche.domain.enums import QuoteSource
from veche.domain.errors import CrossSiteRefused, InvalidInput, TryLater, VecheError
from veche.domain.moderation import Action
from veche.i18n import gettext as _
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft, QuoteRequest
from veche.service.moderation import Moderation
from veche.web.identity import (
    ANON_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    client_ip,
    runtime,
    same_origin,
    stories,
    viewer,
)
from veche.web.pages import discussion
from veche.web.schemas import MAX_ID, PathId
from veche.web.templating import render, safe_next, set_cookie
from veche.web.views import comment_href

router = APIRouter(include_in_schema=False)


def _refused(response: Response, exc: VecheError) -> Response:
    """A form that is refused re-renders, keeping the limit's Retry-After for clients."""
    if isinstance(exc, TryLater):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _id(value: str | None, field: str) -> int | None:
    """Form fields arrive as text: an empty one is absent, a malformed one is refused."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit() and len(value) <= 10 and 1 <= int(value) <= MAX_ID:
        return int(value)
    raise InvalidInput(_("The %(field)s is not a valid id.") % {"field": field}, field=field)


@router.post("/stories/{story_id}/comments")
def post_comment(
    story_id: PathId,
    request: Request,
    body: str = Form(""),
    csrf: str = Form(""),
    idempotency_key: str = Form(""),
    parent_id: str = Form(""),
    quote_source: str = Form(""),
    quote_comment_id: str = Form(""),
    quote_text: str = Form(""),
    guest_name: str = Form(""),
) -> Response:
    try:
        check_csrf(request, csrf)
    except CrossSiteRefused:
        # A forged post gets a plain 403, not a signed-in page with its text in our box. The
        # one exception: an anonymous reader posting from the shared (cached, token-less)
        # page on our own origin has no account a forgery could use; they get their words
        # back in a form that now carries a token.
        if csrf or viewer(request).user is not None or not same_origin(request):
            raise
        story = stories(request).get(story_id)
        context = discussion(
            request, story, reply=_id_or_none(parent_id), form_body=body,
            form_error=_("Please send your comment again: this page needed a fresh form."),
        )  # fmt: skip
        return render(request, "story.html", status=403, **context)
    try:
        quote = None
        if quote_source in ("comment", "story") and quote_text.strip():
            quote_id = _id(quote_comment_id, "quote_comment_id")
            quote = QuoteRequest(QuoteSource(quote_source), quote_text, quote_id)
        parent_ref = _id(parent_id, "parent_id")
        draft = Draft(body, parent_ref, quote, idempotency_key or None, guest_name or None)
        comment, _created = Comments(runtime(request)).create(story_id, draft, viewer(request))
    except VecheError as exc:
        # Show the form again with what they wrote: a refusal must not lose a comment.
        story = stories(request).get(story_id)
        context = discussion(
            request, story, reply=_id_or_none(parent_id), form_body=body, form_error=exc.message
        )
        return _refused(render(request, "story.html", status=exc.status, **context), exc)
    return _back(comment.id, story_id)


def _id_or_none(value: str) -> int | None:
    with suppress(InvalidInput):
        return _id(value, "parent_id")
    return None


def _back(comment_id: int, story_id: int) -> RedirectResponse:
    """To the comment's permalink: the page that shows it, wherever the thread cuts."""
    return RedirectResponse(comment_href(story_id, comment_id), status_code=303)


@router.post("/comments/{comment_id}/edit")
def post_edit(
    comment_id: PathId, request: Request, body: str = Form(""), csrf: str = Form("")
) -> Response:
    check_csrf(request, csrf)
    comment = Comments(runtime(request)).edit(comment_id, body, viewer(request))
    return _back(comment.id, comment.story_id)


@router.post("/comments/{comment_id}/delete")
def post_delete(comment_id: PathId, request: Request, csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    comment = Comments(runtime(request)).delete(comment_id, viewer(request))
    return _back(comment.id, comment.story_id)


@router.post("/comments/{comment_id}/remove")
def post_remove(
    comment_id: PathId, request: Request, csrf: str = Form(""),
    reason: str = Form("", max_length=200), note: str = Form("", max_length=2000),
) -> Response:  # fmt: skip
    check_csrf(request, csrf)
    comment = Moderation(runtime(request)).decide(
        comment_id, Action.remove, viewer(request), reason=reason or None, note=note or None
    )
    return _back(comment.id, comment.story_id)


@router.get("/signin")
def signin_page(request: Request, next: str | None = None) -> Response:
    return render(request, "auth.html", mode="signin", next=safe_next(next), values={})


@router.get("/signup")
def signup_page(request: Request, next: str | None = None) -> Response:
    return render(request, "auth.html", mode="signup", next=safe_next(next), values={})


def _signed_in(request: Request, token: str, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    days = runtime(request).config.session_days
    set_cookie(request, response, SESSION_COOKIE, token, max_age=days * 86400)
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


@router.post("/signin")
def signin_post(
    request: Request,
    login: str = Form(""),
    password: str = Form(""),
    csrf: str = Form(""),
    next: str = Form("/"),
) -> Response:
    target = safe_next(next)
    check_csrf(request, csrf)
    try:
        _user, token = Accounts(runtime(request)).sign_in(
            login, password, ip=client_ip(request), user_agent=request.headers.get("user-agent")
        )
    except VecheError as exc:
        page = render(
            request, "auth.html", status=exc.status, mode="signin", next=target,
            error=exc.message, values={"login": login}, offer_link=isinstance(exc, TryLater),
        )  # fmt: skip
        return _refused(page, exc)
    return _signed_in(request, token, target)


@router.post("/signup")
def signup_post(
    request: Request,
    handle: str = Form(""),
    password: str = Form(""),
    email: str = Form(""),
    display_name: str = Form(""),
    csrf: str = Form(""),
    next: str = Form("/"),
) -> Response:
    target = safe_next(next)
    check_csrf(request, csrf)
    try:
        _user, token = Accounts(runtime(request)).sign_up(
            handle, password, ip=client_ip(request), email=email or None,
            display_name=display_name or None, user_agent=request.headers.get("user-agent"),
        )  # fmt: skip
    except VecheError as exc:
        values = {"handle": handle, "email": email, "display_name": display_name}
        page = render(
            request, "auth.html", status=exc.status, mode="signup", next=target,
            error=exc.message, values=values,
        )  # fmt: skip
        return _refused(page, exc)
    return _signed_in(request, token, target)


@router.post("/signout")
def signout_post(request: Request, csrf: str = Form(""), next: str = Form("/")) -> Response:
    check_csrf(request, csrf)
    who = viewer(request)
    if who.token:
        Accounts(runtime(request)).sign_out(who.token)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
