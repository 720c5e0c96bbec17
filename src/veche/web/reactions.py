"""Reactions over HTTP: `PUT`/`DELETE /api/v1/comments/{id}/reaction` (idempotent), a plain
form for readers without JavaScript, and the viewer's reaction state for the overlay.

The shared thread body shows every reaction button unpressed with the count as of its
version; which ones are *mine* is per viewer, so it travels in the overlay (JSON `reacted`,
HTML `<template data-reacted="1,2">`), and `shared.compose_reactions` applies it on the
server for readers without JavaScript, as veche.js does in the browser.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from veche.domain.errors import InvalidInput
from veche.i18n import gettext as _
from veche.service.found import comment_of
from veche.service.reactions import Reactions, ReactionState
from veche.service.runtime import Viewer
from veche.web.api import ERRORS, writer
from veche.web.identity import check_csrf, runtime, viewer
from veche.web.schemas import PathId
from veche.web.views import comment_href

router = APIRouter(tags=["reactions"], responses=ERRORS)


class ReactionOut(BaseModel):
    comment_id: int
    count: int = Field(description="Reactions to the comment now")
    reacted: bool = Field(description="Whether this reader's reaction is among them")


def _out(state: ReactionState) -> ReactionOut:
    return ReactionOut(comment_id=state.comment_id, count=state.count, reacted=state.reacted)


@router.put("/api/v1/comments/{comment_id}/reaction")
def react(comment_id: PathId, request: Request, who: Viewer = Depends(writer)) -> ReactionOut:
    """React to someone else's published comment; again is a no-op (same answer)."""
    return _out(Reactions(runtime(request)).react(comment_id, who, True))


@router.delete("/api/v1/comments/{comment_id}/reaction")
def unreact(comment_id: PathId, request: Request, who: Viewer = Depends(writer)) -> ReactionOut:
    """Take one's reaction back; without one it is a no-op (same answer)."""
    return _out(Reactions(runtime(request)).react(comment_id, who, False))


@router.post("/comments/{comment_id}/reaction", include_in_schema=False)
def reaction_form(
    comment_id: PathId,
    request: Request,
    csrf: str = Form(""),
    on: str = Form("true", max_length=5),
) -> Response:
    """The same without JavaScript: back to the comment's place in the thread."""
    check_csrf(request, csrf)
    if on not in ("true", "false"):
        raise InvalidInput(_("Say whether to react or take it back."), field="on")
    Reactions(runtime(request)).react(comment_id, viewer(request), on == "true")
    with runtime(request).db.session(write=False) as s:
        story_id = comment_of(s, comment_id).story_id
    return RedirectResponse(comment_href(story_id, comment_id), status_code=303)
