"""/api/v1 thread reads as shared bodies: the same JSON for every reader, tagged with the
story's version (ETag, 304), public for anonymous readers; `/overlay` is the per-viewer half.

`can_edit`/`can_delete` in these bodies are false and `can_reply` says whether a comment
takes replies at all; what *this* viewer may do is in the overlay.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from veche.domain.errors import NotFound
from veche.service import policy
from veche.service.runtime import Viewer
from veche.service.threads import FEATURED_LIMIT, Threads
from veche.store.models import Story
from veche.store.threads import Sort
from veche.web import shared
from veche.web.api import ERRORS, story_out
from veche.web.identity import csrf_token, runtime, stories, viewer
from veche.web.schemas import (
    CommentOut,
    FeaturedOut,
    OverlayOut,
    PathId,
    PermalinkOut,
    RepliesOut,
    ThreadOut,
    UserOut,
)
from veche.web.templating import new_key
from veche.web.views import (
    API_DEPTH,
    EVERYONE,
    attach_cuts,
    build_tree,
    card_view,
    comment_view,
    window_views,
)

router = APIRouter(prefix="/api/v1", tags=["threads"], responses=ERRORS)
JSON = "application/json"


def _json(model: Callable[[], BaseModel]) -> Callable[[], tuple[bytes, str]]:
    return lambda: (model().model_dump_json().encode(), JSON)


def _thread(
    request: Request, story: Story, sort: Sort, after: str | None, limit: int | None
) -> Response:
    rt = runtime(request)

    def make() -> ThreadOut:
        page = Threads(rt).page(story, EVERYONE, sort=sort, after=after, limit=limit)
        now = rt.clock()
        tree = build_tree(page.comments, story, page.quoted, EVERYONE, now, max_level=API_DEPTH)
        attach_cuts(tree, page.cuts)
        return ThreadOut(
            story=story_out(story, rt.config.base_url),
            sort=sort.value,
            comments=[CommentOut.model_validate(v.as_json()) for v in tree],
            next_cursor=page.next_cursor,
        )

    params = (sort.value, after or "", str(limit or ""))
    return shared.respond(request, shared.shared(request, story, "thread", params, _json(make)))


SortQ = Query(Sort.oldest, description="Order of top-level comments; replies stay oldest first")
AfterQ = Query(None, min_length=1, max_length=255, description="next_cursor of the previous page")
LimitQ = Query(None, ge=1, le=100, description="Top-level comments per page")


@router.get("/stories/{story_id}/comments", response_model=ThreadOut)
def thread(
    story_id: PathId,
    request: Request,
    sort: Sort = SortQ,
    after: str | None = AfterQ,
    limit: int | None = LimitQ,
) -> Response:
    """A page of the thread: top-level comments, each with its first replies; a cut subtree
    says so in `more_replies`. A shared body: send `If-None-Match` to get a 304."""
    story = stories(request).get(story_id)
    return _thread(request, story, sort, after, limit)


@router.get("/threads", response_model=ThreadOut)
def thread_by_url(
    request: Request,
    url: str = Query(max_length=2048),
    sort: Sort = SortQ,
    after: str | None = AfterQ,
    limit: int | None = LimitQ,
) -> Response:
    """The thread of a publisher's page. Reading never creates it: an unknown page is a 404
    (the embed then asks with `POST /threads`)."""
    story = stories(request).by_url(url, create=False)
    stories(request).check_origin(story, request.headers.get("origin"))
    return _thread(request, story, sort, after, limit)


@router.get("/stories/{story_id}/comments/{head_id}/replies", response_model=RepliesOut)
def replies(
    story_id: PathId,
    head_id: PathId,
    request: Request,
    after: str | None = Query(
        None, min_length=1, max_length=1024, description="more_replies.cursor"
    ),
    limit: int | None = Query(None, ge=1, le=100, description="Replies in this window"),
) -> Response:
    """The rest of a cut subtree, in display order, `limit` replies at a time."""
    rt = runtime(request)
    story = stories(request).get(story_id)

    def make() -> RepliesOut:
        window = Threads(rt).replies(story, head_id, EVERYONE, after=after, limit=limit)
        views = window_views(window, story, EVERYONE, rt.clock(), max_level=API_DEPTH)
        more = None if views.more is None else views.more.as_json()
        return RepliesOut.model_validate(
            {"story_id": story.id, "head_id": head_id, "more_replies": more,
             "comments": [v.as_json() for v in views.forest]}
        )  # fmt: skip

    params = (str(head_id), after or "", str(limit or ""))
    return shared.respond(request, shared.shared(request, story, "replies", params, _json(make)))


@router.get("/stories/{story_id}/featured", response_model=FeaturedOut)
def featured(story_id: PathId, request: Request) -> Response:
    """The story's staff picks (the Featured tab): featured, published comments, most
    recently featured first, at most 50, without their replies. A comment unfeatured or
    taken down leaves the list. A shared body: send `If-None-Match` to get a 304."""
    rt = runtime(request)
    story = stories(request).get(story_id)

    def make() -> FeaturedOut:
        picks = Threads(rt).featured(story, EVERYONE)
        now, base = rt.clock(), rt.config.base_url
        comments = []
        for c in picks.comments:
            view = comment_view(c, story, picks.quoted, EVERYONE, now)
            comments.append(
                {**view.as_json(), "featured_at": c.featured_at, "page_url": base + view.href,
                 "href": f"/api/v1/stories/{story.id}/comments/{c.id}"}
            )  # fmt: skip
        return FeaturedOut.model_validate(
            {"story": story_out(story, base), "comments": comments, "limit": FEATURED_LIMIT,
             "more": picks.more}
        )  # fmt: skip

    return shared.respond(request, shared.shared(request, story, "featured", (), _json(make)))


def _permalink(request: Request, story: Story, comment_id: int, who: policy.Who) -> PermalinkOut:
    rt = runtime(request)
    window = Threads(rt).permalink(story, comment_id, who)
    views = window_views(window, story, who, rt.clock(), max_level=API_DEPTH)
    return PermalinkOut(
        story=story_out(story, rt.config.base_url),
        comment_id=comment_id,
        comments=[CommentOut.model_validate(v.as_json()) for v in views.tree],
    )


@router.get("/stories/{story_id}/comments/{comment_id}", response_model=PermalinkOut)
def permalink(story_id: PathId, comment_id: PathId, request: Request) -> Response:
    """The part of the thread that shows one comment, however deep in a cut subtree. A held
    comment is not in the shared body: its author and moderators get it privately."""
    story = stories(request).get(story_id)
    try:
        entry = shared.shared(
            request, story, "permalink", (str(comment_id),),
            _json(lambda: _permalink(request, story, comment_id, EVERYONE)),
        )  # fmt: skip
    except NotFound:
        who = viewer(request)
        body = _permalink(request, story, comment_id, who).model_dump_json()
        return Response(body, media_type=JSON, headers={"Cache-Control": "private, no-store"})
    return shared.respond(request, entry)


@router.get("/stories/{story_id}/overlay")
def overlay(
    story_id: PathId,
    request: Request,
    ids: str | None = Query(None, max_length=12_000, description="Comment ids on screen: 1,2,3"),
    who: Viewer = Depends(viewer),
) -> OverlayOut:
    """The viewer's half of a shared thread: who they are, what the policy lets them do to
    each listed comment, their own held comments, a CSRF token (for cookie sessions) and a
    fresh idempotency key. Never cached."""
    rt = runtime(request)
    story = stories(request).get(story_id)
    now = rt.clock()
    facts = Threads(rt).overlay(story, shared.parse_ids(ids), who, now)
    user = who.user
    return OverlayOut(
        viewer=None if user is None else UserOut(
            id=user.id, handle=user.handle, display_name=user.display_name, role=user.role.value
        ),
        can_comment=policy.can_comment(story, who),
        csrf=csrf_token(request) if request.state.via_cookie else None,
        idempotency_key=new_key(),
        grants={str(k): list(v) for k, v in facts.grants.items()},
        held=[
            CommentOut.model_validate(card_view(c, None, story, facts.quoted, who, now, max_level=API_DEPTH).as_json())
            for c in facts.held
        ],
        reacted=sorted(facts.reacted),
    )  # fmt: skip
