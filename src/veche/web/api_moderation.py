"""/api/v1 for moderators (decisions, restrictions, the queue, the audit log) and for readers'
reports. Every change goes through service.moderation, which asks service.policy."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from veche.domain.enums import ReportReason
from veche.domain.errors import VecheError
from veche.domain.moderation import Action
from veche.i18n import gettext as _
from veche.service.moderation import Moderation
from veche.service.queue import Queue, audit_log
from veche.service.runtime import Viewer
from veche.web.api import ERRORS, comment_out, writer
from veche.web.identity import runtime, viewer
from veche.web.schemas import MAX_ID, CommentOut, PathId, Strict

router = APIRouter(prefix="/api/v1", tags=["moderation"], responses=ERRORS)

ActionName = Literal["approve", "reject", "remove", "restore"]


class DecisionIn(Strict):
    action: ActionName
    reason: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    version: int | None = Field(
        default=None, ge=0, le=2**31 - 1,
        description="The item's `version` as shown: set, a decision someone made since is a "
        "409 `already_decided` rather than a second decision",
    )  # fmt: skip


class BulkDecisionIn(Strict):
    action: ActionName
    reason: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    ids: list[int] = Field(min_length=1, max_length=200)
    versions: dict[str, int] | None = Field(
        default=None, description="Each item's `version` as shown, by id"
    )


class BulkResult(BaseModel):
    id: int
    ok: bool
    status: str | None = None
    code: str | None = None
    message: str | None = None


class BulkOut(BaseModel):
    results: list[BulkResult]


class FeatureIn(Strict):
    featured: bool


class ReportIn(Strict):
    reason: Literal["abuse", "spam", "off_topic", "misinformation", "other"]
    note: str | None = Field(default=None, max_length=2000)


class ReportOut(BaseModel):
    reported: bool


class RestrictionIn(Strict):
    ban: bool | None = None
    days: int | None = Field(default=None, ge=1, le=3650, description="None bans permanently")
    shadow: bool | None = None
    premoderate: bool | None = None
    reason: str | None = Field(default=None, max_length=2000)


class RestrictionOut(BaseModel):
    handle: str
    banned: bool
    banned_until: str | None
    ban_reason: str | None
    shadow_banned: bool
    premoderated: bool


class OpenIn(Strict):
    open: bool


class OpenOut(BaseModel):
    id: int
    is_open: bool


@router.post("/comments/{comment_id}/decision")
def decide(
    comment_id: PathId, body: DecisionIn, request: Request, who: Viewer = Depends(writer)
) -> CommentOut:
    """Approve, reject, remove or restore. A second moderator deciding the same item gets
    409 `already_decided`, saying who decided it and how."""
    comment = Moderation(runtime(request)).decide(
        comment_id, Action(body.action), who, reason=body.reason, note=body.note,
        version=body.version,
    )  # fmt: skip
    return comment_out(request, comment, who)


class RemoveIn(Strict):
    reason: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


@router.post("/comments/{comment_id}/remove")
def remove(
    comment_id: PathId, body: RemoveIn, request: Request, who: Viewer = Depends(writer)
) -> CommentOut:
    """Moderators only, with a reason: readers see the placeholder, the author the reason.
    The same as a `remove` decision."""
    comment = Moderation(runtime(request)).decide(
        comment_id, Action.remove, who, reason=body.reason, note=body.note
    )
    return comment_out(request, comment, who)


@router.post("/moderation/decisions")
def decide_many(body: BulkDecisionIn, request: Request, who: Viewer = Depends(writer)) -> BulkOut:
    """The same decision on a selection; each item succeeds or says why not."""
    moderation = Moderation(runtime(request))
    results = []
    for comment_id in dict.fromkeys(body.ids):
        if not 1 <= comment_id <= MAX_ID:
            results.append(BulkResult(id=comment_id, ok=False, code="not_found",
                                      message=_("There is no such comment.")))  # fmt: skip
            continue
        try:
            c = moderation.decide(
                comment_id, Action(body.action), who, reason=body.reason, note=body.note,
                version=(body.versions or {}).get(str(comment_id)),
            )  # fmt: skip
        except VecheError as exc:
            if exc.status in (401, 403, 429):
                raise
            results.append(BulkResult(id=comment_id, ok=False, code=exc.code,
                                      message=exc.message))  # fmt: skip
            continue
        results.append(BulkResult(id=comment_id, ok=True, status=c.status.value))
    return BulkOut(results=results)


@router.post("/comments/{comment_id}/feature")
def feature(
    comment_id: PathId, body: FeatureIn, request: Request, who: Viewer = Depends(writer)
) -> CommentOut:
    comment = Moderation(runtime(request)).feature(comment_id, body.featured, who)
    return comment_out(request, comment, who)


@router.post("/comments/{comment_id}/reports", status_code=201)
def report(
    comment_id: PathId, body: ReportIn, request: Request, who: Viewer = Depends(writer)
) -> ReportOut:
    """One report per reader and comment; enough of them put it in the Reported tab."""
    Moderation(runtime(request)).report(comment_id, who, ReportReason(body.reason), body.note)
    return ReportOut(reported=True)


@router.post("/users/{handle}/restrictions")
def restrict(
    handle: str, body: RestrictionIn, request: Request, who: Viewer = Depends(writer)
) -> RestrictionOut:
    """Ban (for `days`, or permanently), lift a ban, shadow-ban, or pre-moderate a member."""
    user = Moderation(runtime(request)).restrict_user(
        handle, who, ban=body.ban, days=body.days, shadow=body.shadow,
        premoderate=body.premoderate, reason=body.reason,
    )  # fmt: skip
    return RestrictionOut(
        handle=user.handle, banned=user.banned_at is not None,
        banned_until=user.banned_until.isoformat() if user.banned_until else None,
        ban_reason=user.ban_reason, shadow_banned=user.shadow_banned,
        premoderated=user.premoderated,
    )  # fmt: skip


@router.post("/stories/{story_id}/open")
def set_open(
    story_id: PathId, body: OpenIn, request: Request, who: Viewer = Depends(writer)
) -> OpenOut:
    """Close a story to new comments, or reopen it; the thread stays readable."""
    story = Moderation(runtime(request)).set_open(story_id, body.open, who)
    return OpenOut(id=story.id, is_open=story.is_open)


@router.get("/moderation/queue")
def queue(
    request: Request,
    site: str = Query(min_length=1, max_length=64),
    tab: Literal["pending", "flagged", "reported", "decided"] = "pending",
    after: str | None = Query(default=None, max_length=40),
    who: Viewer = Depends(viewer),
) -> dict[str, object]:
    view = Queue(runtime(request)).tab(site, tab, who, after)
    return {
        "site": view.site,
        "tab": view.tab.value,
        "counts": view.counts,
        "reasons": list(view.reasons),
        "items": [e.as_json() for e in view.entries],
        "after": view.after,
    }


@router.get("/moderation/audit")
def audit(
    request: Request,
    actor: str | None = Query(default=None, max_length=40),
    action: str | None = Query(default=None, max_length=40),
    target_kind: Literal["comment", "user", "story", "site"] | None = None,
    target_id: int | None = Query(default=None, ge=1, le=MAX_ID),
    before_id: int | None = Query(default=None, ge=1, le=MAX_ID),
    who: Viewer = Depends(viewer),
) -> dict[str, object]:
    """Admins only, newest first; there is no endpoint that edits or deletes an entry."""
    entries = audit_log(
        runtime(request), who, actor=actor, action=action, target_kind=target_kind,
        target_id=target_id, before_id=before_id,
    )  # fmt: skip
    return {"entries": [vars(e) for e in entries]}
