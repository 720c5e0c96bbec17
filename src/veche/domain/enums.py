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


class QuoteSource(enum.StrEnum):
    comment = "comment"
    story = "story"


class QuoteState(enum.StrEnum):
    verified = "verified"
    altered = "altered"
    source_deleted = "source_deleted"
