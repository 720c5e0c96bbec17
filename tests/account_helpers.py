"""Shared by the account tests: deliver queued mail to the real SMTP fixture and read links."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MailBox, with_config
from veche.notify.handlers import default_handlers
from veche.notify.worker import OutboxWorker
from veche.service.runtime import Runtime

LINK = re.compile(r"https://veche\.test(/[^\s]+)")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def deliver(rt: Runtime, smtp: MailBox, expect: int) -> list[EmailMessage]:
    """Runs the outbox against the real SMTP server until `expect` mails have arrived (a
    page's write may commit a moment after its answer is drawn); returns every mail so far."""
    sender = with_config(rt, smtp_url=smtp.url)
    worker = OutboxWorker(sender, default_handlers(sender))
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        worker.run_once()
        if len(smtp.messages) >= expect:
            break
        time.sleep(0.1)
    return smtp.wait_for(expect)


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(msg: EmailMessage) -> str:
    """The local path (with its query) of the one link a mail carries."""
    found = LINK.search(text_of(msg))
    assert found is not None, text_of(msg)
    return found.group(1)


def token_of(path: str) -> str:
    return path.split("token=", 1)[1]


def sign_in_form(client: TestClient, login: str, password: str, **headers: str) -> Any:
    page = client.get("/signin")
    return client.post(
        "/signin",
        data={"login": login, "password": password, "csrf": csrf_of(page.text), "next": "/"},
        headers=headers,
        follow_redirects=False,
    )
