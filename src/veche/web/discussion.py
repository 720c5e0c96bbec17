"""The template context of a rendered discussion, for one viewer or shared by everyone."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from fastapi import Request

from veche.domain.enums import CommentStatus
from veche.domain.errors import InvalidInput
from veche.domain.moderation import ModerationSettings
from veche.i18n import gettext as _
from veche.service import policy
from veche.service.reactions import Reactions
from veche.service.runtime import Viewer
from veche.service.threads import FEATURED_LIMIT, Threads
from veche.store.models import Story
from veche.store.threads import Sort
from veche.web.i18n import for_site
from veche.web.identity import csrf_token, runtime, viewer
from veche.web.templating import new_key
from veche.web.views import (
    EVERYONE,
    PAGE_DEPTH,
    CommentView,
    attach_cuts,
    build_tree,
    comment_view,
    display_name,
    find_node,
    window_views,
)


class Tab(StrEnum):
    """What the discussion lists: the thread, or the editors' picks from it."""

    all = "all"
    featured = "featured"


# The viewer a shared body's page chrome (gate, forms) is rendered for: nobody, no tokens.
ANON = Viewer(None, "")


@dataclass(frozen=True)
class HeldView:
    """One of the viewer's own comments awaiting a moderator (not in the shared body)."""

    id: int
    parent_id: int | None
    body_text: str


@dataclass
class DiscussionCtx:
    """What every comment in a rendered discussion needs to know about the page around it."""

    story: Story
    base: str
    csrf: str
    key: str
    can_comment: bool
    guest: bool
    reply_to: int | None = None  # a reply form under this comment, which is on the page
    top_parent: CommentView | None = None  # or the top form replies to one that is not
    edit_id: int | None = None
    quote: dict[str, Any] | None = None
    form_body: str = ""
    form_error: str | None = None
    held: list[HeldView] = field(default_factory=list)
    reasons: tuple[str, ...] = ()  # the site's reasons, for moderators' forms
    banned: str | None = None  # why and until when this reader may not comment
    reacted: set[int] = field(default_factory=set)  # comments this viewer reacted to


def viewer_ctx(request: Request, story: Story, base: str, *, shared: bool = False) -> DiscussionCtx:
    """The page chrome's context: the viewer's tokens, or none at all in a shared body."""
    if shared:
        return DiscussionCtx(
            story=story, base=base, csrf="", key="",
            can_comment=policy.can_comment(story, ANON), guest=True,
        )  # fmt: skip
    who = viewer(request)
    reasons = ModerationSettings.from_stored(story.site.moderation).reasons
    ban = policy.ban_refusal(who.user, runtime(request).clock())
    return DiscussionCtx(
        story=story, base=base, csrf=csrf_token(request), key=new_key(),
        can_comment=policy.can_comment(story, who) and ban is None, guest=who.user is None,
        reasons=reasons if policy.is_moderator(who) else (),
        banned=ban.message if ban else None,
    )  # fmt: skip


def discussion(
    request: Request,
    story: Story,
    *,
    sort: Sort = Sort.oldest,
    after: str | None = None,
    base: str = "",
    reply: int | None = None,
    quote: int | None = None,
    edit: int | None = None,
    form_body: str = "",
    form_error: str | None = None,
    replies: int | None = None,
    focus: int | None = None,
    tab: Tab = Tab.all,
    head: bool = True,
    shared: bool = False,
) -> dict[str, Any]:
    """Template context for a discussion; shared by hosted pages, embeds and fragments.

    With `replies` it shows the continuation of that comment's cut replies (after `after`),
    with `focus` the block that holds one comment (a permalink); on the Featured `tab` the
    story's staff picks, most recently featured first; else a page of the thread. `shared`
    renders it for everyone: no tokens, no viewer, no held comments, no controls. Without
    `head` (a "load more" page) the Featured tab's label is not counted."""
    rt = runtime(request)
    for_site(story.site.language)
    who: policy.Who = EVERYONE if shared else viewer(request)
    now = rt.clock()
    threads = Threads(rt)
    next_cursor = None
    partial = tab is Tab.all and (replies is not None or focus is not None)
    if tab is Tab.featured:
        picks = threads.featured(story, who)
        tree = [comment_view(c, story, picks.quoted, who, now) for c in picks.comments]
        shown = picks.comments
        featured = len(shown) + picks.more
    elif partial:
        if replies is not None:
            window = threads.replies(story, replies, who, after=after)
        else:
            window = threads.permalink(story, focus or 0, who)
        tree = window_views(window, story, who, now, max_level=PAGE_DEPTH).tree
        shown = [*window.ancestors, window.head, *window.comments]
    else:
        page = threads.page(story, who, sort=sort, after=after)
        tree = build_tree(page.comments, story, page.quoted, who, now)
        attach_cuts(tree, page.cuts)
        shown, next_cursor = page.comments, page.next_cursor
    if tab is Tab.all:  # the tab's label; the Featured tab counted what it read
        featured = threads.featured_count(story) if head else 0
    ctx = viewer_ctx(request, story, base, shared=shared)
    ctx.edit_id, ctx.form_body, ctx.form_error = edit, form_body, form_error
    if not shared:  # a page rendered for one viewer shows their reactions pressed
        ctx.reacted = Reactions(rt).reacted(who.user_id, [c.id for c in shown])
    if reply is not None:
        on_page = {c.id: c for c in shown}
        if reply in on_page and find_node(tree, reply) is not None:
            source, ctx.reply_to = on_page[reply], reply
        else:
            source, quoted = threads.one(reply, who)
            if source.story_id != story.id:
                raise InvalidInput(_("That comment is not in this discussion."), field="reply")
            ctx.top_parent = comment_view(source, story, quoted, who, now)
        if quote == reply and source.status is CommentStatus.visible:
            ctx.quote = {"source": "comment", "comment_id": reply, "text": source.body_text,
                         "label": f"Quote: {display_name(source)}"}  # fmt: skip
    return {
        "story": story, "tree": tree, "sort": sort.value, "next_cursor": next_cursor,
        "ctx": ctx, "base": base, "partial": partial,
        "tab": tab.value, "featured": featured, "featured_limit": FEATURED_LIMIT,
    }  # fmt: skip
