"""/api/v1/auth: sessions for the embed, which cannot rely on third-party cookies."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from veche.domain.errors import AuthRequired
from veche.i18n import gettext as _
from veche.service.accounts import Accounts
from veche.service.runtime import Viewer
from veche.store.models import User
from veche.web.identity import check_csrf, client_ip, runtime, viewer
from veche.web.schemas import SessionOut, SignInIn, SignUpIn, UserOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id, handle=user.handle, display_name=user.display_name, role=user.role.value
    )


@router.post("/signup", status_code=201)
def sign_up(body: SignUpIn, request: Request) -> SessionOut:
    user, token = Accounts(runtime(request)).sign_up(
        body.handle,
        body.password,
        ip=client_ip(request),
        email=body.email,
        display_name=body.display_name,
        user_agent=request.headers.get("user-agent"),
    )
    return SessionOut(token=token, user=user_out(user))


@router.post("/signin")
def sign_in(body: SignInIn, request: Request) -> SessionOut:
    user, token = Accounts(runtime(request)).sign_in(
        body.login, body.password, ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )  # fmt: skip
    return SessionOut(token=token, user=user_out(user))


@router.post("/signout", status_code=204)
def sign_out(request: Request, who: Viewer = Depends(viewer)) -> None:
    if who.token is None:
        raise AuthRequired(_("You are not signed in."))
    if request.state.via_cookie:
        check_csrf(request, request.headers.get("x-csrf-token"))
    Accounts(runtime(request)).sign_out(who.token)


@router.get("/me")
def me(who: Viewer = Depends(viewer)) -> UserOut:
    if who.user is None:
        raise AuthRequired(_("You are not signed in."))
    return user_out(who.user)
