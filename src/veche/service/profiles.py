"""A member's public page: who they are and what they wrote that everyone can read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from veche.domain import validation
from veche.domain.enums import CommentStatus
from veche.domain.errors import NotFound
from veche.i18n import gettext as _
from veche.service.runtime import Runtime
from veche.store.models import Comment, Story, User

PAGE = 20
EXCERPT = 280


@dataclass(frozen=True)
class ProfileComment:
    id: int
    story_id: int
    story_title: str
    created_at: dt.datetime
    excerpt: str

    @property
    def href(self) -> str:
        return f"/stories/{self.story_id}/comments/{self.id}#c{self.id}"


@dataclass(frozen=True)
class Profile:
    handle: str
    display_name: str | None
    joined: dt.datetime
    comments: list[ProfileComment]
    next_before: int | None  # the keyset cursor of the next (older) page


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


class Profiles:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def get(self, handle: str, *, before: int | None = None) -> Profile:
        """Only published comments: held, removed, rejected and shadowed ones are the
        author's and the moderators' business, never a visitor's. One keyset page on
        (author_id, id)."""
        key = validation.handle_key(validation.reject_nul(handle, "handle").strip())
        if not key or len(key) > 60:
            raise NotFound(_("There is no member with that handle."))
        with self.rt.db.session(write=False) as s:
            user = s.scalars(
                select(User).where(User.handle_key == key, User.deleted_at.is_(None))
            ).first()
            if user is None:
                raise NotFound(_("There is no member with that handle."))
            q = (
                select(Comment.id, Comment.story_id, Story.title, Comment.created_at,
                       Comment.body_text)
                .join(Story, Story.id == Comment.story_id)
                .where(Comment.author_id == user.id, Comment.status == CommentStatus.visible)
                .order_by(Comment.id.desc())
                .limit(PAGE + 1)
            )  # fmt: skip
            if before is not None:
                q = q.where(Comment.id < before)
            rows = s.execute(q).all()
            comments = [
                ProfileComment(cid, sid, title, at, _excerpt(text))
                for cid, sid, title, at, text in rows[:PAGE]
            ]
            more = len(rows) > PAGE
            return Profile(
                user.handle, user.display_name, user.created_at, comments,
                comments[-1].id if more and comments else None,
            )  # fmt: skip
