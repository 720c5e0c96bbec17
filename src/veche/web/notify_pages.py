"""Pages of notifications: the list without JavaScript, the mail setting's form, and the
signed unsubscribe link (RFC 8058: a POST from the mail client, or a GET that confirms)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from veche.service.notifications import Notifications
from veche.web.identity import check_csrf, runtime, viewer
from veche.web.schemas import PathId, QueryId
from veche.web.templating import render

router = APIRouter(include_in_schema=False)
Signature = Path(min_length=8, max_length=64, pattern=r"^[0-9a-fA-F]+$")


def _sign_in_first(path: str) -> RedirectResponse:
    return RedirectResponse(f"/signin?next={path}", status_code=303)


@router.get("/notifications")
def notifications_page(request: Request, before: QueryId = None) -> Response:
    who = viewer(request)
    if who.user is None:
        return _sign_in_first("/notifications")
    page = Notifications(runtime(request)).page(who, before, 30)
    return render(request, "notifications.html", page=page)


@router.post("/notifications/read")
def notifications_read(request: Request, csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    who = viewer(request)
    if who.user is None:
        return _sign_in_first("/notifications")
    Notifications(runtime(request)).mark_read(who, None)
    return RedirectResponse("/notifications", status_code=303)


@router.get("/account/notifications")
def settings_page(request: Request, saved: bool = False) -> Response:
    who = viewer(request)
    if who.user is None:
        return _sign_in_first("/account/notifications")
    found = Notifications(runtime(request)).mail_settings(who)
    return render(
        request, "notify_account.html", notify_mail=found.mail.value,
        has_email=found.has_email, saved=saved,
    )  # fmt: skip


@router.post("/account/notifications")
def save_settings(request: Request, csrf: str = Form(""), mail: str = Form("")) -> Response:
    check_csrf(request, csrf)
    who = viewer(request)
    if who.user is None:
        return _sign_in_first("/account/notifications")
    Notifications(runtime(request)).set_mail(who, mail)
    return RedirectResponse("/account/notifications?saved=true", status_code=303)


@router.get("/unsubscribe/{user_id}/{signature}")
def unsubscribe_confirm(request: Request, user_id: PathId, signature: str = Signature) -> Response:
    """A link followed in a mail: confirm first, as link scanners follow every GET."""
    user = Notifications(runtime(request)).unsubscribe_target(user_id, signature)
    action = f"/unsubscribe/{user_id}/{signature}"
    return render(request, "unsubscribe.html", handle=user.handle, action=action, done=False)


@router.post("/unsubscribe/{user_id}/{signature}")
def unsubscribe(request: Request, user_id: PathId, signature: str = Signature) -> Response:
    """RFC 8058 one-click (`List-Unsubscribe=One-Click` in the body) and the confirm page's
    form: no cookie and no CSRF token, the signature is the authority."""
    user = Notifications(runtime(request)).unsubscribe(user_id, signature)
    return render(request, "unsubscribe.html", handle=user.handle, done=True)
