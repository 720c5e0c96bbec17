"""The source-neutral shape every importer parses into, and the loader writes from.

Each source (Disqus, WordPress, Isso, Remark42, page text, veche's own export) is a small
parser that yields `ImportThread`s one at a time, so a file of any size is read in bounded
memory and each thread is written in a transaction of its own.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


class ImportedStatus(enum.StrEnum):
    """What a source's own states map to; the loader turns these into comment statuses."""

    visible = "visible"
    pending = "pending"  # held in the source's queue: held here too
    spam = "spam"  # marked spam there: rejected here, kept for the record
    deleted = "deleted"  # deleted there: its place (and replies) stay, its text does not


@dataclass(frozen=True, slots=True)
class ImportedAuthor:
    """A foreign person. `external_id` is the source's own key for them (an id, a username,
    or an e-mail's hash); with the source's name it keys an import-only identity, which is
    never merged into an existing member. None makes the comment a guest's."""

    external_id: str
    name: str  # as the source shows it: kept as the display name, whatever it holds
    handle: str | None = None  # the source's username, when it has one: a handle is derived
    email: str | None = None  # kept on the identity only, never made a login
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ImportedQuote:
    """A quote the source recorded: of the story, or of another comment by its external id."""

    text: str
    comment_external_id: str | None = None  # None: the story's text
    author_name: str | None = None  # whom it names: labels it when it cannot be linked


@dataclass(frozen=True, slots=True)
class ImportedComment:
    external_id: str  # unique within its thread; re-runs find the comment by it
    parent_external_id: str | None
    author: ImportedAuthor | None  # None: a guest, named by guest_name
    created_at: dt.datetime  # aware, UTC
    body: str  # markdown (parsers turn a source's HTML into markdown or plain text)
    status: ImportedStatus = ImportedStatus.visible
    guest_name: str | None = None
    quote: ImportedQuote | None = None
    edited_at: dt.datetime | None = None
    line: int | None = None  # where it was read, for reports


@dataclass(frozen=True, slots=True)
class ImportedStory:
    external_id: str  # the source's thread id (or the URL when it has none)
    url: str
    title: str
    created_at: dt.datetime | None = None
    closed: bool = False
    body: str | None = None  # the article's text, when the source has it (quotes check it)
    image_caption: str | None = None
    photo_credit: str | None = None


@dataclass(slots=True)
class ImportThread:
    """One story and its comments in any order (the loader orders parents first)."""

    story: ImportedStory
    comments: list[ImportedComment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record a parser could not take: reported with its place and skipped (or, under
    --strict, the whole import fails on it)."""

    where: str  # "line 12", "comment 4452", "thread 9"
    reason: str


class ImportSource(Protocol):
    """A parsed source: its name keys identities, threads stream, rejects are collected."""

    name: str  # "disqus", "wordpress", "isso", "remark42", "page-text", "veche"

    def threads(self) -> Iterator[ImportThread]: ...

    @property
    def rejected(self) -> list[Rejected]: ...
