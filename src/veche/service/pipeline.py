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

from veche.domain.enums import CommentStatus, Premoderation
from veche.domain.errors import InvalidInput
from veche.domain.markup import html_to_text, render_markdown
from veche.domain.mentions import Mentions
from veche.domain.moderation import ModerationSettings
from veche.i18n import gettext as _

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


def render(body: str, mentions: Mentions | None = None) -> Rendered:
    """Markdown to sanitised HTML and its plain text; `body` was validated already, and
    `mentions` (the handles it names that exist) resolved in the validate stage."""
    html = render_markdown(body, mentions)
    text = html_to_text(html)
    if not text:
        raise InvalidInput(_("The comment is empty."), field="body")
    return Rendered(body, html, text)


@dataclass(frozen=True)
class AuthorFacts:
    """What the rules know of an author when they post: enough to hold, never to profile."""

    key: str  # "u<id>" for a member, "guest:<address bucket>" for a guest
    new: bool = True  # fewer approved comments than the site's premod_approved
    premoderated: bool = False
    shadow_banned: bool = False
    staff: bool = False


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
    site_id: int = 0
    body_src: str = ""  # the markdown as typed: links and quotes are visible here
    settings: ModerationSettings = field(default_factory=ModerationSettings)
    author: AuthorFacts = field(default_factory=lambda: AuthorFacts("unknown"))
    typing_seconds: float | None = None  # from opening the form to sending, if the page said


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


@dataclass(frozen=True)
class Outcome:
    """A new comment's status and why, and who held it: the scorers or the site's rules."""

    status: CommentStatus
    flags: tuple[str, ...] = ()
    held_by: str | None = None


def apply_rules(verdict: Verdict, author: AuthorFacts, settings: ModerationSettings) -> Outcome:
    """The status a new comment gets once who wrote it is considered: a shadow-banned
    author's words are shown to them alone; a pre-moderated one's wait for a moderator."""
    status, flags = verdict.status, verdict.reasons
    scored = Outcome(status, flags, None if status is CommentStatus.visible else "scorer")
    if author.staff or status is CommentStatus.rejected:
        return scored
    if author.shadow_banned:
        return Outcome(CommentStatus.shadowed, (*flags, "shadow-banned author"), "rules")
    if status is not CommentStatus.visible:
        return scored
    rule = None
    if author.premoderated:
        rule = "pre-moderation: this author"
    elif settings.premoderation is Premoderation.all:
        rule = "pre-moderation: every comment"
    elif settings.premoderation is Premoderation.new and author.new:
        rule = "pre-moderation: new author"
    return Outcome(CommentStatus.pending, (*flags, rule), "rules") if rule else scored


def stricter(current: CommentStatus, proposed: CommentStatus) -> CommentStatus:
    """An edit may be held back by a scorer, but cannot release what was held."""
    if current not in _STRICTNESS:
        return current
    return proposed if _STRICTNESS[proposed] > _STRICTNESS[current] else current
