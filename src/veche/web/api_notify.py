"""/api/v1/me/notifications and the notification mail setting, for the bell and the embed."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from veche.service.notifications import (
    MailSettings,
    Notifications,
    NotificationsPage,
    NotificationView,
)
from veche.service.runtime import Viewer
from veche.web.api import ERRORS, writer
from veche.web.identity import runtime, viewer
from veche.web.schemas import Id, QueryId, Strict

router = APIRouter(prefix="/api/v1/me", tags=["notifications"], responses=ERRORS)


class NotificationOut(BaseModel):
    id: int
    kind: Literal["reply", "mention"]
    comment_id: int
    story_id: int
    story_title: str
    actor: str = Field(description="The handle (or guest name) of who wrote the comment")
    excerpt: str = Field(description="The comment's first words; empty if it was taken down")
    url: str = Field(description="The comment's permalink")
    created_at: dt.datetime
    read: bool


class NotificationsOut(BaseModel):
    unread: int
    items: list[NotificationOut]
    next_before: int | None = Field(description="Pass as `before` for older notifications")


class ReadIn(Strict):
    ids: list[Id] | None = Field(
        default=None, max_length=200, description="Omit to mark every notification read"
    )


class UnreadOut(BaseModel):
    unread: int


class MailSettingIn(Strict):
    mail: Literal["immediate", "digest", "off"]


class MailSettingOut(BaseModel):
    mail: Literal["immediate", "digest", "off"]
    has_email: bool = Field(description="Mails need an address on the account")


def _item_out(n: NotificationView) -> NotificationOut:
    return NotificationOut(
        id=n.id, kind=n.kind.value, comment_id=n.comment_id, story_id=n.story_id,
        story_title=n.story_title, actor=n.actor, excerpt=n.excerpt, url=n.url,
        created_at=n.created_at, read=n.read,
    )  # fmt: skip


def _page_out(page: NotificationsPage) -> NotificationsOut:
    items = [_item_out(n) for n in page.items]
    return NotificationsOut(unread=page.unread, items=items, next_before=page.next_before)


def _setting_out(found: MailSettings) -> MailSettingOut:
    return MailSettingOut(mail=found.mail.value, has_email=found.has_email)


@router.get("/notifications")
def notifications(
    request: Request,
    before: QueryId = None,
    limit: int = Query(20, ge=1, le=50),
    who: Viewer = Depends(viewer),
) -> NotificationsOut:
    """Replies to my comments and mentions of me, newest first, with my unread count."""
    return _page_out(Notifications(runtime(request)).page(who, before, limit))


@router.post("/notifications/read")
def mark_read(request: Request, body: ReadIn, who: Viewer = Depends(writer)) -> UnreadOut:
    """Mark some (or all) of my notifications read; my open pages' bells follow."""
    return UnreadOut(unread=Notifications(runtime(request)).mark_read(who, body.ids))


@router.get("/notification-settings")
def mail_setting(request: Request, who: Viewer = Depends(viewer)) -> MailSettingOut:
    return _setting_out(Notifications(runtime(request)).mail_settings(who))


@router.post("/notification-settings")
def set_mail_setting(
    request: Request, body: MailSettingIn, who: Viewer = Depends(writer)
) -> MailSettingOut:
    """Notification mails: each at once, one digest a day, or none."""
    return _setting_out(Notifications(runtime(request)).set_mail(who, body.mail))
