"""/api/v1: threads and comments as JSON. Every write goes through the comment service."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from veche.domain.enums import QuoteSource
from veche.service import policy
from veche.service.comments import Comments, Draft, QuoteRequest
from veche.service.runtime import Viewer
from veche.service.threads import Threads
from veche.store.models import Comment, Story
from veche.store.threads import Sort
from veche.web.identity import check_csrf, client_ip, runtime, stories, viewer
from veche.web.schemas import (
    CommentEditIn,
    CommentIn,
    CommentOut,
    ContextOut,
    ErrorOut,
    PathId,
    PermalinkOut,
    RepliesOut,
    StoryOut,
    ThreadOut,
)
from veche.web.views import (
    API_DEPTH,
    attach_cuts,
    build_tree,
    comment_view,
    context_views,
    more_view,
    story_href,
    window_views,
)

ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422, 429)
}
router = APIRouter(prefix="/api/v1", tags=["comments"], responses=ERRORS)


def writer(request: Request, who: Viewer = Depends(viewer)) -> Viewer:
    """A write made with the session cookie must carry the page's CSRF token."""
    if request.state.via_cookie:
        check_csrf(request, request.headers.get("x-csrf-token"))
    return who


def story_out(story: Story, base_url: str) -> StoryOut:
    return StoryOut(
        id=story.id, url=story.url, title=story.title, is_open=story.is_open,
        comment_count=story.comment_count, page_url=base_url + story_href(story),
        guests_allowed=policy.guests_allowed(story),
    )  # fmt: skip


def _thread(
    request: Request, story: Story, who: Viewer, sort: Sort, after: str | None, limit: int | None
) -> ThreadOut:
    rt = runtime(request)
    page = Threads(rt).page(story, who, sort=sort, after=after, limit=limit)
    tree = build_tree(page.comments, story, page.quoted, who, rt.clock(), max_level=API_DEPTH)
    attach_cuts(tree, page.cuts)
    return ThreadOut(
        story=story_out(story, rt.config.base_url),
        sort=sort.value,
        comments=[CommentOut.model_validate(v.as_json()) for v in tree],
        next_cursor=page.next_cursor,
    )


SortQ = Query(Sort.oldest, description="Order of top-level comments; replies stay oldest first")
AfterQ = Query(None, max_length=255, description="next_cursor of the previous page")
LimitQ = Query(None, ge=1, le=100, description="Top-level comments per page")


@router.get("/stories/{story_id}/comments")
def thread(
    story_id: PathId,
    request: Request,
    sort: Sort = SortQ,
    after: str | None = AfterQ,
    limit: int | None = LimitQ,
    who: Viewer = Depends(viewer),
) -> ThreadOut:
    """A page of the thread: top-level comments, each with its first replies; a cut subtree
    says so in `more_replies`."""
    story = stories(request).get(story_id)
    return _thread(request, story, who, sort, after, limit)


@router.get("/threads")
def thread_by_url(
    request: Request,
    url: str = Query(max_length=2048),
    title: str | None = Query(None, max_length=1000),
    sort: Sort = SortQ,
    after: str | None = AfterQ,
    limit: int | None = LimitQ,
    who: Viewer = Depends(viewer),
) -> ThreadOut:
    """The thread of a publisher's page; its story is made on first sight for allowed sites."""
    story = stories(request).by_url(url, title=title, ip=client_ip(request))
    return _thread(request, story, who, sort, after, limit)


@router.get("/comments/{comment_id}")
def comment_context(
    comment_id: PathId, request: Request, who: Viewer = Depends(viewer)
) -> ContextOut:
    """One comment with its ancestors and its first replies (`more_replies` has the rest)."""
    rt = runtime(request)
    ctx = Threads(rt).context(comment_id, who)
    story = stories(request).get(ctx.comment.story_id)
    ancestors, node = context_views(ctx, story, who, rt.clock(), max_level=API_DEPTH)
    if ctx.cut is not None:
        node.more = more_view(story.id, ctx.cut)
    return ContextOut(
        story=story_out(story, rt.config.base_url),
        ancestors=[CommentOut.model_validate(a.as_json()) for a in ancestors],
        comment=CommentOut.model_validate(node.as_json()),
    )


