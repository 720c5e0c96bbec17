"""The validate stage: what a reader submitted, checked against what the store holds now.

Everything here reads, never writes, so it runs in a read transaction before the store
transaction opens; the store re-checks only what another writer could change in between.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from veche.domain import paths, validation
from veche.domain.enums import CommentStatus, QuoteSource
from veche.domain.errors import Conflict, InvalidInput
from veche.domain.markup import clean_text, mention_candidates
from veche.domain.mentions import Member, Mentions
from veche.domain.quotes import judge
from veche.i18n import gettext as _
from veche.moderation.confusables import claims_office, name_key
from veche.service.runtime import Viewer
from veche.store import threads
from veche.store.accounts import user_by_handle_key, user_by_name_key
from veche.store.comments import NewQuote
from veche.store.models import Comment, Story, User

QUOTE_MAX = 2000
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,80}$")


@dataclass(frozen=True)
class QuoteRequest:
    source: QuoteSource
    text: str
    comment_id: int | None = None


@dataclass(frozen=True)
class Draft:
    """What a reader submits; the idempotency key makes a retried submit safe."""

    body: str
    parent_id: int | None = None
    quote: QuoteRequest | None = None
    idempotency_key: str | None = None
    guest_name: str | None = None
    typing_seconds: float | None = None  # the page's measure, for the first-comment bot check


def check_key(key: str | None) -> str | None:
    if key is None or key == "":
        return None
    if not _KEY.match(key):
        raise InvalidInput(
            _("The idempotency key must be 8 to 80 letters, digits, dashes or underscores."),
            field="idempotency_key",
        )
    return key


def guest_name(s: Session, name: str | None) -> str:
    """A guest may pick a name, but not a member's handle or real name, nor a staff title,
    however it is spelt: that would be impersonation."""
    chosen = validation.guest_name(name) or "guest"
    if name_key(chosen) == name_key("guest"):
        return "guest"
    if claims_office(chosen):
        raise Conflict(
            _("Guests cannot use a staff title as their name; choose another."), field="guest_name"
        )
    key = validation.handle_key(chosen)
    member = user_by_handle_key(s, key) if len(key) <= validation.HANDLE_MAX + 10 else None
    if member is not None or user_by_name_key(s, name_key(chosen)) is not None:
        raise Conflict(
            _("That name belongs to a member. Sign in, or choose another name."), field="guest_name"
        )
    return chosen


def parent(
    s: Session,
    story: Story,
    parent_id: int | None,
    *,
    importing: bool,
    known: dict[int, Comment] | None = None,
) -> Comment | None:
    """`known`: comments the caller's transaction holds already (an import's thread)."""
    if parent_id is None:
        return None
    found = (known or {}).get(parent_id) or threads.get(s, parent_id)
    if found is None:
        raise InvalidInput(_("The comment you are replying to does not exist."), field="parent_id")
    if found.story_id != story.id:
        raise InvalidInput(
            _("You can only reply to a comment in this story's discussion."), field="parent_id"
        )
    if found.status is not CommentStatus.visible and not importing:
        raise Conflict(_("That comment was deleted; it cannot be replied to."), field="parent_id")
    if found.depth + 1 > paths.MAX_DEPTH:
        raise InvalidInput(
            _("This thread is nested too deeply; reply to a comment higher up."), field="parent_id"
        )
    return found


def quote(s: Session, story: Story, q: QuoteRequest) -> NewQuote:
    return quote_and_source(s, story, q)[0]


def quote_and_source(s: Session, story: Story, q: QuoteRequest) -> tuple[NewQuote, Comment | None]:
    """The quote as it will be stored, and the comment it quotes (None for the story)."""
    text = clean_text(validation.reject_nul(q.text, "quote"))
    if not text:
        raise InvalidInput(_("The quote is empty."), field="quote")
    if len(text) > QUOTE_MAX:
        raise InvalidInput(
            _("A quote is at most %(QUOTE_MAX)s characters.") % {"QUOTE_MAX": QUOTE_MAX},
            field="quote",
        )
    if q.source is QuoteSource.story:
        v = judge(text, story.body_text or story.title)
        return NewQuote(QuoteSource.story, None, text, v.state, v.coverage), None
    source = threads.get(s, q.comment_id) if q.comment_id is not None else None
    if source is None or source.story_id != story.id:
        raise InvalidInput(_("The quoted comment is not in this discussion."), field="quote")
    if source.status is not CommentStatus.visible:
        raise Conflict(_("The quoted comment was deleted."), field="quote")
    v = judge(text, source.body_text)
    return NewQuote(QuoteSource.comment, source.id, text, v.state, v.coverage), source


def replay(s: Session, key: str, draft: Draft, viewer: Viewer, story_id: int) -> Comment | None:
    """The first comment made with this key — if this is truly the same submission."""
    existing = threads.by_idempotency_key(s, key)
    if existing is None:
        return None
    if existing.author_id != viewer.user_id or existing.story_id != story_id:
        raise Conflict(
            _("This idempotency key was already used for another comment."),
            field="idempotency_key",
        )
    try:
        same_text = validation.comment_body(draft.body, 10**9) == existing.body_src
    except InvalidInput:
        same_text = False
    if not same_text and existing.edited_at is None:
        # The draft changed after a send whose answer was lost: say so, lose nothing.
        raise Conflict(
            _(
                "An earlier version of this comment was already posted. "
                "Send again to post this text as a new comment."
            ),
            field="idempotency_key",
        )
    return existing


def mentions(s: Session, body: str, base: str) -> Mentions:
    """Which `@handle`s of a body name members now: one query for all of them."""
    keys = mention_candidates(body)
    found: dict[str, Member] = {}
    if keys:
        rows = s.execute(
            select(User.id, User.handle, User.handle_key).where(User.handle_key.in_(keys))
        )
        found = {key: Member(uid, handle) for uid, handle, key in rows}
    return Mentions(base, found)
