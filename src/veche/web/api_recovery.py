"""/api/v1/auth: the mailed links — verify an address, reset a password, sign in once.

The requests answer alike whether or not an account has that address; the links carry a
one-time token, which these routes spend.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from veche.domain.validation import EMAIL_MAX, PASSWORD_MAX
from veche.service.accounts import Accounts
from veche.service.recovery import Recovery
from veche.web.api import ERRORS
from veche.web.api_auth import user_out
from veche.web.api_me import MessageOut
from veche.web.identity import client_ip, runtime
from veche.web.schemas import SessionOut, Strict

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses=ERRORS)


class TokenIn(Strict):
    token: str = Field(min_length=1, max_length=100)


class ResetRequestIn(Strict):
    email: str = Field(min_length=1, max_length=EMAIL_MAX)


class ResetIn(Strict):
    token: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class LinkRequestIn(Strict):
    login: str = Field(min_length=1, max_length=400, description="Handle or email")


@router.post("/verify")
def verify(body: TokenIn, request: Request) -> MessageOut:
    user = Recovery(runtime(request)).verify(body.token)
    return MessageOut(message=f"Thank you: {user.email} is confirmed.")


@router.post("/reset-request")
def reset_request(body: ResetRequestIn, request: Request) -> MessageOut:
    """The same answer whether or not the address has an account."""
    said = Recovery(runtime(request)).request_reset(body.email, ip=client_ip(request))
    return MessageOut(message=said)


@router.post("/reset")
def reset(body: ResetIn, request: Request) -> SessionOut:
    """A new password; every other session is signed out, and this answer signs in."""
    rt = runtime(request)
    user = Recovery(rt).reset(body.token, body.password)
    token = Accounts(rt).open_session(user, request.headers.get("user-agent"))
    return SessionOut(token=token, user=user_out(user))


@router.post("/signin-link")
def signin_link(body: LinkRequestIn, request: Request) -> MessageOut:
    """What a 429 at sign-in offers: a link, mailed to the account, that signs in once."""
    said = Recovery(runtime(request)).request_signin_link(body.login, ip=client_ip(request))
    return MessageOut(message=said)


@router.post("/link")
def sign_in_by_link(body: TokenIn, request: Request) -> SessionOut:
    rt = runtime(request)
    user = Recovery(rt).use_signin_link(body.token)
    token = Accounts(rt).open_session(user, request.headers.get("user-agent"))
    return SessionOut(token=token, user=user_out(user))
