"""Notifications' vocabulary and the one rule of who is told about a comment, and how."""

from __future__ import annotations

import enum


class NotificationKind(enum.StrEnum):
    reply = "reply"  # someone answered my comment
    mention = "mention"  # someone wrote @me


class MailMode(enum.StrEnum):
    """A member's choice of notification mail."""

    immediate = "immediate"  # one mail per notification, as soon as the worker sends it
    digest = "digest"  # one mail a day with what came since the last one
    off = "off"


class MailState(enum.StrEnum):
    """Where a notification's mail stands, so a digest groups only what was not sent."""

    none = "none"  # no mail: mails off, or no address
    queued = "queued"  # an immediate mail is in the outbox
    digest = "digest"  # waits for the day's digest
    sent = "sent"  # went out in a digest


KIND_LABEL = {
    NotificationKind.reply: "replied to your comment",
    NotificationKind.mention: "mentioned you",
}
