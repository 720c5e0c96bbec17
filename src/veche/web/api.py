"""/api/v1: threads and comments as JSON. Every write goes through the comment service."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from veche.domain.enums import QuoteSource
from veche.domain.errors import NotFound
from veche.i18n import gettext as _
from veche.service import policy
from veche.service.comments import Comments, Draft, QuoteRequest
from veche.service.runtime import Viewer
from veche.service.threads import Threads
from veche.store.models import Comment, Story
from veche.web.identity import check_csrf, runtime, stories, viewer
from veche.web.schemas import (
    CommentEditIn,
    CommentIn,
    CommentOut,
    ContextOut,
    ErrorOut,
    PathId,
    StoryOut,
)
from veche.web.views import (
    API_DEPTH,
    comment_view,
    context_views,
    more_view,
    story_href,
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
        id=story.id, url=story.url, title=story.title, title_confirmed=story.title_confirmed,
        is_open=story.is_open,
        comment_count=story.comment_count, page_url=base_url + story_href(story),
        guests_allowed=policy.guests_allowed(story),
    )  # fmt: skip


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


def comment_out(request: Request, comment: Comment, who: Viewer) -> CommentOut:
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
    draft = Draft(body.body, body.parent_id, quote, key, body.guest_name, body.typing_seconds)
    posted = Comments(runtime(request)).post(story_id, draft, who)
    if not posted.created:
        response.status_code = 200
        return comment_out(request, posted.comment, who)
    assert posted.story is not None
    # Shown from what the write validated and stored, not read back from the database.
    if not policy.can_see(posted.comment, who):
        raise NotFound(_("There is no such comment."))
    view = comment_view(posted.comment, posted.story, posted.quoted, who, runtime(request).clock())
    return CommentOut.model_validate(view.as_json())


@router.patch("/comments/{comment_id}")
def edit_comment(
    comment_id: PathId, body: CommentEditIn, request: Request, who: Viewer = Depends(writer)
) -> CommentOut:
    comment = Comments(runtime(request)).edit(comment_id, body.body, who)
    return comment_out(request, comment, who)


@router.delete("/comments/{comment_id}")
def delete_comment(
    comment_id: PathId, request: Request, who: Viewer = Depends(writer)
) -> CommentOut:
    """The comment keeps its place as "The comment was deleted."; its replies stay."""
    comment = Comments(runtime(request)).delete(comment_id, who)
    return comment_out(request, comment, who)
