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
    verified = "verified"  # the source's words, in context
    out_of_context = "out_of_context"  # the source's words, cut so they say the opposite
    too_short = "too_short"  # too few words to prove anything: kept, never verified
    altered = "altered"  # not the source's words, and never were since it was quoted
    source_edited = "source_edited"  # the source's words when quoted, edited away since
    source_deleted = "source_deleted"
