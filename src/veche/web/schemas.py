"""Request and response shapes of /api/v1, which FastAPI publishes as the OpenAPI spec."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from veche.domain.validation import (
    EMAIL_MAX,
    HANDLE_MAX,
    HANDLE_MIN,
    NAME_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
)
from veche.i18n import gettext as _
from veche.service.drafts import QUOTE_MAX

# The same rules the services apply, published so clients (and fuzzers) know them.
HANDLE_PATTERN = r"^[^\W_](?:[\w .'\-]*[^\W_]|[\w]*)?$"
KEY_PATTERN = r"^[A-Za-z0-9_-]{8,80}$"
NO_ANGLES = r"^[^<>\x00]*$"
# Blank means "no email"; otherwise validation.email's shape, spaces around allowed.
EMAIL_PATTERN = r"^\s*$|^\s*[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{2,63}\s*$"


def messages() -> dict[tuple[str, str], str]:
    """The services' own words for the rules the schema checks first: (field, pydantic
    type), in the language of the request."""
    handle_length = _("A handle is %(HANDLE_MIN)s to %(HANDLE_MAX)s characters long.") % {
        "HANDLE_MIN": HANDLE_MIN, "HANDLE_MAX": HANDLE_MAX,
    }  # fmt: skip
    sign_in = _("Enter your handle or email and your password.")
    return {
        ("handle", "string_too_short"): handle_length,
        ("handle", "string_too_long"): handle_length,
        ("handle", "string_pattern_mismatch"): _(
            "A handle may hold letters, digits, spaces, dots, dashes, underscores and "
            "apostrophes, and must start and end with a letter or digit."
        ),
        ("password", "string_too_short"): _(
            "The password is too weak: use at least %(PASSWORD_MIN)s characters."
        )
        % {"PASSWORD_MIN": PASSWORD_MIN},
        ("password", "string_too_long"): _("A password is at most %(PASSWORD_MAX)s characters.")
        % {"PASSWORD_MAX": PASSWORD_MAX},
        ("email", "string_too_long"): _("An email address is at most %(EMAIL_MAX)s characters.")
        % {"EMAIL_MAX": EMAIL_MAX},
        ("email", "string_pattern_mismatch"): _("That does not look like an email address."),
        ("display_name", "string_too_long"): _("A display name is at most %(NAME_MAX)s characters.")
        % {"NAME_MAX": NAME_MAX},
        ("display_name", "string_pattern_mismatch"): _(
            "A display name may not contain <, > or NUL."
        ),
        ("guest_name", "string_too_long"): _("A guest name is at most %(NAME_MAX)s characters.")
        % {"NAME_MAX": NAME_MAX},
        ("guest_name", "string_pattern_mismatch"): _("A guest name may not contain <, > or NUL."),
        ("login", "string_too_short"): sign_in,
        ("password", "string_too_short:signin"): sign_in,
        ("body", "string_too_short"): _("The comment is empty."),
        ("quote.text", "string_too_short"): _("The quote is empty."),
        ("quote.text", "string_too_long"): _("A quote is at most %(QUOTE_MAX)s characters.")
        % {"QUOTE_MAX": QUOTE_MAX},
        ("idempotency_key", "string_pattern_mismatch"): _(
            "The idempotency key must be 8 to 80 letters, digits, dashes or underscores."
        ),
    }


# The longest comment any site may allow (its own limit, 5000 by default, is checked).
BODY_MAX = 100_000

# Ids are 32-bit on PostgreSQL: larger numbers are refused as input, not crashed on.
MAX_ID = 2**31 - 1


def _whole_number(value: object) -> object:
    """JSON's 12 and 12.0 are one number; `true` and `"12"` are not numbers at all."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_whole_number)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


class Strict(BaseModel):
    """Input as sent: unknown fields are refused, and nothing is coerced (`true` is no id,
    `123` is no string)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class SignUpIn(Strict):
    handle: str = Field(min_length=HANDLE_MIN, max_length=HANDLE_MAX, pattern=HANDLE_PATTERN)
    password: str = Field(
        min_length=PASSWORD_MIN,
        max_length=PASSWORD_MAX,
        description="Not a common or repetitive password, and not containing the handle",
    )
    email: str | None = Field(default=None, max_length=EMAIL_MAX, pattern=EMAIL_PATTERN)
    display_name: str | None = Field(default=None, max_length=NAME_MAX, pattern=NO_ANGLES)


class SignInIn(Strict):
    login: str = Field(min_length=1, max_length=400, description="Handle or email")
    password: str = Field(min_length=1, max_length=1000)


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
    text: str = Field(min_length=1, max_length=QUOTE_MAX)


class CommentIn(Strict):
    body: str = Field(min_length=1, max_length=BODY_MAX)
    parent_id: Id | None = None
    quote: QuoteIn | None = None
    idempotency_key: str | None = Field(
        default=None,
        pattern=KEY_PATTERN,
        description="Client-made; a retry with the same key returns the same comment",
    )
    guest_name: str | None = Field(default=None, max_length=NAME_MAX, pattern=NO_ANGLES)
    typing_seconds: float | None = Field(
        default=None, ge=0, le=86400,
        description="Seconds from opening the comment box to sending: a first comment sent "
        "faster than the site's minimum is treated as a bot's",
    )  # fmt: skip


class CommentEditIn(Strict):
    body: str = Field(min_length=1, max_length=BODY_MAX)


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
    text: str | None = Field(description="None once the quoted comment is deleted or removed")
    state: Literal[
        "verified", "out_of_context", "too_short", "altered", "source_edited", "source_deleted"
    ]
    state_label: str
    coverage: int | None = Field(
        description="The quote's words as a percent of its source's, while they match"
    )
    placeholder: str | None = Field(description="What stands in for the text once it is gone")


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
    status: Literal["visible", "pending", "rejected", "deleted", "removed", "shadowed"]
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
    mod_reason: str | None = Field(
        default=None,
        description="Why a moderator rejected or removed it: for its author and moderators",
    )
    flags: list[str] = Field(
        default_factory=list, description="Why it was held or flagged: for moderators"
    )
    featured: bool = Field(default=False, description="A staff pick")
    reply_to: str | None = Field(
        description="Set when display nesting is capped and this reply sits beside its parent"
    )
    replies: list[CommentOut]
    reactions: int = Field(default=0, description='Readers\' reactions to it ("respect")')
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
    sort: Literal["oldest", "newest", "top", "replies"]
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
    grants: dict[str, list[Literal["edit", "delete", "remove", "moderate"]]] = Field(
        description="Comment id → what this viewer may do to it (the policy's answer)"
    )
    held: list[CommentOut] = Field(
        description="Their own comments awaiting a moderator (a moderator's: all), which "
        "the shared body leaves out; each goes under its parent_id"
    )
    reacted: list[int] = Field(
        default_factory=list, description="The listed comments this viewer reacted to"
    )


class ContextOut(BaseModel):
    story: StoryOut
    ancestors: list[CommentOut]
    comment: CommentOut


class FeaturedCommentOut(CommentOut):
    featured_at: dt.datetime = Field(description="When a moderator featured it")
    href: str = Field(description="Its place in the thread, as JSON (the permalink)")
    page_url: str = Field(description="Its place in the thread on the hosted page")


class FeaturedOut(BaseModel):
    """A story's staff picks: featured, published comments, most recently featured first,
    each without its replies (follow `href` for its place in the thread)."""

    story: StoryOut
    comments: list[FeaturedCommentOut]
    limit: int = Field(description="At most this many are listed")
    more: bool = Field(description="More comments are featured than `limit` lets through")


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorBody
