"""Notification mails: one per reply or mention, or one digest a day, each with a signed
one-click unsubscribe (RFC 8058 headers and a link in the body).

The unsubscribe URL is the member's id and an HMAC of it with the server secret: it needs
no sign-in, works from any mail client, and cannot be made for someone else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from html import escape

from veche.domain.notifications import KIND_LABEL, NotificationKind
from veche.notify.mail import Mail
from veche.store.models import Comment, Story
from veche.store.reader_models import Notification

EXCERPT = 600


def unsubscribe_signature(secret: str, user_id: int) -> str:
    mac = hmac.new(secret.encode(), f"veche-unsubscribe:{user_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def unsubscribe_ok(secret: str, user_id: int, signature: str) -> bool:
    return hmac.compare_digest(unsubscribe_signature(secret, user_id), signature.strip().lower())


def unsubscribe_url(base: str, secret: str, user_id: int) -> str:
    return f"{base}/unsubscribe/{user_id}/{unsubscribe_signature(secret, user_id)}"


def permalink(base: str, story_id: int, comment_id: int) -> str:
    return f"{base}/stories/{story_id}/comments/{comment_id}#c{comment_id}"


def excerpt(text: str, limit: int = EXCERPT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _footer(base: str, unsubscribe: str) -> tuple[str, str]:
    settings = f"{base}/account/notifications"
    text = (
        "\n-- \nYou get this mail because of your notification settings: "
        f"{settings}\nStop these mails with one click: {unsubscribe}\n"
    )
    html = (
        f'<hr><p>You get this mail because of your <a href="{escape(settings)}">notification '
        f'settings</a>. <a href="{escape(unsubscribe)}">Unsubscribe</a> with one click.</p>'
    )
    return text, html


def one(
    to: str, kind: NotificationKind, actor: str, comment: Comment, story: Story, *, base: str,
    unsubscribe: str,
) -> Mail:  # fmt: skip
    """The mail for one reply or mention: who, where, their words, and the way back."""
    what = KIND_LABEL[kind]
    link = permalink(base, story.id, comment.id)
    foot_text, foot_html = _footer(base, unsubscribe)
    text = (
        f"{actor} {what} in the discussion of “{story.title}”:\n\n"
        f"{excerpt(comment.body_text)}\n\nRead it and answer: {link}\n{foot_text}"
    )
    html = (
        f"<p><strong>{escape(actor)}</strong> {escape(what)} in the discussion of "
        f"“{escape(story.title)}”:</p><blockquote>{comment.body_html}</blockquote>"
        f'<p><a href="{escape(link)}">Read it and answer</a></p>{foot_html}'
    )
    subject = f"{actor} {what} on “{excerpt(story.title, 80)}”"
    return Mail(
        to=to,
        subject=subject,
        text=text,
        html=html,
        unsubscribe_url=unsubscribe,
        comment_id=comment.id,
    )


def digest(
    to: str, day: dt.date, rows: Sequence[tuple[Notification, Comment, Story]], *, base: str,
    unsubscribe: str,
) -> Mail:  # fmt: skip
    """Everything that waited since the last digest, grouped by discussion, oldest first."""
    by_story: dict[int, list[tuple[Notification, Comment, Story]]] = {}
    for row in rows:
        by_story.setdefault(row[2].id, []).append(row)
    text_parts = [f"{len(rows)} new on veche since your last digest ({day:%Y-%m-%d}):\n"]
    html_parts = [f"<p>{len(rows)} new since your last digest ({day:%Y-%m-%d}):</p>"]
    for group in by_story.values():
        story = group[0][2]
        text_parts.append(f"\n“{story.title}”")
        html_parts.append(f"<h3>{escape(story.title)}</h3><ul>")
        for n, c, _st in group:
            link = permalink(base, story.id, c.id)
            what = KIND_LABEL[n.kind]
            text_parts.append(f"- {n.actor} {what}: {excerpt(c.body_text, 200)}\n  {link}")
            html_parts.append(
                f"<li><strong>{escape(n.actor)}</strong> {escape(what)}: "
                f'{escape(excerpt(c.body_text, 200))} <a href="{escape(link)}">Read it</a></li>'
            )
        html_parts.append("</ul>")
    foot_text, foot_html = _footer(base, unsubscribe)
    subject = f"Your veche digest: {len(rows)} new ({day:%Y-%m-%d})"
    return Mail(
        to=to, subject=subject, text="\n".join(text_parts) + "\n" + foot_text,
        html="".join(html_parts) + foot_html, unsubscribe_url=unsubscribe,
    )  # fmt: skip
