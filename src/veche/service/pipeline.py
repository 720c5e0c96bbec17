"""The stages every change to a comment passes: validate → render → score → store → publish.

Validate, render and score are pure or read-only and run before the store transaction opens,
so SQLite's single write lock (or a PostgreSQL story row lock) is held only for the writes
themselves. Publish runs after commit: a notice that never reaches a broker loses nothing,
because streams and caches catch up from the `events` table by seq.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from veche.domain.enums import CommentStatus
from veche.domain.errors import InvalidInput
from veche.domain.markup import html_to_text, render_markdown

log = logging.getLogger(__name__)

# A scorer may hold a comment back, never publish one a moderator held.
_STRICTNESS = {
    CommentStatus.visible: 0,
    CommentStatus.pending: 1,
    CommentStatus.rejected: 2,
}


@dataclass(frozen=True)
class Rendered:
    body_src: str
    body_html: str
    body_text: str


def render(body: str) -> Rendered:
    """Markdown to sanitised HTML and its plain text; `body` was validated already."""
    html = render_markdown(body)
    text = html_to_text(html)
    if not text:
        raise InvalidInput("The comment is empty.", field="body")
    return Rendered(body, html, text)


@dataclass(frozen=True)
class ScoreInput:
    """What a scorer may look at: the words and where they go, not who the reader is."""

    story_id: int
    author_id: int | None
    guest_name: str | None
    text: str
    parent_id: int | None
    quote_text: str | None
    is_edit: bool = False
    importing: bool = False


@dataclass(frozen=True)
class Verdict:
    status: CommentStatus = CommentStatus.visible
    scores: Mapping[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in _STRICTNESS:
            raise ValueError(f"a scorer cannot set status {self.status}")


class Scorer(Protocol):
    """Runs locally, before the write: no reader's text leaves the box to be judged."""

    def score(self, item: ScoreInput) -> Verdict: ...


class PublishAll:
    """The default: every comment is shown at once, as on a site without moderation."""

    def score(self, item: ScoreInput) -> Verdict:
        return Verdict()


def stricter(current: CommentStatus, proposed: CommentStatus) -> CommentStatus:
    """An edit may be held back by a scorer, but cannot release what was held."""
    if current not in _STRICTNESS:
        return current
    return proposed if _STRICTNESS[proposed] > _STRICTNESS[current] else current
