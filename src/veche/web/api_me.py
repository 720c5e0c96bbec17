"""/api/v1/me: the account page's JSON twin, for the embed and other clients."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from veche.domain.validation import EMAIL_MAX, NAME_MAX, PASSWORD_MAX
from veche.service.erasure import Erasure
from veche.service.my_account import AccountView, MyAccount, me
from veche.service.profiles import Profile, Profiles
from veche.service.runtime import Viewer
from veche.web.api import ERRORS, writer
from veche.web.identity import runtime, viewer
from veche.web.schemas import EMAIL_PATTERN, NO_ANGLES, PathId, QueryId, Strict

router = APIRouter(prefix="/api/v1", tags=["account"], responses=ERRORS)


class AccountOut(BaseModel):
    id: int
    handle: str
    display_name: str | None
    email: str | None
    email_verified: bool
    hide_presence: bool
    has_password: bool
    role: str
    created_at: dt.datetime
    profile_url: str
    language: str | None = None
    time_zone: str | None = None


class AccountPatch(Strict):
    display_name: str | None = Field(default=None, max_length=NAME_MAX, pattern=NO_ANGLES)
    hide_presence: bool | None = None
    # "" goes back to the browser's language and zone (README "Languages").
    language: str | None = Field(default=None, max_length=8)
    time_zone: str | None = Field(default=None, max_length=64)


class EmailIn(Strict):
    email: str = Field(max_length=EMAIL_MAX, pattern=EMAIL_PATTERN)
    password: str = Field(default="", max_length=PASSWORD_MAX)


class PasswordIn(Strict):
    current_password: str = Field(max_length=PASSWORD_MAX)
    new_password: str = Field(max_length=PASSWORD_MAX)


class DeleteIn(Strict):
    password: str = Field(default="", max_length=PASSWORD_MAX)


class MessageOut(BaseModel):
    message: str


class SessionInfo(BaseModel):
    id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    user_agent: str | None
    current: bool


class SignedOutOut(BaseModel):
    signed_out: int


class ProfileCommentOut(BaseModel):
    id: int
    story_id: int
    story_title: str
    created_at: dt.datetime
    excerpt: str
    url: str


class ProfileOut(BaseModel):
    handle: str
    display_name: str | None
    joined: dt.datetime
    comments: list[ProfileCommentOut]
    next_before: int | None


def account_out(view: AccountView, base_url: str) -> AccountOut:
    return AccountOut(**vars(view), profile_url=f"{base_url}/users/{quote(view.handle)}")


def profile_out(profile: Profile, base_url: str) -> ProfileOut:
    return ProfileOut(
        handle=profile.handle, display_name=profile.display_name, joined=profile.joined,
        comments=[
            ProfileCommentOut(
                id=c.id, story_id=c.story_id, story_title=c.story_title,
                created_at=c.created_at, excerpt=c.excerpt, url=base_url + c.href,
            )
            for c in profile.comments
        ],
        next_before=profile.next_before,
    )  # fmt: skip


@router.get("/me")
def get_me(request: Request, who: Viewer = Depends(viewer)) -> AccountOut:
    rt = runtime(request)
    return account_out(MyAccount(rt).view(who), rt.config.base_url)


@router.patch("/me")
def patch_me(body: AccountPatch, request: Request, who: Viewer = Depends(writer)) -> AccountOut:
    rt = runtime(request)
    account = MyAccount(rt)
    me(who)
    if "display_name" in body.model_fields_set:
        account.set_display_name(who, body.display_name)
    if body.hide_presence is not None:
        account.set_presence(who, hidden=body.hide_presence)
    if body.language is not None or body.time_zone is not None:
        now = account.view(who)
        account.set_language(
            who,
            now.language if body.language is None else body.language,
            now.time_zone if body.time_zone is None else body.time_zone,
        )
    return account_out(account.view(who), rt.config.base_url)


@router.post("/me/email")
def change_email(body: EmailIn, request: Request, who: Viewer = Depends(writer)) -> MessageOut:
    """The address changes once the link mailed to it is opened."""
    return MessageOut(
        message=MyAccount(runtime(request)).change_email(who, body.email, body.password)
    )


@router.post("/me/email/verify")
def resend_verification(request: Request, who: Viewer = Depends(writer)) -> MessageOut:
    return MessageOut(message=MyAccount(runtime(request)).resend_verification(who))


@router.post("/me/password")
def change_password(
    body: PasswordIn, request: Request, who: Viewer = Depends(writer)
) -> SignedOutOut:
    """Needs the current password; signs out every other session."""
    done = MyAccount(runtime(request)).change_password(
        who, body.current_password, body.new_password
    )
    return SignedOutOut(signed_out=done)


@router.get("/me/sessions")
def list_sessions(request: Request, who: Viewer = Depends(viewer)) -> list[SessionInfo]:
    return [SessionInfo(**vars(v)) for v in MyAccount(runtime(request)).sessions(who)]


@router.delete("/me/sessions/{session_id}", status_code=204)
def sign_out_session(session_id: PathId, request: Request, who: Viewer = Depends(writer)) -> None:
    MyAccount(runtime(request)).sign_out_session(who, session_id)


@router.post("/me/sign-out-others")
def sign_out_others(request: Request, who: Viewer = Depends(writer)) -> SignedOutOut:
    return SignedOutOut(signed_out=MyAccount(runtime(request)).sign_out_others(who))


@router.get("/me/export")
def export(request: Request, who: Viewer = Depends(viewer)) -> JSONResponse:
    """Everything veche keeps about you, as one JSON file (no tokens)."""
    data: dict[str, Any] = Erasure(runtime(request)).export(who)
    name = f"veche-{data['profile']['id']}.json"
    return JSONResponse(
        data,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.delete("/me", status_code=204)
def delete_me(body: DeleteIn, request: Request, who: Viewer = Depends(writer)) -> None:
    """Erases the account; comments stay in place as the site's setting says."""
    Erasure(runtime(request)).delete_account(who, body.password)


@router.get("/users/{handle}")
def profile(
    handle: Annotated[str, Path(min_length=1, max_length=60)], request: Request,
    before: QueryId = None,
) -> ProfileOut:  # fmt: skip
    """Handle, display name, join date and published comments, newest first (a keyset
    page: pass `next_before` as `before`)."""
    rt = runtime(request)
    return profile_out(Profiles(rt).get(handle, before=before), rt.config.base_url)
