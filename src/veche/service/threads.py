"""Reading a thread as one viewer may see it: the store reads, the policy filters."""

from __future__ import annotations

from veche.domain.errors import InvalidInput, NotFound
from veche.service import policy
from veche.service.runtime import Runtime, Viewer
from veche.store import threads
from veche.store.models import Comment, Story


class Threads:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def page(
        self,
        story: Story,
        viewer: Viewer,
        *,
        sort: threads.Sort = threads.Sort.oldest,
        after: str | None = None,
        limit: int | None = None,
    ) -> threads.ThreadPage:
        limit = max(1, min(limit or self.rt.config.page_size, 100))
        if after is not None and (len(after) > 255 or not after.isalnum()):
            raise InvalidInput("The page cursor is not valid.", field="after")
        with self.rt.db.session(write=False) as s:
            page = threads.read_page(s, story, sort=sort, after=after, limit=limit)
        shown = list(policy.visible_to(page.comments, viewer))
        return threads.ThreadPage(page.story, shown, page.next_cursor, page.quoted)

    def one(self, comment_id: int, viewer: Viewer) -> tuple[Comment, dict[int, Comment]]:
        """A comment as a write returns it: cheap whatever the size of its subtree."""
        with self.rt.db.session(write=False) as s:
            found = threads.read_one(s, comment_id)
        if found is None or not policy.can_see(found[0], viewer):
            raise NotFound("There is no such comment.")
        return found

    def context(self, comment_id: int, viewer: Viewer) -> threads.CommentContext:
        with self.rt.db.session(write=False) as s:
            ctx = threads.read_context(s, comment_id)
        if ctx is None or not policy.can_see(ctx.comment, viewer):
            raise NotFound("There is no such comment.")
        subtree = list(policy.visible_to(ctx.subtree, viewer))
        return threads.CommentContext(ctx.ancestors, ctx.comment, subtree, ctx.quoted)
