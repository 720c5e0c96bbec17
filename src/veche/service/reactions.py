"""A reader's reaction ("respect") to a comment: set or taken back, one per reader and
comment, through the group writer, then published so every page's count moves live."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from veche.domain.errors import AuthRequired, NotFound
from veche.i18n import gettext as _
from veche.service import policy
from veche.service.found import comment_of, for_write, refuse
from veche.service.runtime import Runtime, Viewer
from veche.store import reactions as store
from veche.store.models import Event


@dataclass(frozen=True)
class ReactionState:
    """What a reader's page shows after their click: the count and whether it is theirs."""

    comment_id: int
    count: int
    reacted: bool


def _refusal(c: policy.CommentFacts, who: Viewer, on: bool) -> policy.Refusal | None:
    """Taking a reaction back is allowed whatever became of the comment since, as long as
    the reader may still see it."""
    if on:
        return policy.reaction_refusal(c, who)
    if not policy.can_see(c, who):
        return policy.Refusal(NotFound, _("There is no such comment."))
    return None


class Reactions:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def react(self, comment_id: int, viewer: Viewer, on: bool) -> ReactionState:
        """Idempotent both ways: setting what is already set changes and publishes nothing.
        Refused before the writer (cheap), and again under the story's lock (a comment
        deleted or held meanwhile)."""
        user = viewer.user
        if user is None:
            raise AuthRequired(_("Sign in to react to comments."))
        # Per member only: every reactor is signed in (sign-ups are limited per address),
        # and a newsroom's readers behind one address must not share one budget.
        self.rt.limiter.hit(self.rt.config.rate_limit_reactions, "reaction", str(user.id))
        now = self.rt.clock()
        refuse(policy.ban_refusal(user, now))
        with self.rt.db.session(write=False) as s:
            refuse(_refusal(comment_of(s, comment_id), viewer, on))

        def store_reaction(s: Session) -> tuple[ReactionState, int, Event | None]:
            comment = for_write(s, comment_id)
            refuse(_refusal(comment, viewer, on))
            event = store.set_reaction(s, comment, user.id, on, now)
            state = ReactionState(comment.id, comment.reactions, on)
            return state, comment.story_id, event

        state, story_id, event = self.rt.db.write(store_reaction)
        if event is not None:
            self.rt.publish(story_id, event.seq)
        return state

    def reacted(self, user_id: int | None, ids: list[int]) -> set[int]:
        """Which of the comments on a reader's screen they reacted to (the overlay)."""
        if user_id is None or not ids:
            return set()
        with self.rt.db.session(write=False) as s:
            return store.reacted_among(s, user_id, ids)
