"""Which outbox kinds this node delivers, and how."""

from __future__ import annotations

from typing import Protocol

from veche.notify import mail
from veche.notify.outbox import Handler
from veche.notify.worker import OutboxWorker
from veche.service.runtime import Runtime


def default_handlers(rt: Runtime) -> dict[str, Handler]:
    return {mail.KIND: mail.SmtpSender(rt.config.smtp_url, rt.config.mail_from)}


class Background(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


def background(rt: Runtime) -> list[Background]:
    """Every loop this node runs after commits: the outbox, then the event followers."""
    return [OutboxWorker(rt, default_handlers(rt))]
