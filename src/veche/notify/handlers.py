"""Which outbox kinds this node delivers, and how."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select

from veche.domain.enums import CommentStatus
from veche.notify import mail
from veche.notify.outbox import Handler
from veche.notify.worker import OutboxWorker
from veche.service.digest import Digest
from veche.service.notifications import Notifications
from veche.service.runtime import Runtime
from veche.store.models import Comment
from veche.webhooks import delivery as webhooks


def default_handlers(rt: Runtime) -> dict[str, Handler]:
    return {
        mail.KIND: mail.SmtpSender(
            rt.config.smtp_url, rt.config.mail_from, published=lambda cid: published(rt, cid)
        ),
        webhooks.KIND: webhooks.handler(rt),
    }


def published(rt: Runtime, comment_id: int) -> bool:
    with rt.db.session(write=False) as s:
        status = s.scalar(select(Comment.status).where(Comment.id == comment_id))
    return status is CommentStatus.visible


class Background(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


def background(rt: Runtime) -> list[Background]:
    """Every loop this node runs after commits: the outbox, then the event followers."""
    return [OutboxWorker(rt, default_handlers(rt)), webhooks.follower(rt), *notification_loops(rt)]


def notification_loops(rt: Runtime) -> list[Background]:
    """Replies and mentions from the events feed, and the daily digest."""
    return [Notifications(rt).follower(), Digest(rt, hour=rt.config.digest_hour)]
