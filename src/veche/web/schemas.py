"""Request and response shapes of /api/v1, which FastAPI publishes as the OpenAPI spec."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

# Ids are 32-bit on PostgreSQL: larger numbers are refused as input, not crashed on.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUpIn(Strict):
    handle: str = Field(max_length=200)
    password: str = Field(max_length=1000)
    email: str | None = Field(default=None, max_length=400)
    display_name: str | None = Field(default=None, max_length=400)


class SignInIn(Strict):
    login: str = Field(max_length=400, description="Handle or email")
    password: str = Field(max_length=1000)


class UserOut(BaseModel):
    id: int
    handle: str
    display_name: str | None
    role: str


class SessionOut(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`")
    user: UserOut


class QuoteIn(Strict):
    source: Literal["comment", "story"]
    comment_id: Id | None = None
    text: str = Field(max_length=20_000)


class CommentIn(Strict):
    body: str = Field(max_length=200_000)
    parent_id: Id | None = None
    quote: QuoteIn | None = None
    idempotency_key: str | None = Field(
        default=None, description="Client-made; a retry with the same key returns the same comment"
    )
    guest_name: str | None = Field(default=None, max_length=400)


class CommentEditIn(Strict):
    body: str = Field(max_length=200_000)


class AuthorOut(BaseModel):
    handle: str
    display_name: str | None
    guest: bool
    online: bool
    role: str | None


class QuoteOut(BaseModel):
    source: str
    comment_id: int | None
    label: str
    href: str
    text: str | None
    state: Literal["verified", "altered", "source_deleted"]
    state_label: str


class MoreRepliesOut(BaseModel):
    count: int = Field(description="Stored replies after the cursor (held ones included)")
    cursor: str = Field(description="The last path read; pass as `after`")
    href: str = Field(description="The continuation: GET it for the next replies")


class CommentOut(BaseModel):
    id: int
    story_id: int
    parent_id: int | None
    number: list[int]
    depth: int
    status: Literal["visible", "pending", "deleted", "removed"]
    placeholder: str | None
    author: AuthorOut | None
    created_at: dt.datetime
    edited_at: dt.datetime | None
    body_html: str | None
    body_markdown: str | None
    quote: QuoteOut | None
    can_edit: bool
    can_delete: bool
    can_reply: bool
    reply_to: str | None = Field(
        description="Set when display nesting is capped and this reply sits beside its parent"
    )
    replies: list[CommentOut]
    more_replies: MoreRepliesOut | None = Field(
        default=None,
        description="Set on the comment whose replies this response cut: the rest of its "
        "subtree, in display order, from `href`",
    )


class RepliesOut(BaseModel):
    """A continuation of a cut subtree. Each comment in `comments` nests its replies; one
    whose parent is not in this response goes under that parent, already on screen."""

    story_id: int
    head_id: int
    comments: list[CommentOut]
    more_replies: MoreRepliesOut | None


class StoryOut(BaseModel):
    id: int
    url: str
    title: str
    title_confirmed: bool = Field(
        description="False while the title is what a reader's browser sent, not the publisher"
    )
    is_open: bool
    comment_count: int
    page_url: str
    guests_allowed: bool


class ThreadOut(BaseModel):
    story: StoryOut
    sort: Literal["oldest", "newest"]
    comments: list[CommentOut]
    next_cursor: str | None


class PermalinkOut(BaseModel):
    """The block of the thread that shows one comment: its root with the root's first
    replies when the comment is among them, else the root, the chain down to the comment
    and the replies from it on; `more_replies` on the root continues after that."""

    story: StoryOut
    comment_id: int
    comments: list[CommentOut]


class OverlayOut(BaseModel):
    """One viewer's half of a shared thread body."""

    viewer: UserOut | None
    can_comment: bool = Field(description="Whether this viewer may comment and reply here")
    csrf: str | None = Field(
        description="Send as X-CSRF-Token on writes made with the session cookie; "
        "null with a bearer token, which needs none"
    )
    idempotency_key: str = Field(description="A fresh key for the next comment")
    grants: dict[str, list[Literal["edit", "delete", "remove"]]] = Field(
        description="Comment id → what this viewer may do to it (the policy's answer)"
    )
    held: list[CommentOut] = Field(
        description="Their own comments awaiting a moderator (a moderator's: all), which "
        "the shared body leaves out; each goes under its parent_id"
    )


class ContextOut(BaseModel):
    story: StoryOut
    ancestors: list[CommentOut]
    comment: CommentOut


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorBody
