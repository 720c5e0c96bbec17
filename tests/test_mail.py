"""Mail through the outbox to a real SMTP server: multipart, strict HTML, RFC 8058 headers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.conftest import MailBox, with_config
from veche.notify import outbox
from veche.notify.handlers import default_handlers
from veche.notify.mail import Mail, queue_mail, strict_html
from veche.notify.worker import OutboxWorker
from veche.service.runtime import Runtime
from veche.store.reader_models import OutboxItem


def test_a_queued_mail_arrives_with_both_parts_and_one_click_unsubscribe(
    rt: Runtime, smtp: MailBox
) -> None:
    rt = with_config(rt, smtp_url=smtp.url, mail_from="Gazette <talk@news.example>")
    mail = Mail(
        to="ruta@example.org",
        subject="A reply to your comment",
        text="Denis Z replied: see https://news.example/s#c1",
        html='<p>Denis Z <b>replied</b><img src="https://tracker.example/p.gif">'
        '<a href="javascript:alert(1)">x</a><a href="https://news.example/s#c1">read</a></p>',
        unsubscribe_url="https://veche.test/unsubscribe/abc",
    )
    with rt.db.session() as s:
        assert queue_mail(s, mail, now=rt.clock(), dedupe_key="reply:1")
    with rt.db.session() as s:  # the same cause again: nothing more is queued
        assert not queue_mail(s, mail, now=rt.clock(), dedupe_key="reply:1")
    assert OutboxWorker(rt, default_handlers(rt)).run_once() == 1
    (msg,) = smtp.wait_for(1)
    assert msg["To"] == "ruta@example.org"
    assert msg["From"] == "Gazette <talk@news.example>"
    assert msg["List-Unsubscribe"] == "<https://veche.test/unsubscribe/abc>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    assert "Denis Z replied" in text.get_content()
    shown = html.get_content()
    assert "<b>replied</b>" in shown and 'href="https://news.example/s#c1"' in shown
    assert "<img" not in shown and "tracker.example" not in shown and "javascript" not in shown
    with rt.db.session() as s:
        row = s.scalars(select(OutboxItem)).one()
        assert (row.status, row.attempts) == ("sent", 1)
        # The log keeps who and what, never the text: a mail may carry a one-time link.
        assert row.payload == {"to": "ruta@example.org", "subject": "A reply to your comment"}
    assert OutboxWorker(rt, default_handlers(rt)).run_once() == 0  # sent once only


def test_strict_html_keeps_no_remote_content() -> None:
    dirty = '<p style="x">hi<img src=x><iframe src=y></iframe><a href="http://a.example">a</a></p>'
    assert strict_html(dirty) == (
        '<p>hi<a href="http://a.example" rel="noopener noreferrer nofollow">a</a></p>'
    )


def test_an_unreachable_server_is_retried_with_backoff_then_failed(rt: Runtime) -> None:
    """Nothing listens on the port: each attempt fails, is put off longer, then gives up."""
    clock = [dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)]
    rt = with_config(rt, smtp_url="smtp://127.0.0.1:9")
    rt.clock = lambda: clock[0]
    with rt.db.session() as s:
        queue_mail(s, Mail(to="a@example.org", subject="s", text="t"), now=clock[0])
    worker = OutboxWorker(rt, default_handlers(rt), max_attempts=3)
    waits = []
    for _ in range(3):
        assert worker.run_once() == 1
        assert worker.run_once() == 0  # not due again yet
        with rt.db.session() as s:
            row = s.scalars(select(OutboxItem)).one()
            waits.append(row.next_attempt_at - clock[0])
            clock[0] = row.next_attempt_at
    with rt.db.session() as s:
        row = s.scalars(select(OutboxItem)).one()
        assert (row.status, row.attempts) == ("failed", 3)
        assert row.last_error and "ConnectionRefusedError" in row.last_error
        assert [d.status for d in outbox.log(s, kind="mail", site_id=None)] == ["failed"]
    assert waits[:2] == [dt.timedelta(seconds=30), dt.timedelta(seconds=60)]
    assert worker.run_once() == 0


def test_the_app_runs_the_outbox_in_the_background(rt: Runtime, smtp: MailBox) -> None:
    """With background work on (the default outside unit tests), a queued mail goes out by itself."""
    from fastapi.testclient import TestClient

    from veche.web.app import create_app

    rt = with_config(rt, smtp_url=smtp.url, background=True)
    with TestClient(create_app(rt.config, rt), base_url="https://veche.test"):
        with rt.db.session() as s:
            queue_mail(s, Mail(to="a@example.org", subject="Hello", text="t"), now=rt.clock())
        (msg,) = smtp.wait_for(1)
        assert msg["Subject"] == "Hello"
