"""Server-rendered pages: the hosted story, the embeddable discussion, and its fragments.

A thread page without form state is a shared body (see web/shared.py): anonymous readers
get it as is, cacheable; signed-in ones get it composed with their overlay on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select

from veche.domain.errors import InvalidInput, NotFound
from veche.i18n import gettext as _
from veche.service.threads import Threads
from veche.store.models import Story
from veche.store.threads import Sort
from veche.web import shared
from veche.web.discussion import Tab, discussion, viewer_ctx
from veche.web.identity import csrf_token, runtime, stories, viewer
from veche.web.schemas import MAX_ID, PathId, QueryId
from veche.web.templating import STATIC, env, render
from veche.web.views import (
    EVERYONE,
    PAGE_DEPTH,
    card_view,
    context_views,
    more_view,
    window_views,
)

__all__ = ["discussion", "router"]

router = APIRouter(include_in_schema=False)


SortQ = Query(Sort.oldest)
TabQ = Query(Tab.all)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    with runtime(request).db.session(write=False) as s:
        # Only stories veche hosts: embeds create stories from any page of an allowed site.
        hosted = select(Story).where(Story.body_html.is_not(None))
        rows = list(s.scalars(hosted.order_by(Story.id.desc()).limit(100)).unique())
    return render(request, "index.html", stories=rows)


# A cursor is a path: up to 201 segments of 5 characters.
AfterQ = Query(None, max_length=1024)


def _page(
    request: Request,
    story: Story,
    kind: str,
    params: tuple[str, ...],
    context: Callable[[], dict[str, Any]],
) -> Response:
    """A hosted thread page: the shared body for anonymous readers (public, with an ETag),
    composed with the viewer's overlay on the server for signed-in ones (private)."""
    entry = shared.shared(
        request, story, kind, params, lambda: shared.html(request, "story.html", **context())
    )
    if shared.anonymous(request):
        return shared.respond(request, entry, vary="Cookie")
    body = entry.body.decode()
    pieces = shared.overlay_context(request, story, shared.ids_in(body), "")
    overlay = env.get_template("fragment_overlay.html").render(
        request=request, viewer=viewer(request), csrf=csrf_token(request), **pieces
    )
    headers = {"Cache-Control": "private, no-cache", "Vary": "Cookie"}
    return HTMLResponse(shared.compose(body, overlay), headers=headers)


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
    tab: Tab = TabQ,
) -> Response:
    """The story and a page of its discussion; `?replies=<id>&after=` continues a cut
    subtree for readers without JavaScript; `?tab=featured` lists the editors' picks;
    `?reply=`/`?edit=` open forms (per viewer)."""
    story = stories(request).get(story_id)
    if tab is Tab.featured:  # one list, whatever the thread's page and order
        sort, after, replies = Sort.oldest, None, None
    if reply is None and edit is None:
        params = (tab.value, sort.value, after or "", str(replies or ""))
        return _page(
            request, story, "story", params,
            lambda: discussion(
                request, story, sort=sort, after=after, replies=replies, tab=tab, shared=True
            ),
        )  # fmt: skip
    context = discussion(
        request, story, sort=sort, after=after, reply=reply, quote=quote, edit=edit,
        replies=replies, tab=tab,
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
    if reply is None and edit is None:
        try:
            return _page(
                request, story, "comment", (str(comment_id),),
                lambda: discussion(request, story, focus=comment_id, shared=True),
            )  # fmt: skip
        except NotFound:
            pass  # held from everyone else: perhaps it is the viewer's own, or they moderate
    context = discussion(request, story, focus=comment_id, reply=reply, quote=quote, edit=edit)
    return render(request, "story.html", **context)


@router.get("/embed/discussion", response_class=HTMLResponse)
def embed_page(
    request: Request,
    url: str = Query(max_length=2048),
    sort: Sort = SortQ,
    tab: Tab = TabQ,
) -> Response:
    """The discussion alone, for a link or an iframe; the script embed is preferred. Only
    for a story that exists: loading a page never creates one."""
    story = stories(request).by_url(url, create=False)
    return render(request, "embed.html", **discussion(request, story, sort=sort, tab=tab))


@router.get("/fragments/thread", response_class=HTMLResponse)
def thread_fragment(
    request: Request,
    story_id: int | None = Query(None, alias="story", ge=1, le=MAX_ID),
    url: str | None = Query(None, max_length=2048),
    sort: Sort = SortQ,
    after: str | None = Query(None, max_length=255),
    tab: Tab = TabQ,
    comment: int | None = Query(None, ge=1, le=MAX_ID),
) -> Response:
    """The discussion as HTML for embed.js, or one more page of it for "load more"; with
    `tab=featured`, the discussion showing the editors' picks (one list, never paged); with
    `comment`, the block of the thread that shows that comment, as its permalink page does
    (embed.js opens it for the publisher's page's `#veche-comment-ID`)."""
    svc = stories(request)
    if story_id is not None:
        story = svc.get(story_id)
    elif url:
        story = svc.by_url(url, create=False)
    else:
        raise InvalidInput(_("Give a story id or a url."))
    svc.check_origin(story, request.headers.get("origin"))
    base = runtime(request).config.base_url
    if tab is Tab.featured:
        sort, after = Sort.oldest, None
    if comment is not None:  # the permalink's block: one order, in the thread
        return shared.respond(
            request,
            shared.shared(
                request, story, "discussion.html", ("comment", str(comment)),
                lambda: shared.html(
                    request, "discussion.html",
                    **discussion(request, story, focus=comment, base=base, shared=True),
                ),
            ),
        )  # fmt: skip
    template = "fragment_page.html" if after else "discussion.html"
    entry = shared.shared(
        request, story, template, (tab.value, sort.value, after or ""),
        lambda: shared.html(
            request, template,
            **discussion(
                request, story, sort=sort, after=after, base=base, tab=tab, head=not after,
                shared=True,
            ),
        ),
    )  # fmt: skip
    return shared.respond(request, entry)


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
    story = stories(request).get(story_id)

    def make() -> tuple[bytes, str]:
        window = Threads(rt).replies(story, head, EVERYONE, after=after)
        views = window_views(window, story, EVERYONE, rt.clock(), max_level=PAGE_DEPTH)
        ctx = viewer_ctx(request, story, rt.config.base_url, shared=True)
        return shared.html(
            request, "fragment_replies.html", groups=views.groups, more=views.more, ctx=ctx
        )

    entry = shared.shared(request, story, "replies", (str(head), after or ""), make)
    return shared.respond(request, entry)


@router.get("/fragments/overlay", response_class=HTMLResponse)
def overlay_fragment(
    request: Request,
    story_id: int = Query(alias="story", ge=1, le=MAX_ID),
    ids: str | None = Query(None, max_length=12_000),
) -> Response:
    """The viewer's half of a shared page for veche.js: tokens, chrome, the controls the
    policy grants on `ids` (the comments on screen) and their own held comments."""
    story = stories(request).get(story_id)
    base = runtime(request).config.base_url
    return shared.overlay_response(request, story, shared.parse_ids(ids), base)


@router.get("/fragments/comments/{comment_id}/card", response_class=HTMLResponse)
def card_fragment(comment_id: PathId, request: Request) -> Response:
    """One comment's card without its replies: veche.js swaps it in after an edit or a
    deletion, so a change to one comment never reads or re-renders its subtree."""
    rt = runtime(request)
    who = viewer(request)
    comment, parent, quoted = Threads(rt).card(comment_id, who)
    story = stories(request).get(comment.story_id)
    view = card_view(comment, parent, story, quoted, who, rt.clock())
    dctx = viewer_ctx(request, story, rt.config.base_url)
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
    dctx = viewer_ctx(request, story, rt.config.base_url)
    return render(request, "fragment_comment.html", comment=view, ctx=dctx)


@router.get("/embed.js")
def embed_js() -> FileResponse:
    return FileResponse(STATIC / "veche.js", media_type="text/javascript")


@router.get("/count.js")
def count_js() -> FileResponse:
    """The comment-count widget for article lists (see README, "Comment counts")."""
    return FileResponse(STATIC / "count.js", media_type="text/javascript")


@router.get("/sw.js")
def service_worker() -> FileResponse:
    """The offline worker, from the root so that its scope covers /stories/; always
    revalidated, so a new version reaches readers on their next visit."""
    return FileResponse(
        STATIC / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"}
    )


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", status=status, message=message)
