"""May this viewer do that? The one answer that pages, the API, live streams and the service share.

Each rule is a pure function of facts already read, so a page of a hundred comments asks it a
hundred times without a query, and the service asks the very same question before it writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from typing import NamedTuple, Protocol, TypeVar

from veche.domain.enums import CommentStatus, Role
from veche.domain.errors import (
    AuthRequired,
    Banned,
    Conflict,
    Forbidden,
    NotFound,
    OriginRefused,
    VecheError,
)
from veche.i18n import gettext as _
from veche.i18n import ngettext

GONE = frozenset({CommentStatus.deleted, CommentStatus.removed})
# Held back from readers: awaiting a moderator, refused by one (shown to its author with the
# reason), or written by a shadow-banned author (shown to them as if published).
HELD = frozenset({CommentStatus.pending, CommentStatus.rejected, CommentStatus.shadowed})


class SiteRules(Protocol):
    @property
    def require_sign_in(self) -> bool: ...
    @property
    def allow_guests(self) -> bool: ...
    @property
    def edit_window_seconds(self) -> int: ...


class StoryFacts(Protocol):
    @property
    def is_open(self) -> bool: ...
    @property
    def site(self) -> SiteRules: ...


class CommentFacts(Protocol):
    @property
    def author_id(self) -> int | None: ...
    @property
    def status(self) -> CommentStatus: ...
    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def path(self) -> str: ...


class BanFacts(Protocol):
    @property
    def banned_at(self) -> dt.datetime | None: ...
    @property
    def banned_until(self) -> dt.datetime | None: ...
    @property
    def ban_reason(self) -> str | None: ...


class Who(Protocol):
    """The viewer as the rules see them: an id and a role, or nobody."""

    @property
    def user_id(self) -> int | None: ...
    @property
    def role(self) -> Role | None: ...


def is_moderator(who: Who) -> bool:
    return who.role in (Role.moderator, Role.admin)


def guests_allowed(story: StoryFacts) -> bool:
    """A site that does not require sign-in takes guests; one that does, only if it says so."""
    return story.site.allow_guests or not story.site.require_sign_in


def can_comment(story: StoryFacts, who: Who) -> bool:
    return story.is_open and (who.user_id is not None or guests_allowed(story))


def is_own(c: CommentFacts, who: Who) -> bool:
    return who.user_id is not None and c.author_id == who.user_id


def can_see(c: CommentFacts, who: Who) -> bool:
    """A held comment shows to its author and to moderators; a gone one shows as a placeholder."""
    return c.status not in HELD or is_own(c, who) or is_moderator(who)


def can_reply(c: CommentFacts, story: StoryFacts, who: Who) -> bool:
    """Only to what readers can see: a reply under a held comment would be hidden with it."""
    return c.status is CommentStatus.visible and can_comment(story, who)


class Refusal(NamedTuple):
    """Why not, in words for the reader; the service raises it, a page just hides the button."""

    error: type[VecheError]
    message: str

    def exception(self) -> VecheError:
        return self.error(self.message)


def within_edit_window(c: CommentFacts, story: StoryFacts, now: dt.datetime) -> bool:
    return now - c.created_at <= dt.timedelta(seconds=story.site.edit_window_seconds)


def edit_refusal(c: CommentFacts, story: StoryFacts, who: Who, now: dt.datetime) -> Refusal | None:
    """Authors edit their own words while the window is open; a held comment stays theirs."""
    if not is_own(c, who):
        return Refusal(Forbidden, _("You can only edit your own comments."))
    if c.status is not CommentStatus.visible and c.status is not CommentStatus.pending:
        return Refusal(Conflict, _("A deleted comment cannot be edited."))
    if not within_edit_window(c, story, now):
        minutes = story.site.edit_window_seconds // 60
        said = ngettext(
            "Comments can only be edited within %(num)s minute of posting.",
            "Comments can only be edited within %(num)s minutes of posting.",
            minutes,
        )
        return Refusal(Forbidden, said % {"num": minutes})
    return None


def can_edit(c: CommentFacts, story: StoryFacts, who: Who, now: dt.datetime) -> bool:
    return edit_refusal(c, story, who, now) is None


def delete_refusal(c: CommentFacts, who: Who) -> Refusal | None:
    """Authors delete their own; moderators remove others' with a reason (an audited
    decision), never by deleting them."""
    if not is_own(c, who):
        message = _("You can only delete your own comments.")
        if is_moderator(who):
            message = _(
                "You can only delete your own comments. "
                "To take down someone else's, remove it with a reason."
            )
        return Refusal(Forbidden, message)
    return None


def can_delete(c: CommentFacts, who: Who) -> bool:
    """What the Delete button offers: an author's own, not yet gone."""
    return is_own(c, who) and c.status not in GONE


