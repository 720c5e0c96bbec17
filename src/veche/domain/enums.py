"""The closed vocabularies of a discussion, shared by the store and every interface."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    reader = "reader"
    moderator = "moderator"
    admin = "admin"


class CommentStatus(enum.StrEnum):
    visible = "visible"
    pending = "pending"  # held for a moderator; seen by its author and moderators
    rejected = "rejected"  # refused by a moderator or a scorer; its author sees why
    deleted = "deleted"  # by its author
    removed = "removed"  # by a moderator
    shadowed = "shadowed"  # its author is shadow-banned: shown to them alone (and moderators)


class ReportReason(enum.StrEnum):
    abuse = "abuse"
    spam = "spam"
    off_topic = "off_topic"
    misinformation = "misinformation"
    other = "other"


class Premoderation(enum.StrEnum):
    off = "off"
    all = "all"
    new = "new"  # authors with fewer than N approved comments


class QuoteSource(enum.StrEnum):
    comment = "comment"
    story = "story"


class QuoteState(enum.StrEnum):
    verified = "verified"
    altered = "altered"
    source_deleted = "source_deleted"
