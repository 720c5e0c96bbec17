"""Every change to a comment, through one pipeline: validate → render → score → store → publish.

Create, reply, edit, delete, a moderator's removal and import differ only in what they
validate; each opens its store transaction after the slow work is done, writes the row, its
events and counters in it, and publishes the new seq once the commit has succeeded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from veche.domain import validation
from veche.domain.enums import CommentStatus
from veche.domain.errors import AuthRequired, Conflict
from veche.domain.mentions import Mentions
from veche.domain.moderation import ModerationSettings
from veche.i18n import gettext as _
from veche.security.ratelimit import client_bucket
from veche.service import drafts, pipeline, policy
from veche.service.drafts import Draft, QuoteRequest
from veche.service.found import comment_of, for_write, last_seq, refuse, story_of
from veche.service.runtime import Runtime, Viewer
from veche.store import comments as store
from veche.store import moderation as moderation_store
from veche.store.models import Comment, Event, Story

__all__ = ["Comments", "Draft", "Posted", "QuoteRequest"]


@dataclass(frozen=True)
class _Checked:
    """A draft that passed validation, before rendering."""

    body: str
    parent: Comment | None
    quote: store.NewQuote | None
    quoted: dict[int, Comment] = field(default_factory=dict)  # the quoted comment, by id
    mentions: Mentions | None = None  # the @handles that name members, resolved here


@dataclass(frozen=True)
class ImportChecked:
    """An imported draft that passed validation (Comments.import_check)."""

    checked: _Checked


@dataclass(frozen=True)
class Posted:
    """What a create did. A new comment comes with the story and quote source it was
    validated against, so it can be shown without reading it back."""

    comment: Comment
    created: bool
    story: Story | None = None
    quoted: dict[int, Comment] = field(default_factory=dict)


def author_facts(s: Session, viewer: Viewer, settings: ModerationSettings) -> pipeline.AuthorFacts:
    """Read in the validate transaction; the approved count is asked only up to the bar."""
    user = viewer.user
    if user is None:
        return pipeline.AuthorFacts(f"guest:{client_bucket(viewer.ip)}")
    staff = policy.is_moderator(viewer)
    new = not staff and (
        moderation_store.approved_count(s, user.id, settings.premod_approved)
        < settings.premod_approved
    )
    return pipeline.AuthorFacts(
        f"u{user.id}", new=new, premoderated=user.premoderated,
        shadow_banned=user.shadow_banned, staff=staff,
    )  # fmt: skip


class Comments:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def create(self, story_id: int, draft: Draft, viewer: Viewer) -> tuple[Comment, bool]:
        """Returns (comment, created); a replayed idempotency key returns the first comment."""
        posted = self.post(story_id, draft, viewer)
        return posted.comment, posted.created

    def post(self, story_id: int, draft: Draft, viewer: Viewer) -> Posted:
        """`create`, with what a new comment was validated against."""
        key = drafts.check_key(draft.idempotency_key)
        now = self.rt.clock()
        with self.rt.db.session(write=False) as s:
            if key:
                replayed = drafts.replay(s, key, draft, viewer, story_id)
                if replayed is not None:
                    return Posted(replayed, False)
            who = str(viewer.user_id) if viewer.user_id else client_bucket(viewer.ip)
            self.rt.limiter.hit(self.rt.config.rate_limit_writes, "comment", who)
            refuse(policy.ban_refusal(viewer.user, now))
            story = story_of(s, story_id)
            if not story.is_open:
                raise Conflict(_("This discussion is closed to new comments."))
            if viewer.user is None and not policy.guests_allowed(story):
                raise AuthRequired(_("Sign in to leave a comment."))
            guest = None if viewer.user else drafts.guest_name(s, draft.guest_name)
            checked = self._check(s, story, draft, importing=False)
            settings = ModerationSettings.from_stored(story.site.moderation)
            author = author_facts(s, viewer, settings)
        new = self._prepared(
            story, checked, author_id=viewer.user_id, guest_name=guest, created_at=now, key=key,
            settings=settings, author=author, typing_seconds=draft.typing_seconds,
        )  # fmt: skip
        try:
            comment, event = self.rt.db.write(lambda s: store.insert(s, new))
        except IntegrityError:
            # Two submits with one key raced; the loser returns the winner's comment.
            if not key:
                raise
            with self.rt.db.session(write=False) as s:
                replayed = drafts.replay(s, key, draft, viewer, story_id)
            if replayed is None:
                raise
            return Posted(replayed, False)
        self.rt.publish(story_id, event.seq)
        if comment.status in policy.HELD:
            self.rt.queue_changed(story.site_id)
        if comment.status is not CommentStatus.rejected:
            self.rt.screen(comment.id, comment.body_text)
        # Its author as this request knows them: the writer's session never loaded them.
        set_committed_value(comment, "author", viewer.user)
        return Posted(comment, True, story, checked.quoted)

    def import_comment(
        self,
        s: Session,
        story: Story,
        draft: Draft,
        *,
        author_id: int | None,
        guest_name: str | None,
        created_at: dt.datetime,
    ) -> tuple[Comment, Event]:
        """Importers take the same stages inside their own transaction, with the author and
        time the source recorded; they publish once, after their commit."""
        checked = self.import_check(s, story, draft)
        return self.import_write(
            s, story, checked, author_id=author_id, guest_name=guest_name, created_at=created_at
        )

    def import_check(
        self, s: Session, story: Story, draft: Draft, *, known: dict[int, Comment] | None = None
    ) -> ImportChecked:
        """The validate stage alone: it refuses before anything is written, so a bulk
        import skips a bad record without a savepoint. `known`: comments this transaction
        wrote already, by id (a reply's parent is not read back)."""
        return ImportChecked(self._check(s, story, draft, importing=True, known=known))

    def import_write(
        self,
        s: Session,
        story: Story,
        checked: ImportChecked,
        *,
        author_id: int | None,
        guest_name: str | None,
        created_at: dt.datetime,
        events: list[Event] | None = None,
    ) -> tuple[Comment, Event]:
        """Render and store a checked import: the store takes it whatever the thread's state
        (imports keep closed threads and deleted parents as their source had them).
        `events`: a bulk import collects the events there and writes them in one statement
        (store.add_events) before its commit."""
        new = self._prepared(
            story, checked.checked, author_id=author_id, guest_name=guest_name,
            created_at=created_at, key=None, importing=True,
        )  # fmt: skip
        return store.insert(s, new, importing=True, events=events)

    def import_edit(
        self, s: Session, story: Story, comment: Comment, body: str, *, now: dt.datetime
    ) -> list[Event]:
        """A re-import whose source changed a comment's text: the same render as an edit,
        kept as a revision, inside the importer's transaction."""
        body = validation.comment_body(body, story.site.max_comment_length)
        if body == comment.body_src:
            return []
        rendered = pipeline.render(body, drafts.mentions(s, body, self.rt.config.base_url))
        return store.edit(
            s, comment, body_src=rendered.body_src, body_html=rendered.body_html,
            body_text=rendered.body_text, editor_id=None, now=now,
        )  # fmt: skip

    def _check(
        self,
        s: Session,
        story: Story,
        draft: Draft,
        *,
        importing: bool,
        known: dict[int, Comment] | None = None,
    ) -> _Checked:
        body = validation.comment_body(draft.body, story.site.max_comment_length)
        parent = drafts.parent(s, story, draft.parent_id, importing=importing, known=known)
        mentions = drafts.mentions(s, body, self.rt.config.base_url)
        if draft.quote is None:
            return _Checked(body, parent, None, mentions=mentions)
        quote, source = drafts.quote_and_source(s, story, draft.quote)
        return _Checked(body, parent, quote, {source.id: source} if source else {}, mentions)

    def _prepared(
        self,
        story: Story,
        checked: _Checked,
        *,
        author_id: int | None,
        guest_name: str | None,
        created_at: dt.datetime,
        key: str | None,
        importing: bool = False,
        settings: ModerationSettings | None = None,
        author: pipeline.AuthorFacts | None = None,
        typing_seconds: float | None = None,
    ) -> store.NewComment:
        """Render and score: the slow, pure stages, outside any write transaction."""
        rendered = pipeline.render(checked.body, checked.mentions)
        settings = settings or ModerationSettings.from_stored(story.site.moderation)
        author = author or pipeline.AuthorFacts(f"u{author_id}" if author_id else "import")
        verdict = self.rt.scorer.score(
            pipeline.ScoreInput(
                story_id=story.id, author_id=author_id, guest_name=guest_name,
                text=rendered.body_text, parent_id=checked.parent.id if checked.parent else None,
                quote_text=checked.quote.text if checked.quote else None, importing=importing,
                site_id=story.site_id, body_src=rendered.body_src, settings=settings,
                author=author, typing_seconds=typing_seconds,
            )
        )  # fmt: skip
        outcome = (
            pipeline.Outcome(verdict.status, verdict.reasons)
            if importing
            else pipeline.apply_rules(verdict, author, settings)
        )
        return store.NewComment(
            story_id=story.id,
            parent_id=checked.parent.id if checked.parent else None,
            parent_path=checked.parent.path if checked.parent else "",
            author_id=author_id,
            guest_name=guest_name,
            body_src=rendered.body_src,
            body_html=rendered.body_html,
            body_text=rendered.body_text,
            created_at=created_at,
            idempotency_key=key,
            quote=checked.quote,
            status=outcome.status,
            scores=dict(verdict.scores),
            flags=list(outcome.flags),
            held_by=outcome.held_by,
        )

    def edit(self, comment_id: int, body: str, viewer: Viewer) -> Comment:
        if viewer.user is None:
            raise AuthRequired(_("Sign in to edit your comment."))
        self.rt.limiter.hit(self.rt.config.rate_limit_writes, "edit", str(viewer.user.id))
        now = self.rt.clock()
        refuse(policy.ban_refusal(viewer.user, now))
        with self.rt.db.session(write=False) as s:
            comment = comment_of(s, comment_id)
            story = story_of(s, comment.story_id)
            refuse(policy.edit_refusal(comment, story, viewer, now))
            body = validation.comment_body(body, story.site.max_comment_length)
            if body == comment.body_src:
                return comment
            mentions = drafts.mentions(s, body, self.rt.config.base_url)
        rendered = pipeline.render(body, mentions)
        verdict = self.rt.scorer.score(
            pipeline.ScoreInput(
                story_id=story.id, author_id=comment.author_id, guest_name=comment.guest_name,
                text=rendered.body_text, parent_id=comment.parent_id,
                quote_text=comment.quote_text, is_edit=True, site_id=story.site_id,
                body_src=rendered.body_src,
                settings=ModerationSettings.from_stored(story.site.moderation),
                author=pipeline.AuthorFacts(f"u{viewer.user.id}", new=False),
            )
        )  # fmt: skip
        editor = viewer.user.id

        def store_edit(s: Session) -> tuple[Comment, list[Event]]:
            locked = for_write(s, comment_id)
            refuse(policy.edit_refusal(locked, story, viewer, now))  # changed meanwhile?
            events = store.edit(
                s, locked, body_src=rendered.body_src, body_html=rendered.body_html,
                body_text=rendered.body_text, editor_id=editor, now=now,
                status=pipeline.stricter(locked.status, verdict.status),
                scores=dict(verdict.scores), flags=list(verdict.reasons),
            )  # fmt: skip
            return locked, events

        edited, events = self.rt.db.write(store_edit)
        self.rt.publish(story.id, last_seq(events))
        if edited.status in policy.HELD:
            self.rt.queue_changed(story.site_id)
        self.rt.screen(edited.id, edited.body_text)
        return edited

    def delete(self, comment_id: int, viewer: Viewer) -> Comment:
        """An author deletes their own; a moderator takes others' down with a reason, through
        service.moderation, so it is audited."""
        if viewer.user is None:
            raise AuthRequired(_("Sign in to delete your comment."))
        self.rt.limiter.hit(self.rt.config.rate_limit_writes, "delete", str(viewer.user.id))
        with self.rt.db.session(write=False) as s:
            refuse(policy.delete_refusal(comment_of(s, comment_id), viewer))
        now = self.rt.clock()

        def store_delete(s: Session) -> tuple[Comment, list[Event]]:
            comment = for_write(s, comment_id)
            refuse(policy.delete_refusal(comment, viewer))
            if comment.status in policy.GONE:
                return comment, []
            return comment, store.set_status(s, comment, CommentStatus.deleted, now)

        comment, events = self.rt.db.write(store_delete)
        self.rt.publish(comment.story_id, last_seq(events))
        return comment
