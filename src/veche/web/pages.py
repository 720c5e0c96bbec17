"""Server-rendered pages: the hosted story, the embeddable discussion, and its fragments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select

from veche.domain.enums import CommentStatus
from veche.domain.errors import InvalidInput
from veche.service import policy
from veche.service.threads import Threads
from veche.store.models import Story
from veche.store.threads import Sort
from veche.web.identity import client_ip, csrf_token, runtime, stories, viewer
from veche.web.schemas import MAX_ID, PathId, QueryId
from veche.web.templating import STATIC, new_key, render
from veche.web.views import (
    PAGE_DEPTH,
    CommentView,
    attach_cuts,
    build_tree,
    card_view,
    comment_view,
    context_views,
    display_name,
    find_node,
    more_view,
    window_views,
)

router = APIRouter(include_in_schema=False)


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
) -> dict[str, Any]:
    """Template context for a discussion; shared by hosted pages, embeds and fragments.

    With `replies` it shows the continuation of that comment's cut replies (after `after`),
    with `focus` the block that holds one comment (a permalink); else a page of the thread."""
    rt = runtime(request)
    who = viewer(request)
    now = rt.clock()
    threads = Threads(rt)
    next_cursor = None
    if replies is not None or focus is not None:
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
    ctx = DiscussionCtx(
        story=story, base=base, csrf=csrf_token(request), key=new_key(),
        can_comment=policy.can_comment(story, who), guest=who.user is None, edit_id=edit,
        form_body=form_body, form_error=form_error,
    )  # fmt: skip
    if reply is not None:
        on_page = {c.id: c for c in shown}
        if reply in on_page and find_node(tree, reply) is not None:
            source, ctx.reply_to = on_page[reply], reply
        else:
            source, quoted = Threads(rt).one(reply, who)
            if source.story_id != story.id:
                raise InvalidInput("That comment is not in this discussion.", field="reply")
            ctx.top_parent = comment_view(source, story, quoted, who, rt.clock())
        if quote == reply and source.status is CommentStatus.visible:
            ctx.quote = {"source": "comment", "comment_id": reply, "text": source.body_text,
                         "label": f"Quote: {display_name(source)}"}  # fmt: skip
    return {
        "story": story, "tree": tree, "sort": sort.value, "next_cursor": next_cursor,
        "ctx": ctx, "base": base, "partial": replies is not None or focus is not None,
    }  # fmt: skip


SortQ = Query(Sort.oldest)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    with runtime(request).db.session(write=False) as s:
        # Only stories veche hosts: embeds create stories from any page of an allowed site.
        hosted = select(Story).where(Story.body_html.is_not(None))
        rows = list(s.scalars(hosted.order_by(Story.id.desc()).limit(100)).unique())
    return render(request, "index.html", stories=rows)


# A cursor is a path: up to 201 segments of 5 characters.
AfterQ = Query(None, max_length=1024)


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(
    story_id: PathId,
    request: Request,
    sort: Sort = SortQ,
    after: str | None = AfterQ,
    reply: QueryId = None,
    quote: QueryId = None,
    edit: QueryId = None,
    replies: QueryId = None,
) -> Response:
    """The story and a page of its discussion; `?replies=<id>&after=` continues a cut
    subtree for readers without JavaScript."""
    story = stories(request).get(story_id)
    context = discussion(
        request, story, sort=sort, after=after, reply=reply, quote=quote, edit=edit,
        replies=replies,
    )  # fmt: skip
    return render(request, "story.html", **context)


@router.get("/stories/{story_id}/comments/{comment_id}", response_class=HTMLResponse)
def comment_page(
    story_id: PathId,
    comment_id: PathId,
    request: Request,
    reply: QueryId = None,
    quote: QueryId = None,
    edit: QueryId = None,
) -> Response:
    """A comment's permalink: the story with the block of the thread that shows it (its
    root, its ancestors, the comment and the replies around it), scrolled to by `#c<id>`."""
    story = stories(request).get(story_id)
    context = discussion(request, story, focus=comment_id, reply=reply, quote=quote, edit=edit)
    return render(request, "story.html", **context)


@router.get("/embed/discussion", response_class=HTMLResponse)
def embed_page(
    request: Request,
    url: str = Query(max_length=2048),
    title: str | None = Query(None, max_length=1000),
    sort: Sort = SortQ,
) -> Response:
    """The discussion alone, for a link or an iframe; the script embed is preferred."""
    story = stories(request).by_url(url, title=title, ip=client_ip(request))
    return render(request, "embed.html", **discussion(request, story, sort=sort))


@router.get("/fragments/thread", response_class=HTMLResponse)
def thread_fragment(
    request: Request,
    story_id: int | None = Query(None, alias="story", ge=1, le=MAX_ID),
    url: str | None = Query(None, max_length=2048),
    title: str | None = Query(None, max_length=1000),
    sort: Sort = SortQ,
    after: str | None = Query(None, max_length=255),
) -> Response:
    """The discussion as HTML for embed.js, or one more page of it for "load more"."""
    svc = stories(request)
    if story_id is not None:
        story = svc.get(story_id)
    elif url:
        story = svc.by_url(url, title=title, ip=client_ip(request))
    else:
        raise InvalidInput("Give a story id or a url.")
    base = runtime(request).config.base_url
    context = discussion(request, story, sort=sort, after=after, base=base)
    template = "fragment_page.html" if after else "discussion.html"
    return render(request, template, **context)


@router.get("/fragments/replies", response_class=HTMLResponse)
def replies_fragment(
    request: Request,
    story_id: int = Query(alias="story", ge=1, le=MAX_ID),
    head: int = Query(ge=1, le=MAX_ID),
    after: str | None = AfterQ,
) -> Response:
    """The continuation of a cut subtree for veche.js: each run of new replies inside an
    `<ol data-into=ID>` naming the comment on screen they go under, then the next link."""
    rt = runtime(request)
    who = viewer(request)
    story = stories(request).get(story_id)
    window = Threads(rt).replies(story, head, who, after=after)
    views = window_views(window, story, who, rt.clock(), max_level=PAGE_DEPTH)
    dctx = DiscussionCtx(
        story=story, base=rt.config.base_url, csrf=csrf_token(request), key=new_key(),
        can_comment=policy.can_comment(story, who), guest=who.user is None,
    )  # fmt: skip
    return render(request, "fragment_replies.html", groups=views.groups, more=views.more, ctx=dctx)


@router.get("/fragments/comments/{comment_id}/card", response_class=HTMLResponse)
def card_fragment(comment_id: PathId, request: Request) -> Response:
    """One comment's card without its replies: veche.js swaps it in after an edit or a
    deletion, so a change to one comment never reads or re-renders its subtree."""
    rt = runtime(request)
    who = viewer(request)
    comment, parent, quoted = Threads(rt).card(comment_id, who)
    story = stories(request).get(comment.story_id)
    view = card_view(comment, parent, story, quoted, who, rt.clock())
    dctx = DiscussionCtx(
        story=story, base=rt.config.base_url, csrf=csrf_token(request), key=new_key(),
        can_comment=policy.can_comment(story, who), guest=who.user is None,
    )  # fmt: skip
    return render(request, "fragment_card.html", comment=view, ctx=dctx)


@router.get("/fragments/comments/{comment_id}", response_class=HTMLResponse)
def comment_fragment(comment_id: PathId, request: Request) -> Response:
    """One comment with its replies, to put in place after a write."""
    rt = runtime(request)
    who = viewer(request)
    ctx = Threads(rt).context(comment_id, who)
    story = stories(request).get(ctx.comment.story_id)
    _ancestors, view = context_views(ctx, story, who, rt.clock(), max_level=PAGE_DEPTH)
    if ctx.cut is not None:
        view.more = more_view(story.id, ctx.cut)
    dctx = DiscussionCtx(
        story=story, base=rt.config.base_url, csrf=csrf_token(request), key=new_key(),
        can_comment=policy.can_comment(story, who), guest=who.user is None,
    )  # fmt: skip
    return render(request, "fragment_comment.html", comment=view, ctx=dctx)


@router.get("/embed.js")
def embed_js() -> FileResponse:
    return FileResponse(STATIC / "veche.js", media_type="text/javascript")


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", status=status, message=message)
