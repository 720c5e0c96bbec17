"""Reading a thread as one viewer may see it: the store reads, the policy filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

from veche.domain import paths
from veche.domain.enums import CommentStatus
from veche.domain.errors import InvalidInput, NotFound
from veche.i18n import gettext as _
from veche.service import policy
from veche.service.runtime import Runtime
from veche.store import reactions, threads
from veche.store.models import Comment, Story

MAX_PATH = paths.SEGMENT * (paths.MAX_DEPTH + 1)
# The Featured tab lists at most this many staff picks; its label counts to one more ("50+").
FEATURED_LIMIT = 50


def check_cursor(value: str | None, field: str, max_length: int = 255) -> None:
    """Cursors are paths: base-36 digits and nothing else, so they never reach SQL oddly."""
    if value is not None and (
        len(value) > max_length or not value.isascii() or not value.isalnum()
    ):
        raise InvalidInput(_("The page cursor is not valid."), field=field)


Grant = Literal["edit", "delete", "remove", "moderate"]


@dataclass(frozen=True)
class OverlayFacts:
    """What one viewer may do on a page of the shared body, and what it leaves out for them."""

    grants: dict[int, tuple[Grant, ...]]  # comment id → ("edit", "delete", "remove")
    granted: list[Comment]
    held: list[Comment]  # their own held comments (a moderator: all), not in the shared body
    quoted: dict[int, Comment]
    # Removed comments on screen that this viewer sees more of than the placeholder: their
    # own (with the moderator's reason), or any, for a moderator (the words, marked).
    removed: list[Comment] = field(default_factory=list)
    reacted: set[int] = field(default_factory=set)  # the listed comments they reacted to


def grants_of(c: Comment, story: Story, who: policy.Who, now: dt.datetime) -> tuple[Grant, ...]:
    names: list[Grant] = []
    if policy.can_edit(c, story, who, now):
        names.append("edit")
    if policy.can_delete(c, who):
        names.append("delete")
    if policy.can_remove(c, who):
        names.append("remove")
    if policy.is_moderator(who):
        names.append("moderate")
    return tuple(names)


class Threads:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    @property
    def per_root(self) -> int:
        return max(1, self.rt.config.replies_per_root)

    def page(
        self,
        story: Story,
        viewer: policy.Who,
        *,
        sort: threads.Sort = threads.Sort.oldest,
        after: str | None = None,
        limit: int | None = None,
    ) -> threads.ThreadPage:
        limit = max(1, min(limit or self.rt.config.page_size, 100))
        check_cursor(after, "after")
        with self.rt.db.session(write=False) as s:
            page = threads.read_page(
                s, story, sort=sort, after=after, limit=limit, per_root=self.per_root
            )
        shown = list(policy.visible_to(page.comments, viewer))
        ids = {c.id for c in shown}
        cuts = {k: v for k, v in page.cuts.items() if k in ids}
        return threads.ThreadPage(page.story, shown, page.next_cursor, page.quoted, cuts)

    def featured(self, story: Story, viewer: policy.Who) -> threads.Featured:
        """The story's staff picks, most recently featured first, at most FEATURED_LIMIT."""
        with self.rt.db.session(write=False) as s:
            picks = threads.read_featured(s, story.id, limit=FEATURED_LIMIT)
        # Not display-ordered, so each on its own (all are published: everyone sees them).
        return replace(picks, comments=[c for c in picks.comments if policy.can_see(c, viewer)])

    def featured_count(self, story: Story) -> int:
        """For the tab's label: exact up to FEATURED_LIMIT, FEATURED_LIMIT + 1 beyond."""
        with self.rt.db.session(write=False) as s:
            return threads.count_featured(s, story.id, cap=FEATURED_LIMIT)

    def replies(
        self,
        story: Story,
        head_id: int,
        viewer: policy.Who,
        *,
        after: str | None = None,
        limit: int | None = None,
    ) -> threads.RepliesPage:
        """The continuation of a cut subtree: replies under `head_id` after the cursor."""
        check_cursor(after, "after", MAX_PATH)
        limit = max(1, min(limit or self.per_root, 100))
        with self.rt.db.session(write=False) as s:
            head = threads.get(s, head_id)
            if head is None or head.story_id != story.id:
                raise NotFound(_("There is no such comment in this discussion."))
            if after is not None and not (after.startswith(head.path) and after != head.path):
                raise InvalidInput(_("That cursor is not under this comment."), field="after")
            window = threads.read_replies(s, head, after=after, limit=limit)
        return self._visible(window, viewer)

    def permalink(self, story: Story, comment_id: int, viewer: policy.Who) -> threads.RepliesPage:
        """The block of the thread that shows one comment, with its root and ancestors."""
        with self.rt.db.session(write=False) as s:
            comment = threads.get(s, comment_id)
            if comment is None or comment.story_id != story.id:
                raise NotFound(_("There is no such comment in this discussion."))
            block = threads.read_permalink(s, comment, per_root=self.per_root)
        shown = self._visible(block, viewer)
        if comment.id != block.head.id and all(c.id != comment.id for c in shown.comments):
            raise NotFound(_("There is no such comment in this discussion."))
        if not policy.can_see(block.head, viewer):
            raise NotFound(_("There is no such comment in this discussion."))
        return shown

    @staticmethod
    def _visible(window: threads.RepliesPage, viewer: policy.Who) -> threads.RepliesPage:
        """Filter a window together with its ancestors, so replies under a held comment stay
        hidden although that comment is not in the window itself."""
        chain = {c.id for c in window.ancestors}
        seen = list(policy.visible_to([*window.ancestors, *window.comments], viewer))
        return replace(
            window,
            ancestors=[c for c in seen if c.id in chain],
            comments=[c for c in seen if c.id not in chain],
        )

    def overlay(
        self, story: Story, ids: list[int], viewer: policy.Who, now: dt.datetime
    ) -> OverlayFacts:
        """Ask the policy about each comment on the reader's screen; anonymous readers own
        nothing and moderate nothing, so their overlay costs no query."""
        if viewer.user_id is None:
            return OverlayFacts({}, [], [], {})
        mine = None if policy.is_moderator(viewer) else viewer.user_id
        statuses = [st.value for st in policy.HELD]
        with self.rt.db.session(write=False) as s:
            rows = threads.read_own(s, story.id, ids, mine)
            held = threads.read_held(s, story.id, mine, statuses, limit=20)
            removed = [c for c in rows if c.status is CommentStatus.removed]
            quoted = threads.quoted_of(s, [*held, *removed])
            reacted = reactions.reacted_among(s, viewer.user_id, ids)
        grants = {c.id: g for c in rows if (g := grants_of(c, story, viewer, now))}
        granted = [c for c in rows if c.id in grants]
        return OverlayFacts(grants, granted, held, quoted, removed, reacted)

    def one(self, comment_id: int, viewer: policy.Who) -> tuple[Comment, dict[int, Comment]]:
        """A comment as a write returns it: cheap whatever the size of its subtree."""
        with self.rt.db.session(write=False) as s:
            found = threads.read_one(s, comment_id)
        if found is None or not policy.can_see(found[0], viewer):
            raise NotFound(_("There is no such comment."))
        return found

    def card(
        self, comment_id: int, viewer: policy.Who
    ) -> tuple[Comment, Comment | None, dict[int, Comment]]:
        """What an edit or a deletion changes: the comment alone, never its replies."""
        with self.rt.db.session(write=False) as s:
            found = threads.read_card(s, comment_id)
        if found is None or not policy.can_see(found[0], viewer):
            raise NotFound(_("There is no such comment."))
        return found

    def context(self, comment_id: int, viewer: policy.Who) -> threads.CommentContext:
        with self.rt.db.session(write=False) as s:
            ctx = threads.read_context(s, comment_id, per_root=self.per_root)
        if ctx is None or not policy.can_see(ctx.comment, viewer):
            raise NotFound(_("There is no such comment."))
        subtree = list(policy.visible_to(ctx.subtree, viewer))
        return replace(ctx, subtree=subtree)
