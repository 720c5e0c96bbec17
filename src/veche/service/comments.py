"""The comment write path: validate, then store with its event."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veche.domain import paths, validation
from veche.domain.enums import CommentStatus, QuoteSource
from veche.domain.errors import AuthRequired, Conflict, Forbidden, InvalidInput, NotFound
from veche.domain.markup import clean_text, html_to_text, render_markdown
from veche.domain.quotes import verify
from veche.security.ratelimit import client_bucket
from veche.service import policy
from veche.service.runtime import Runtime, Viewer
from veche.store import comments as store
from veche.store import threads
from veche.store.accounts import user_by_handle_key
from veche.store.models import Comment, Story

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


class Comments:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    # -- writes ---------------------------------------------------------------------------

    def create(self, story_id: int, draft: Draft, viewer: Viewer) -> tuple[Comment, bool]:
        """Returns (comment, created); a replayed idempotency key returns the first comment."""
        key = self._check_key(draft.idempotency_key)
        if key:
            replay = self._replay(key, draft, viewer, story_id)
            if replay is not None:
                return replay, False
        who = str(viewer.user.id) if viewer.user else client_bucket(viewer.ip)
        self.rt.limiter.hit(self.rt.config.rate_limit_writes, "comment", who)
        try:
            with self.rt.db.session() as s:
                store.lock_story(s, story_id)
                story = self._story(s, story_id)
                if viewer.user is None and not policy.guests_allowed(story):
                    raise AuthRequired("Sign in to leave a comment.")
                guest = None if viewer.user else self._guest_name(s, draft.guest_name)
                comment = self._write(
                    s,
                    story,
                    draft,
                    author_id=viewer.user.id if viewer.user else None,
                    guest_name=guest,
                    created_at=self.rt.clock(),
                    key=key,
                )
        except IntegrityError:
            # Two submits with one key raced; the loser returns the winner's comment.
            replay = self._replay(key, draft, viewer, story_id) if key else None
            if replay is None:
                raise
            return replay, False
        return comment, True

    def _guest_name(self, s: Session, name: str | None) -> str:
        """A guest may pick a name, but not a member's: that would be impersonation."""
        chosen = validation.display_name(name) or "guest"
        if chosen.casefold() != "guest":
            key = validation.handle_key(chosen)
            if len(key) <= validation.HANDLE_MAX + 10 and user_by_handle_key(s, key):
                raise Conflict(
                    "That name belongs to a member. Sign in, or choose another name.",
                    field="guest_name",
                )
        return chosen

    def import_comment(
        self,
        s: Session,
        story: Story,
        draft: Draft,
        *,
        author_id: int | None,
        guest_name: str | None,
        created_at: dt.datetime,
    ) -> Comment:
        """Importers take the same path, with the author and time the source recorded."""
        return self._write(
            s, story, draft, author_id=author_id, guest_name=guest_name,
            created_at=created_at, key=None, importing=True,
        )  # fmt: skip

    def _write(
        self,
        s: Session,
        story: Story,
        draft: Draft,
        *,
        author_id: int | None,
        guest_name: str | None,
        created_at: dt.datetime,
        key: str | None,
        importing: bool = False,
    ) -> Comment:
        if not story.is_open and not importing:
            raise Conflict("This discussion is closed to new comments.")
        body = validation.comment_body(draft.body, story.site.max_comment_length)
        parent = None
        if draft.parent_id is not None:
            parent = threads.get(s, draft.parent_id)
            if parent is None:
                raise InvalidInput(
                    "The comment you are replying to does not exist.", field="parent_id"
                )
            if parent.story_id != story.id:
                raise InvalidInput(
                    "You can only reply to a comment in this story's discussion.", field="parent_id"
                )
            if parent.status is not CommentStatus.visible and not importing:
                raise Conflict(
                    "That comment was deleted; it cannot be replied to.", field="parent_id"
                )
            if parent.depth + 1 > paths.MAX_DEPTH:
                raise InvalidInput(
                    "This thread is nested too deeply; reply to a comment higher up.",
                    field="parent_id",
                )
        quote = self._quote(s, story, draft.quote) if draft.quote else None
        html = render_markdown(body)
        text = html_to_text(html)
        if not text:
            raise InvalidInput("The comment is empty.", field="body")
        return store.insert(
            s,
            store.NewComment(
                story_id=story.id,
                parent=parent,
                author_id=author_id,
                guest_name=guest_name,
                body_src=body,
                body_html=html,
                body_text=text,
                created_at=created_at,
                idempotency_key=key,
                quote=quote,
            ),
        )

    def _quote(self, s: Session, story: Story, q: QuoteRequest) -> store.NewQuote:
        text = clean_text(validation.reject_nul(q.text, "quote"))
        if not text:
            raise InvalidInput("The quote is empty.", field="quote")
        if len(text) > QUOTE_MAX:
            raise InvalidInput(f"A quote is at most {QUOTE_MAX} characters.", field="quote")
        if q.source is QuoteSource.story:
            state = verify(text, story.body_text or story.title)
            return store.NewQuote(QuoteSource.story, None, text, state)
        source = threads.get(s, q.comment_id) if q.comment_id is not None else None
        if source is None or source.story_id != story.id:
            raise InvalidInput("The quoted comment is not in this discussion.", field="quote")
        if source.status is not CommentStatus.visible:
            raise Conflict("The quoted comment was deleted.", field="quote")
        return store.NewQuote(QuoteSource.comment, source.id, text, verify(text, source.body_text))

    def _check_key(self, key: str | None) -> str | None:
        if key is None or key == "":
            return None
        if not _KEY.match(key):
            raise InvalidInput(
                "The idempotency key must be 8 to 80 letters, digits, dashes or underscores.",
                field="idempotency_key",
            )
        return key

    def _replay(self, key: str, draft: Draft, viewer: Viewer, story_id: int) -> Comment | None:
        """The first comment made with this key — if this is truly the same submission."""
        with self.rt.db.session(write=False) as s:
            existing = threads.by_idempotency_key(s, key)
        if existing is None:
            return None
        same_author = existing.author_id == (viewer.user.id if viewer.user else None)
        if not same_author or existing.story_id != story_id:
            raise Conflict(
                "This idempotency key was already used for another comment.",
                field="idempotency_key",
            )
        try:
            same_text = validation.comment_body(draft.body, 10**9) == existing.body_src
        except InvalidInput:
            same_text = False
        if not same_text and existing.edited_at is None:
            # The draft changed after a send whose answer was lost: say so, lose nothing.
            raise Conflict(
                "An earlier version of this comment was already posted. "
                "Send again to post this text as a new comment.",
                field="idempotency_key",
            )
        return existing

    def edit(self, comment_id: int, body: str, viewer: Viewer) -> Comment:
        if viewer.user is None:
            raise AuthRequired("Sign in to edit your comment.")
        self.rt.limiter.hit(self.rt.config.rate_limit_writes, "edit", str(viewer.user.id))
        now = self.rt.clock()
        with self.rt.db.session() as s:
            comment = self._own(s, comment_id, viewer, "edit")
            story = self._story(s, comment.story_id)
            window = dt.timedelta(seconds=story.site.edit_window_seconds)
            if now - comment.created_at > window:
                minutes = story.site.edit_window_seconds // 60
                raise Forbidden(f"Comments can only be edited within {minutes} minutes of posting.")
            body = validation.comment_body(body, story.site.max_comment_length)
            if body != comment.body_src:
                html = render_markdown(body)
                store.edit(
                    s, comment, body_src=body, body_html=html, body_text=html_to_text(html),
                    editor_id=viewer.user.id, now=now,
                )  # fmt: skip
        return comment

    def delete(self, comment_id: int, viewer: Viewer) -> Comment:
        """An author deletes their own; a moderator's removal is recorded as such."""
        if viewer.user is None:
            raise AuthRequired("Sign in to delete your comment.")
        self.rt.limiter.hit(self.rt.config.rate_limit_writes, "delete", str(viewer.user.id))
        with self.rt.db.session() as s:
            comment = store.get_for_write(s, comment_id)
            if comment is None:
                raise NotFound("There is no such comment.")
            own = comment.author_id == viewer.user.id
            if not own and not viewer.is_moderator:
                raise Forbidden("You can only delete your own comments.")
            if comment.status in (CommentStatus.deleted, CommentStatus.removed):
                return comment
            status = CommentStatus.deleted if own else CommentStatus.removed
            store.set_status(s, comment, status)
        return comment

    def remove(self, comment_id: int, viewer: Viewer) -> Comment:
        if not viewer.is_moderator:
            raise Forbidden("Only moderators can remove comments.")
        assert viewer.user is not None
        self.rt.limiter.hit(self.rt.config.rate_limit_writes, "remove", str(viewer.user.id))
        with self.rt.db.session() as s:
            comment = store.get_for_write(s, comment_id)
            if comment is None:
                raise NotFound("There is no such comment.")
            if comment.status is not CommentStatus.removed:
                store.set_status(s, comment, CommentStatus.removed)
        return comment

    def _own(self, s: Session, comment_id: int, viewer: Viewer, verb: str) -> Comment:
        comment = store.get_for_write(s, comment_id)
        if comment is None:
            raise NotFound("There is no such comment.")
        if viewer.user is None or comment.author_id != viewer.user.id:
            raise Forbidden(f"You can only {verb} your own comments.")
        if comment.status is not CommentStatus.visible:
            raise Conflict(f"A deleted comment cannot be {verb}ed.")
        return comment

    def _story(self, s: Session, story_id: int) -> Story:
        story = s.get(Story, story_id)
        if story is None:
            raise NotFound("There is no such story.")
        return story
