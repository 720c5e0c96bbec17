"""The hosted account pages, server-rendered and usable without JavaScript: the account
itself, the mailed links (verify, forgot/reset, sign-in link) and public profiles.

Every POST carries the page's CSRF token (web.identity.check_csrf) and answers with a
redirect-after-post; a refusal re-renders the page with its message and status.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from veche import i18n
from veche.domain.errors import TryLater, VecheError
from veche.i18n import N_
from veche.i18n import gettext as _
from veche.service.accounts import Accounts
from veche.service.erasure import Erasure
from veche.service.my_account import MyAccount
from veche.service.profiles import Profiles
from veche.service.recovery import EXPIRED, Recovery
from veche.service.runtime import Viewer
from veche.web.identity import ANON_COOKIE, SESSION_COOKIE, check_csrf, client_ip, runtime, viewer
from veche.web.schemas import MAX_ID
from veche.web.templating import render, set_cookie

router = APIRouter(include_in_schema=False)
Handle = Annotated[str, Path(min_length=1, max_length=60)]
# What a finished form says on the page it returns to: fixed words, nothing reflected.
DONE = {
    "name": N_("Your display name is saved."),
    "presence": N_("Your online status setting is saved."),
    "language": N_("Your language and time zone are saved."),
    "password": N_("Your password is changed, and your other sessions are signed out."),
    "session": N_("That session is signed out."),
    "others": N_("Your other sessions are signed out."),
    "reset": N_("Your password is changed. You are signed in, and every other session is out."),
    "link": N_("You are signed in."),
}
ZONES = sorted(available_timezones())


def _refused(response: Response, exc: VecheError) -> Response:
    if isinstance(exc, TryLater):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _account_page(request: Request, status: int = 200, **extra: Any) -> Response:
    who = viewer(request)
    rt = runtime(request)
    account = MyAccount(rt)
    return render(
        request, "account.html", status=status, account=account.view(who),
        sessions=account.sessions(who), languages=list(i18n.NAMES.items()),
        time_zones=ZONES, **extra,
    )  # fmt: skip


def _back(key: str) -> RedirectResponse:
    return RedirectResponse(f"/account?done={key}", status_code=303)


def _signed_in_as(request: Request, token: str, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    days = runtime(request).config.session_days
    set_cookie(request, response, SESSION_COOKIE, token, max_age=days * 86400)
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


@router.get("/account")
def account_page(request: Request, done: str = "") -> Response:
    if viewer(request).user is None:
        return RedirectResponse("/signin?next=/account", status_code=303)
    return _account_page(request, notice=_(DONE[done]) if done in DONE else None)


def _act(request: Request, csrf: str, section: str, action: Any) -> Response:
    """Runs one account form: CSRF first, then the service; a refusal shows the page again
    with the message next to its section."""
    check_csrf(request, csrf)
    if viewer(request).user is None:
        return RedirectResponse("/signin?next=/account", status_code=303)
    try:
        result = action()
    except VecheError as exc:
        page = _account_page(request, status=exc.status, error=exc.message, section=section)
        return _refused(page, exc)
    if isinstance(result, str):  # a sentence to show (a mail is on its way)
        return _account_page(request, notice=result)
    return _back(section)


@router.post("/account/name")
def post_name(request: Request, display_name: str = Form(""), csrf: str = Form("")) -> Response:
    who = viewer(request)
    return _act(
        request,
        csrf,
        "name",
        lambda: MyAccount(runtime(request)).set_display_name(who, display_name or None),
    )


@router.post("/account/presence")
def post_presence(request: Request, hide: str = Form(""), csrf: str = Form("")) -> Response:
    who = viewer(request)
    hidden = hide == "1"
    return _act(
        request,
        csrf,
        "presence",
        lambda: MyAccount(runtime(request)).set_presence(who, hidden=hidden),
    )


@router.post("/account/language")
def post_language(
    request: Request, language: str = Form(""), time_zone: str = Form(""), csrf: str = Form("")
) -> Response:
    who = viewer(request)
    return _act(
        request,
        csrf,
        "language",
        lambda: MyAccount(runtime(request)).set_language(who, language, time_zone),
    )


@router.post("/account/email")
def post_email(
    request: Request, email: str = Form(""), password: str = Form(""), csrf: str = Form("")
) -> Response:
    who = viewer(request)
    return _act(
        request,
        csrf,
        "email",
        lambda: MyAccount(runtime(request)).change_email(who, email, password),
    )


@router.post("/account/email/verify")
def post_resend(request: Request, csrf: str = Form("")) -> Response:
    who = viewer(request)
    return _act(
        request, csrf, "email", lambda: MyAccount(runtime(request)).resend_verification(who)
    )


@router.post("/account/password")
def post_password(
    request: Request, current_password: str = Form(""), new_password: str = Form(""),
    csrf: str = Form(""),
) -> Response:  # fmt: skip
    who = viewer(request)
    return _act(
        request, csrf, "password",
        lambda: MyAccount(runtime(request)).change_password(who, current_password, new_password),
    )  # fmt: skip


@router.post("/account/sessions/{session_id}/signout")
def post_session_signout(
    request: Request, session_id: Annotated[int, Path(ge=1, le=MAX_ID)], csrf: str = Form("")
) -> Response:
    who = viewer(request)
    return _act(
        request,
        csrf,
        "session",
        lambda: MyAccount(runtime(request)).sign_out_session(who, session_id),
    )


@router.post("/account/sessions/signout-others")
def post_signout_others(request: Request, csrf: str = Form("")) -> Response:
    who = viewer(request)
    return _act(request, csrf, "others", lambda: MyAccount(runtime(request)).sign_out_others(who))


@router.get("/account/export")
def export(request: Request) -> Response:
    """A download, not a page: reading it cross-site is what the same-origin policy stops."""
    who = viewer(request)
    if who.user is None:
        return RedirectResponse("/signin?next=/account", status_code=303)
    data = Erasure(runtime(request)).export(who)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="veche-{who.user.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/account/delete")
def post_delete(request: Request, password: str = Form(""), csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    who = viewer(request)
    if who.user is None:
        return RedirectResponse("/signin?next=/account", status_code=303)
    try:
        Erasure(runtime(request)).delete_account(who, password)
    except VecheError as exc:
        page = _account_page(request, status=exc.status, error=exc.message, section="delete")
        return _refused(page, exc)
    request.state.viewer = Viewer(user=None, ip=who.ip)  # the page shows them signed out
    response = render(
        request, "account_message.html", title=_("Account deleted"),
        message=_("Your account is deleted. Your personal data is erased."),
    )  # fmt: skip
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- the mailed links -------------------------------------------------------------------


def _message(
    request: Request, title: str, message: str, status: int = 200, **extra: Any
) -> Response:
    return render(
        request, "account_message.html", status=status, title=title, message=message, **extra
    )


@router.get("/account/verify")
def verify(request: Request, token: str = "") -> Response:
    """Opening the mailed link proves the address; it spends the token."""
    try:
        user = Recovery(runtime(request)).verify(token)
    except VecheError as exc:
        return _message(request, _("Link expired"), exc.message, status=exc.status)
    return _message(
        request,
        _("Address confirmed"),
        _("Thank you: %(email)s is confirmed.") % {"email": user.email},
    )


@router.get("/account/forgot")
def forgot_page(request: Request) -> Response:
    return _message(request, _("Forgot your password?"), "", form="forgot")


@router.post("/account/forgot")
def forgot_post(request: Request, email: str = Form(""), csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    try:
        said = Recovery(runtime(request)).request_reset(email, ip=client_ip(request))
    except VecheError as exc:
        page = _message(
            request,
            _("Forgot your password?"),
            "",
            status=exc.status,
            form="forgot",
            error=exc.message,
        )
        return _refused(page, exc)
    return _message(request, _("Check your mail"), said)


@router.get("/account/reset")
def reset_page(request: Request, token: str = "") -> Response:
    """The form, with the token kept in it; the token is spent only when it is sent."""
    if not Recovery(runtime(request)).token_is_good("reset", token[:100]):
        return _message(request, _("Link expired"), _(EXPIRED), status=410, form="forgot")
    return _message(request, _("Choose a new password"), "", form="reset", token=token)


@router.post("/account/reset")
def reset_post(
    request: Request, token: str = Form(""), password: str = Form(""), csrf: str = Form("")
) -> Response:
    check_csrf(request, csrf)
    rt = runtime(request)
    try:
        user = Recovery(rt).reset(token, password)
    except VecheError as exc:
        page = _message(request, _("Choose a new password"), "", status=exc.status, form="reset", token=token,
            error=exc.message,
        )  # fmt: skip
        return _refused(page, exc)
    session = Accounts(rt).open_session(user, request.headers.get("user-agent"))
    return _signed_in_as(request, session, "/account?done=reset")


@router.post("/signin/link-request")
def link_request(request: Request, login: str = Form(""), csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    try:
        said = Recovery(runtime(request)).request_signin_link(login, ip=client_ip(request))
    except VecheError as exc:
        return _refused(_message(request, _("Sign-in link"), exc.message, status=exc.status), exc)
    return _message(request, _("Check your mail"), said)


@router.get("/signin/link")
def link_page(request: Request, token: str = "") -> Response:
    """A button, not an automatic sign-in: mail scanners that open links must not spend it."""
    if not Recovery(runtime(request)).token_is_good("signin", token[:100]):
        return _message(request, _("Link expired"), _(EXPIRED), status=410)
    return _message(request, _("Sign in"), "", form="link", token=token)


@router.post("/signin/link")
def link_post(request: Request, token: str = Form(""), csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    rt = runtime(request)
    try:
        user = Recovery(rt).use_signin_link(token)
    except VecheError as exc:
        return _message(request, _("Link expired"), exc.message, status=exc.status)
    session = Accounts(rt).open_session(user, request.headers.get("user-agent"))
    return _signed_in_as(request, session, "/account?done=link")


# -- public profiles --------------------------------------------------------------------


@router.get("/users/{handle}")
def profile_page(request: Request, handle: Handle, before: int | None = None) -> Response:
    if before is not None and not 1 <= before <= MAX_ID:
        before = None
    profile = Profiles(runtime(request)).get(handle, before=before)
    return render(request, "profile.html", profile=profile, before=before)