def remove_refusal(who: Who) -> Refusal | None:
    if not is_moderator(who):
        return Refusal(Forbidden, _("Only moderators can remove comments."))
    return None


def moderate_refusal(who: Who) -> Refusal | None:
    if who.user_id is None:
        return Refusal(AuthRequired, _("Sign in as a moderator to do that."))
    if not is_moderator(who):
        return Refusal(Forbidden, _("Only moderators can do that."))
    return None


def admin_refusal(who: Who) -> Refusal | None:
    """The admin pages and all they change (sites, stories' state, roles, sessions), and the
    audit log: asked by service/admin.py on every call."""
    if who.user_id is None:
        return Refusal(AuthRequired, _("Sign in as an admin to do that."))
    if who.role is not Role.admin:
        return Refusal(Forbidden, _("Only admins can do that."))
    return None


def origin_refusal(allowed: Collection[str], origin: str | None) -> Refusal | None:
    """May a page on `origin` show a site's discussion? Only an origin the site lists. No
    Origin at all (a same-origin read, a server) is not a publisher's page: not refused."""
    if origin is None or origin in allowed:
        return None
    # The header is the caller's: a short, well-formed one is named, anything else is not.
    if len(origin) <= 200 and "://" in origin:
        said = _("This site does not allow pages from %(origin)s to show its discussion.")
        return Refusal(OriginRefused, said % {"origin": origin})
    return Refusal(OriginRefused, _("This site does not allow this page to show its discussion."))


def is_banned(user: BanFacts | None, now: dt.datetime) -> bool:
    if user is None or user.banned_at is None:
        return False
    return user.banned_until is None or user.banned_until > now


def ban_refusal(user: BanFacts | None, now: dt.datetime) -> Refusal | None:
    """A banned reader is told why and until when, on every write they try."""
    if user is None or not is_banned(user, now):
        return None
    if user.banned_until is None:
        said = _("You are banned from commenting permanently.")
    else:
        until = f"{user.banned_until.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
        said = _("You are banned from commenting until %(until)s.") % {"until": until}
    if user.ban_reason:
        said += " " + _("Reason: %(reason)s") % {"reason": user.ban_reason}
    return Refusal(Banned, said)


def can_remove(c: CommentFacts, who: Who) -> bool:
    return remove_refusal(who) is None and c.status is not CommentStatus.removed


def reaction_refusal(c: CommentFacts, who: Who) -> Refusal | None:
    """Members react to published comments of others: not guests (a reaction counts a
    person), not to their own words, not to what is held, deleted or removed."""
    if who.user_id is None:
        return Refusal(AuthRequired, _("Sign in to react to comments."))
    if not can_see(c, who):
        return Refusal(NotFound, _("There is no such comment."))
    if is_own(c, who):
        return Refusal(Forbidden, _("You cannot react to your own comment."))
    if c.status is not CommentStatus.visible:
        return Refusal(Conflict, _("Only a published comment can be reacted to."))
    return None


C = TypeVar("C", bound=CommentFacts)


def visible_to(comments: Iterable[C], who: Who) -> Iterator[C]:
    """Display-ordered comments minus what `who` may not see, and the subtrees under those."""
    moderator = is_moderator(who)
    hidden: str | None = None
    for c in comments:
        if hidden is not None and c.path.startswith(hidden):
            continue
        hidden = None
        if not moderator and not can_see(c, who):
            hidden = c.path
            continue
        yield c


def may_notify(
    recipient: BanFacts, recipient_id: int, actor_id: int | None, status: CommentStatus,
    now: dt.datetime,
) -> bool:  # fmt: skip
    """A reply or mention reaches its member only from a published comment (a held one
    waits for its approval; a shadow-banned author's reaches no one), never from
    themselves, and not while the member is banned: a notification invites a reply."""
    return (
        status is CommentStatus.visible
        and recipient_id != actor_id
        and not is_banned(recipient, now)
    )
