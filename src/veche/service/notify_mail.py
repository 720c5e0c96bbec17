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

from veche import i18n
from veche.domain.notifications import NotificationKind
from veche.i18n import gettext as _
from veche.i18n import ngettext
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
        "\n-- \n"
        + _(
            "You get this mail because of your notification settings: %(settings)s\n"
            "Stop these mails with one click: %(unsubscribe)s"
        )
        % {"settings": settings, "unsubscribe": unsubscribe}
        + "\n"
    )
    html = (
        "<hr><p>"
        + _(
            'You get this mail because of your <a href="%(settings)s">notification settings</a>. '
            '<a href="%(unsubscribe)s">Unsubscribe</a> with one click.'
        )
        % {"settings": escape(settings), "unsubscribe": escape(unsubscribe)}
        + "</p>"
    )
    return text, html


def _said(kind: NotificationKind, actor: str, title: str) -> str:
    """One whole sentence per kind: word order differs between languages."""
    if kind is NotificationKind.reply:
        return _("%(actor)s replied to your comment in the discussion of “%(title)s”:") % {
            "actor": actor, "title": title,
        }  # fmt: skip
    return _("%(actor)s mentioned you in the discussion of “%(title)s”:") % {
        "actor": actor, "title": title,
    }  # fmt: skip


def _short(kind: NotificationKind, actor: str) -> str:
    if kind is NotificationKind.reply:
        return _("%(actor)s replied to your comment") % {"actor": actor}
    return _("%(actor)s mentioned you") % {"actor": actor}


def one(
    to: str, kind: NotificationKind, actor: str, comment: Comment, story: Story, *, base: str,
    unsubscribe: str, language: str | None = None,
) -> Mail:  # fmt: skip
    """The mail for one reply or mention, in the reader's language: who, where, their
    words, and the way back."""
    with i18n.using(language):
        link = permalink(base, story.id, comment.id)
        foot_text, foot_html = _footer(base, unsubscribe)
        answer = _("Read it and answer")
        text = (
            f"{_said(kind, actor, story.title)}\n\n"
            f"{excerpt(comment.body_text)}\n\n{answer}: {link}\n{foot_text}"
        )
        html = (
            f"<p>{_said(kind, escape(actor), escape(story.title))}</p>"
            f"<blockquote>{comment.body_html}</blockquote>"
            f'<p><a href="{escape(link)}">{escape(answer)}</a></p>{foot_html}'
        )
        if kind is NotificationKind.reply:
            subject = _("%(actor)s replied to your comment on “%(title)s”")
        else:
            subject = _("%(actor)s mentioned you on “%(title)s”")
        subject %= {"actor": actor, "title": excerpt(story.title, 80)}
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
    unsubscribe: str, language: str | None = None,
) -> Mail:  # fmt: skip
    """Everything that waited since the last digest, grouped by discussion, oldest first,
    in the reader's language."""
    with i18n.using(language):
        return _digest(to, day, rows, base=base, unsubscribe=unsubscribe)


def _digest(
    to: str, day: dt.date, rows: Sequence[tuple[Notification, Comment, Story]], *, base: str,
    unsubscribe: str,
) -> Mail:  # fmt: skip
    by_story: dict[int, list[tuple[Notification, Comment, Story]]] = {}
    for row in rows:
        by_story.setdefault(row[2].id, []).append(row)
    when = {"count": len(rows), "day": f"{day:%Y-%m-%d}"}
    head = ngettext(
        "%(count)s new since your last digest (%(day)s):",
        "%(count)s new since your last digest (%(day)s):",
        len(rows),
    )
    text_parts = [(head % when) + "\n"]
    html_parts = [f"<p>{escape(head % when)}</p>"]
    read = escape(_("Read it"))
    for group in by_story.values():
        story = group[0][2]
        text_parts.append(f"\n“{story.title}”")
        html_parts.append(f"<h3>{escape(story.title)}</h3><ul>")
        for n, c, _st in group:
            link = permalink(base, story.id, c.id)
            said = _short(n.kind, n.actor)
            text_parts.append(f"- {said}: {excerpt(c.body_text, 200)}\n  {link}")
            html_parts.append(
                f"<li>{escape(said)}: "
                f'{escape(excerpt(c.body_text, 200))} <a href="{escape(link)}">{read}</a></li>'
            )
        html_parts.append("</ul>")
    foot_text, foot_html = _footer(base, unsubscribe)
    subject = _("Your veche digest: %(count)s new (%(day)s)") % when
    return Mail(
        to=to, subject=subject, text="\n".join(text_parts) + "\n" + foot_text,
        html="".join(html_parts) + foot_html, unsubscribe_url=unsubscribe,
    )  # fmt: skip
