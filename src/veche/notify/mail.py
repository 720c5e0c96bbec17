"""Mail: built here, queued in the outbox with the change that causes it, sent by SMTP.

Mail HTML is sanitised more strictly than pages: mail clients load remote content on open,
so there are no images, no styles and no links but http(s) and mailto.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import asdict, dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import nh3
from sqlalchemy.orm import Session

from veche.notify import outbox
from veche.notify.outbox import DeliveryFailed, Job

log = logging.getLogger(__name__)

KIND = "mail"
_TAGS = {"p", "br", "a", "strong", "em", "b", "i", "blockquote", "ul", "ol", "li", "code",
         "pre", "h1", "h2", "h3", "hr"}  # fmt: skip


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    # Set on every mail a reader can stop: RFC 8058 one-click headers and a link.
    unsubscribe_url: str | None = None
    # The comment it quotes: not sent once that comment is no longer published.
    comment_id: int | None = None


def strict_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def queue_mail(
    session: Session,
    mail: Mail,
    *,
    now: dt.datetime,
    site_id: int | None = None,
    dedupe_key: str | None = None,
) -> bool:
    """In the caller's transaction: the mail goes out after commit, or never if it rolls back."""
    return outbox.enqueue(
        session, kind=KIND, target=mail.to, payload=asdict(mail), now=now,
        site_id=site_id, dedupe_key=dedupe_key,
    )  # fmt: skip


def message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = Address(addr_spec=mail.to)  # one mailbox, never a list parsed from text
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    msg["Auto-Submitted"] = "auto-generated"
    if mail.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(mail.text)
    if mail.html is not None:
        msg.add_alternative(strict_html(mail.html), subtype="html")
    return msg


class SmtpSender:
    """The outbox handler for mail. `url`: smtp://[user:pass@]host:port[?starttls=1] or
    smtps://…; empty writes each mail to the log instead, so a demo runs offline."""

    def __init__(
        self,
        url: str,
        sender: str,
        *,
        timeout: float = 20.0,
        published: Callable[[int], bool] | None = None,
    ) -> None:
        self.url = url
        self.sender = sender
        self.timeout = timeout
        self.published = published

    def __call__(self, job: Job) -> int | None:
        mail = Mail(**job.payload)
        try:
            msg = message(mail, self.sender)
        except (ValueError, IndexError) as e:  # an address stored before the stricter check
            raise DeliveryFailed(f"not a single plain address: {e}", permanent=True) from e
        if mail.comment_id is not None and self.published and not self.published(mail.comment_id):
            # Taken down while the mail waited (a retry, a slow server): its words stay here.
            raise DeliveryFailed("not sent: the comment is no longer published", permanent=True)
        if not self.url:
            log.info("mail (no VECHE_SMTP_URL set) to %s: %s\n%s", mail.to, mail.subject, mail.text)
            return None
        parts = urlsplit(self.url)
        host, port = parts.hostname or "127.0.0.1", parts.port
        try:
            if parts.scheme == "smtps":
                context = ssl.create_default_context()
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port or 465, timeout=self.timeout, context=context
                )
            else:
                conn = smtplib.SMTP(host, port or 25, timeout=self.timeout)
            with conn:
                if parts.scheme == "smtp" and parse_qs(parts.query).get("starttls") == ["1"]:
                    conn.starttls(context=ssl.create_default_context())
                if parts.username:
                    conn.login(unquote(parts.username), unquote(parts.password or ""))
                conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            raise DeliveryFailed(f"refused: {e.recipients}", permanent=True) from e
        except (smtplib.SMTPException, OSError) as e:
            raise DeliveryFailed(f"{type(e).__name__}: {e}") from e
        return None