@router.get("/stories/{story_id}/comments/{head_id}/replies")
def replies(
    story_id: PathId,
    head_id: PathId,
    request: Request,
    after: str | None = Query(None, max_length=1024, description="more_replies.cursor"),
    limit: int | None = Query(None, ge=1, le=100, description="Replies in this window"),
    who: Viewer = Depends(viewer),
) -> RepliesOut:
    """The rest of a cut subtree, in display order, `limit` replies at a time."""
    rt = runtime(request)
    story = stories(request).get(story_id)
    window = Threads(rt).replies(story, head_id, who, after=after, limit=limit)
    views = window_views(window, story, who, rt.clock(), max_level=API_DEPTH)
    more = None if views.more is None else views.more.as_json()
    return RepliesOut.model_validate(
        {"story_id": story.id, "head_id": head_id, "more_replies": more,
         "comments": [v.as_json() for v in views.forest]}
    )  # fmt: skip


@router.get("/stories/{story_id}/comments/{comment_id}")
def permalink(
    story_id: PathId, comment_id: PathId, request: Request, who: Viewer = Depends(viewer)
) -> PermalinkOut:
    """The part of the thread that shows one comment, however deep in a cut subtree."""
    rt = runtime(request)
    story = stories(request).get(story_id)
    window = Threads(rt).permalink(story, comment_id, who)
    views = window_views(window, story, who, rt.clock(), max_level=API_DEPTH)
    return PermalinkOut(
        story=story_out(story, rt.config.base_url),
        comment_id=comment_id,
        comments=[CommentOut.model_validate(v.as_json()) for v in views.tree],
    )


def _one(request: Request, comment: Comment, who: Viewer) -> CommentOut:
    rt = runtime(request)
    story = stories(request).get(comment.story_id)
    fresh, quoted = Threads(rt).one(comment.id, who)
    view = comment_view(fresh, story, quoted, who, rt.clock())
    return CommentOut.model_validate(view.as_json())


@router.post(
    "/stories/{story_id}/comments",
    status_code=201,
    responses={200: {"model": CommentOut, "description": "A replayed idempotency key"}},
)
def create_comment(
    story_id: PathId, body: CommentIn, request: Request, response: Response,
    who: Viewer = Depends(writer),
) -> CommentOut:  # fmt: skip
    """Comment, reply (parent_id) or quote; retrying with the same idempotency key is safe."""
    quote = None
    if body.quote is not None:
        quote = QuoteRequest(QuoteSource(body.quote.source), body.quote.text, body.quote.comment_id)
    key = body.idempotency_key or request.headers.get("idempotency-key")
    draft = Draft(body.body, body.parent_id, quote, key, body.guest_name)
    comment, created = Comments(runtime(request)).create(story_id, draft, who)
    if not created:
        response.status_code = 200
    return _one(request, comment, who)


@router.patch("/comments/{comment_id}")
def edit_comment(
    comment_id: PathId, body: CommentEditIn, request: Request, who: Viewer = Depends(writer)
) -> CommentOut:
    comment = Comments(runtime(request)).edit(comment_id, body.body, who)
    return _one(request, comment, who)


@router.delete("/comments/{comment_id}")
def delete_comment(
    comment_id: PathId, request: Request, who: Viewer = Depends(writer)
) -> CommentOut:
    """The comment keeps its place as "The comment was deleted."; its replies stay."""
    comment = Comments(runtime(request)).delete(comment_id, who)
    return _one(request, comment, who)


@router.post("/comments/{comment_id}/remove")
def remove_comment(
    comment_id: PathId, request: Request, who: Viewer = Depends(writer)
) -> CommentOut:
    """Moderators only: the placeholder says a moderator removed it."""
    comment = Comments(runtime(request)).remove(comment_id, who)
    return _one(request, comment, who)
