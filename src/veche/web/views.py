"""Comments as a reader sees them: one presentation for pages, fragments and the JSON API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from veche.domain import paths
from veche.domain.enums import CommentStatus, QuoteSource, QuoteState, Role
from veche.domain.presence import is_online
from veche.i18n import N_
from veche.i18n import gettext as _
from veche.service import policy
from veche.store.models import Comment, Story, User
from veche.store.threads import CommentContext, Cut, RepliesPage

# Marked for the catalog; translated (`_()`) when a view is made, in the request's language.
PLACEHOLDERS = {
    CommentStatus.deleted: N_("The comment was deleted."),
    CommentStatus.removed: N_("The comment was removed by a moderator."),
}
QUOTE_STATES = {
    QuoteState.verified: N_("verified"),
    QuoteState.out_of_context: N_("out of context — the whole sentence says otherwise"),
    QuoteState.too_short: N_("too short to check"),
    QuoteState.altered: N_("altered — not what the source says"),
    QuoteState.source_edited: N_("source edited since"),
    QuoteState.source_deleted: N_("source deleted"),
}
# Whose doing it is that a quoted comment's words are gone.
QUOTE_GONE = {
    CommentStatus.deleted: N_("The quoted comment was deleted by its author."),
    CommentStatus.removed: N_("The quoted comment was removed by a moderator."),
}
QUOTE_GONE_STATE = {
    CommentStatus.deleted: N_("source deleted by its author"),
    CommentStatus.removed: N_("source removed by a moderator"),
}
QUOTE_HELD = N_("The quoted comment is not shown.")
_MATCHING = frozenset({QuoteState.verified, QuoteState.out_of_context})


# States a moderator's reason explains to the author.
_DECIDED = frozenset({CommentStatus.rejected, CommentStatus.removed})


@dataclass(frozen=True)
class _Everyone:
    """The reader a shared, cacheable body is rendered for: signed in as nobody. Any visible
    comment takes replies (whether *you* may reply is the overlay's `can_comment`); it owns
    nothing, moderates nothing and sees no held comment."""

    user_id: int | None = 0  # no comment has author 0
    role: Role | None = None


EVERYONE = _Everyone()
# Nesting is capped only here, when displaying: deeper replies sit beside their parent.
PAGE_DEPTH = 8
API_DEPTH = 32


@dataclass
class AuthorView:
    handle: str
    display_name: str | None
    guest: bool
    online: bool
    role: str | None


@dataclass
class QuoteView:
    source: str
    comment_id: int | None
    label: str  # "Quote: <handle>" or the story title
    href: str
    text: str | None  # None once the source is deleted or removed: its words stay gone
    state: str
    state_label: str
    coverage: int | None  # percent of the source's words, while verified or out_of_context
    placeholder: str | None  # instead of the text, once it is gone


@dataclass
class MoreView:
    """The continuation of a cut subtree: replies under `head_id` after `cursor`."""

    head_id: int
    count: int
    cursor: str
    href: str  # the hosted page, for readers without JavaScript
    api_href: str

    def as_json(self) -> dict[str, Any]:
        return {"count": self.count, "cursor": self.cursor, "href": self.api_href}


def more_view(story_id: int, cut: Cut) -> MoreView:
    q = f"replies={cut.head_id}&after={cut.after}"
    return MoreView(
        cut.head_id, cut.count, cut.after,
        f"/stories/{story_id}?{q}#c{cut.head_id}",
        f"/api/v1/stories/{story_id}/comments/{cut.head_id}/replies?after={cut.after}",
    )  # fmt: skip


@dataclass
class CommentView:
    id: int
    story_id: int
    parent_id: int | None
    number: tuple[int, ...]
    depth: int
    status: str
    placeholder: str | None
    author: AuthorView | None
    created_at: dt.datetime
    edited_at: dt.datetime | None
    body_html: str | None
    body_src: str | None  # only for its own author, to prefill an edit
    quote: QuoteView | None
    can_edit: bool
    can_delete: bool
    can_moderate: bool
    can_reply: bool
    # For its author and moderators only: why a moderator decided as they did; for
    # moderators: what it is held for, and the state readers cannot see.
    mod_reason: str | None = None
    flags: list[str] = field(default_factory=list)
    featured: bool = False
    version: int = 0  # the decisions made on it: a moderator's form sends it back
    replies: list[CommentView] = field(default_factory=list)
    level: int = 0  # display nesting, capped; depth stays the truth
    reply_to: str | None = None  # shown when the cap put this beside its parent
    more: MoreView | None = None  # set on the comment whose replies this page cut
    reactions: int = 0  # readers' reactions ("respect"); whether one is mine: the overlay

    @property
    def href(self) -> str:
        return comment_href(self.story_id, self.id)

    @property
    def page(self) -> str:
        """The permalink page without its anchor, for ?reply= / ?edit= links."""
        return f"/stories/{self.story_id}/comments/{self.id}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "story_id": self.story_id,
            "parent_id": self.parent_id,
            "number": list(self.number),
            "depth": self.depth,
            "status": self.status,
            "placeholder": self.placeholder,
            "author": None if self.author is None else vars(self.author),
            "created_at": self.created_at.isoformat(),
            "edited_at": self.edited_at.isoformat() if self.edited_at else None,
            "body_html": self.body_html,
            "body_markdown": self.body_src,
            "quote": None if self.quote is None else vars(self.quote),
            "can_edit": self.can_edit,
            "can_delete": self.can_delete,
            "can_reply": self.can_reply,
            "mod_reason": self.mod_reason,
            "flags": self.flags,
            "featured": self.featured,
            "reply_to": self.reply_to,
            "replies": [r.as_json() for r in self.replies],
            "more_replies": None if self.more is None else self.more.as_json(),
            "reactions": self.reactions,
        }


def author_view(user: User | None, guest_name: str | None, now: dt.datetime) -> AuthorView:
    if user is None:
        return AuthorView(guest_name or "guest", None, True, False, None)
    online = is_online(user.last_seen_at, now) and not user.hide_presence
    return AuthorView(user.handle, user.display_name, False, online, user.role.value)


def story_href(story: Story) -> str:
    return f"/stories/{story.id}"


def comment_href(story_id: int, comment_id: int) -> str:
    """The permalink: the page that shows this comment, whatever page it would fall on."""
    return f"/stories/{story_id}/comments/{comment_id}#c{comment_id}"


def _quote_view(c: Comment, story: Story, quoted: dict[int, Comment]) -> QuoteView | None:
    if c.quote_source is None or c.quote_text is None or c.quote_state is None:
        return None
    text: str | None = c.quote_text
    state_label, placeholder = _(QUOTE_STATES[c.quote_state]), None
    of_story = c.quote_source is QuoteSource.story
    if of_story:
        label, href = story.title, story_href(story) + "#article"
    else:
        source = quoted.get(c.quote_comment_id or 0)
        shown = source is not None and source.status is CommentStatus.visible
        who = display_name(source) if source is not None and shown else _("deleted comment")
        label = _("Quote: %(author)s") % {"author": who}
        href = comment_href(story.id, c.quote_comment_id or 0)
        if not shown:
            status = source.status if source is not None else None
            text = None
            placeholder = _(QUOTE_GONE[status]) if status in QUOTE_GONE else _(QUOTE_HELD)
            if status in QUOTE_GONE_STATE and c.quote_state is QuoteState.source_deleted:
                state_label = _(QUOTE_GONE_STATE[status])
    coverage = c.quote_coverage if c.quote_state in _MATCHING else None
    if coverage is not None and c.quote_state is QuoteState.verified:
        if of_story:
            part = _("%(coverage)s%% of the story") % {"coverage": coverage}
        else:
            part = _("%(coverage)s%% of the comment") % {"coverage": coverage}
        state_label = f"{state_label} · {part}"
    return QuoteView(
        c.quote_source.value, c.quote_comment_id, label, href, text,
        c.quote_state.value, state_label, coverage, placeholder,
    )  # fmt: skip


# What an author is told when the scorers, not a person, refused their comment: the kind of
# rule, never the exact word or score (which would teach a spammer the threshold).
_AUTOMATIC = (
    ("banned word", N_("Not published automatically: it contains a word this site does not allow")),
    ("abuse", N_("Not published automatically: it reads as abusive")),
    ("spam", N_("Not published automatically: it looks like spam")),
)


def automatic(reason: str | None) -> bool:
    """Is this the scorers' reason (in the language in force), not a moderator's?"""
    return reason is not None and any(reason == _(said) for _prefix, said in _AUTOMATIC)


def decision_reason(c: Comment) -> str | None:
    if c.mod_reason or c.decided_by is not None:
        return c.mod_reason
    for prefix, said in _AUTOMATIC:
        if any(f.startswith(prefix) for f in c.flags or ()):
            return _(said)
    return None


def display_name(c: Comment) -> str:
    """How a comment's author is named in quotes of it."""
    if c.author is not None:
        return c.author.handle
    if not c.guest_name or c.guest_name == "guest":
        return _("guest")
    return _("%(name)s (guest)") % {"name": c.guest_name}


def comment_view(
    c: Comment, story: Story, quoted: dict[int, Comment], viewer: policy.Who, now: dt.datetime
) -> CommentView:
    mine = policy.is_own(c, viewer)
    moderator = policy.is_moderator(viewer)
    # A moderator sees what a moderator removed, marked; readers see the placeholder.
    gone = c.status in policy.GONE and not (moderator and c.status is CommentStatus.removed)
    status = c.status
    if status is CommentStatus.shadowed and not moderator:
        status = CommentStatus.visible  # its author must not learn of the shadow ban
    return CommentView(
        id=c.id,
        story_id=c.story_id,
        parent_id=c.parent_id,
        number=paths.ordinals(c.path),
        depth=c.depth,
        status=status.value,
        placeholder=_(PLACEHOLDERS[c.status]) if c.status in PLACEHOLDERS else None,
        author=None if gone else author_view(c.author, c.guest_name, now),
        created_at=c.created_at,
        edited_at=None if gone else c.edited_at,
        body_html=None if gone else c.body_html,
        body_src=c.body_src if mine and not gone else None,
        quote=None if gone else _quote_view(c, story, quoted),
        mod_reason=decision_reason(c) if (mine or moderator) and c.status in _DECIDED else None,
        flags=list(c.flags or ()) if moderator else [],
        featured=c.featured_at is not None and c.status is CommentStatus.visible,
        can_edit=policy.can_edit(c, story, viewer, now),
        can_delete=policy.can_delete(c, viewer),
        can_moderate=moderator,
        version=c.mod_version,
        can_reply=policy.can_reply(c, story, viewer),
        reactions=c.reactions,
    )


def build_tree(
    comments: list[Comment],
    story: Story,
    quoted: dict[int, Comment],
    viewer: policy.Who,
    now: dt.datetime,
    *,
    max_level: int = PAGE_DEPTH,
) -> list[CommentView]:
    """Nest a display-ordered flat list by parent_id; a comment whose parent is not in the
    list (a subtree read on its own) becomes a root. Past `max_level` replies are listed
    beside their parent, marked with whom they answer, so no thread is too deep to show."""
    roots: list[CommentView] = []
    index: dict[int, CommentView] = {}
    holder_of: dict[int, CommentView | None] = {}
    for c in comments:
        view = comment_view(c, story, quoted, viewer, now)
        parent = index.get(c.parent_id) if c.parent_id is not None else None
        holder: CommentView | None = parent
        if parent is not None and parent.level + 1 >= max_level:
            holder = holder_of[parent.id]
            view.reply_to = parent.author.handle if parent.author else "a deleted comment"
        view.level = 0 if holder is None else holder.level + 1
        (roots if holder is None else holder.replies).append(view)
        holder_of[c.id] = holder
        index[c.id] = view
    return roots


def card_view(
    c: Comment,
    parent: Comment | None,
    story: Story,
    quoted: dict[int, Comment],
    viewer: policy.Who,
    now: dt.datetime,
    *,
    max_level: int = PAGE_DEPTH,
) -> CommentView:
    """One comment levelled as build_tree would level it: on a thread every ancestor of a
    shown comment is shown, so its display level depends on its depth alone."""
    view = comment_view(c, story, quoted, viewer, now)
    view.level = min(c.depth, max_level - 1)
    if c.depth >= max_level and parent is not None:
        gone = parent.status in policy.GONE
        view.reply_to = (
            "a deleted comment"
            if gone
            else author_view(parent.author, parent.guest_name, now).handle
        )
    return view


def find_node(tree: list[CommentView], comment_id: int) -> CommentView | None:
    stack = list(tree)
    while stack:
        node = stack.pop()
        if node.id == comment_id:
            return node
        stack.extend(node.replies)
    return None


def context_views(
    ctx: CommentContext, story: Story, viewer: policy.Who, now: dt.datetime, *, max_level: int
) -> tuple[list[CommentView], CommentView]:
    """A comment with its replies, levelled and capped exactly as in the whole thread (its
    ancestors are read for that), plus the ancestors themselves without their replies."""
    tree = build_tree(
        [*ctx.ancestors, ctx.comment, *ctx.subtree], story, ctx.quoted, viewer, now,
        max_level=max_level,
    )  # fmt: skip
    node = find_node(tree, ctx.comment.id)
    assert node is not None
    ancestors = [find_node(tree, a.id) for a in ctx.ancestors]
    return [replace(a, replies=[]) for a in ancestors if a is not None], node


def attach_cuts(tree: list[CommentView], cuts: dict[int, Cut]) -> None:
    """The continuation hangs on the comment whose range was cut (a top-level one on pages)."""
    for head_id, cut in cuts.items():
        node = find_node(tree, head_id)
        if node is not None:
            node.more = more_view(node.story_id, cut)


@dataclass
class WindowViews:
    """A window of replies as the reader's screen needs it.

    `tree` is the root with the chain down to the window, for a page of its own; `groups`
    are the window's comments under the comment they belong in (all already on screen), in
    screen order, for placing them; `forest` is the same nodes in display order, for JSON."""

    tree: list[CommentView]
    groups: list[tuple[int, list[CommentView]]]
    forest: list[CommentView]
    more: MoreView | None


def window_views(
    window: RepliesPage, story: Story, viewer: policy.Who, now: dt.datetime, *, max_level: int
) -> WindowViews:
    chain = window.ancestors or [window.head]
    tree = build_tree(
        [*chain, *window.comments], story, window.quoted, viewer, now, max_level=max_level
    )
    more = None
    if window.cut is not None:
        more = more_view(story.id, window.cut)
        attach_cuts(tree, {window.head.id: window.cut})
    chain_ids = {c.id for c in chain}
    groups: list[tuple[int, list[CommentView]]] = []
    placed: dict[int, CommentView] = {}
    for a in chain:
        node = find_node(tree, a.id)
        if node is None:
            continue
        fresh = [r for r in node.replies if r.id not in chain_ids]
        if fresh:
            groups.append((a.id, fresh))
            placed.update((r.id, r) for r in fresh)
    forest = [placed[c.id] for c in window.comments if c.id in placed]
    return WindowViews(tree, groups, forest, more)
