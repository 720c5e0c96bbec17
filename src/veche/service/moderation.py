"""Moderators' use cases: decide on comments, feature them, restrict users, close stories;
readers' reports. Every moderator action is written to the audit log in the same
transaction as the change it records.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from veche.domain import validation
from veche.domain.enums import CommentStatus, ReportReason, Role
from veche.domain.errors import AlreadyDecided, AuthRequired, Conflict, Forbidden, InvalidInput
from veche.domain.markup import clean_text
from veche.domain.moderation import Action, ModerationSettings, needs_reason, next_status
from veche.i18n import N_
from veche.i18n import gettext as _
from veche.security.ratelimit import client_bucket
from veche.service import policy
from veche.service.found import comment_of, for_write, last_seq, refuse, story_of
from veche.service.runtime import Runtime, Viewer
from veche.store import moderation as store
from veche.store.accounts import user_by_handle_key
from veche.store.comments import append_event
from veche.store.models import Comment, Event, Story, User

NOTE_MAX = 500
PAST = {
    CommentStatus.visible: N_("approved"),
    CommentStatus.rejected: N_("rejected"),
    CommentStatus.removed: N_("removed"),
    CommentStatus.deleted: N_("deleted by its author"),
    CommentStatus.pending: N_("sent back to the queue"),
    CommentStatus.shadowed: N_("restored"),
}


def actor(who: Viewer) -> store.Actor:
    assert who.user is not None
    return store.Actor(who.user.id, who.user.handle)


def note_text(note: str | None, field: str = "note") -> str | None:
    if note is None:
        return None
    text = clean_text(validation.reject_nul(note, field, field=field))
    if len(text) > NOTE_MAX:
        raise InvalidInput(
            _("A %(field)s is at most %(NOTE_MAX)s characters.")
            % {"field": field, "NOTE_MAX": NOTE_MAX},
            field=field,
        )
    return text or None


def reason_text(settings: ModerationSettings, reason: str | None, note: str | None) -> str:
    """One of the site's reasons, or "Other" with a note; the author is shown both."""
    picked = clean_text(reason or "")
    extra = note_text(note)
    if picked and picked not in settings.reasons and picked != "Other":
        raise InvalidInput(
            _("Pick one of this site's reasons, or Other with a note."), field="reason"
        )
    if not picked and not extra:
        raise InvalidInput(_("Say why: pick a reason or write a note."), field="reason")
    if picked == "Other" and not extra:
        raise InvalidInput(_("“Other” needs a note saying why."), field="note")
    if picked and extra and picked != "Other":
        return f"{picked}: {extra}"
    return extra if picked in ("", "Other") and extra else picked


class Moderation:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _guard(self, who: Viewer) -> None:
        refuse(policy.moderate_refusal(who))
        assert who.user is not None
        self.rt.limiter.hit(self.rt.config.rate_limit_moderation, "moderate", str(who.user.id))

    def decide(
        self,
        comment_id: int,
        action: Action,
        who: Viewer,
        *,
        reason: str | None = None,
        note: str | None = None,
        version: int | None = None,
    ) -> Comment:
        """Approve, reject, remove or restore. Exactly one of two moderators deciding the
        same item at once succeeds; the other is told who decided it and how. `version` is
        the item's `mod_version` as the moderator saw it (the queue always sends it)."""
        self._guard(who)
        with self.rt.db.session(write=False) as s:
            story = story_of(s, comment_of(s, comment_id).story_id)
        settings = ModerationSettings.from_stored(story.site.moderation)
        why = reason_text(settings, reason, note) if needs_reason(action) else note_text(note)
        now = self.rt.clock()
        by = actor(who)

        def store_decision(s: Session) -> tuple[Comment, list[Event]]:
            comment = for_write(s, comment_id)
            target = next_status(action, comment.status, comment.open_reports,
                                 comment.status_before)  # fmt: skip
            if target is None or (version is not None and version != comment.mod_version):
                raise AlreadyDecided(_already(s, comment))
            return comment, store.decide(
                s, comment, target, actor=by, action=action.value, reason=why, now=now
            )

        comment, events = self.rt.db.write(store_decision)
        self.rt.publish(comment.story_id, last_seq(events))
        self.rt.queue_changed(story.site_id)
        return comment

    def feature(self, comment_id: int, on: bool, who: Viewer) -> Comment:
        """A staff pick, shown first under the Featured tab; only a published comment."""
        self._guard(who)
        now = self.rt.clock()
        by = actor(who)

        def store_feature(s: Session) -> tuple[Comment, list[Event]]:
            comment = for_write(s, comment_id)
            if on and comment.status is not CommentStatus.visible:
                raise Conflict(_("Only a published comment can be featured."))
            if (comment.featured_at is not None) == on:
                return comment, []
            return comment, store.feature(s, comment, on, actor=by, now=now)

        comment, events = self.rt.db.write(store_feature)
        self.rt.publish(comment.story_id, last_seq(events))
        return comment

    def report(
        self, comment_id: int, who: Viewer, reason: ReportReason, note: str | None = None
    ) -> int:
        """A reader flags a comment for moderators; returns its open reports now."""
        if who.user is None:
            raise AuthRequired(_("Sign in to report a comment."))
        self.rt.limiter.hit(self.rt.config.rate_limit_writes, "report", str(who.user.id))
        self.rt.limiter.hit(self.rt.config.rate_limit_writes, "report-ip", client_bucket(who.ip))
        text = note_text(note)
        now = self.rt.clock()
        refuse(policy.ban_refusal(who.user, now))
        user_id = who.user.id

        def store_report(s: Session) -> tuple[int, int]:
            comment = comment_of(s, comment_id)
            if comment.author_id == user_id:
                raise Conflict(_("You cannot report your own comment."))
            if comment.status is not CommentStatus.visible:
                raise Conflict(_("That comment is not published; there is nothing to report."))
            count = store.add_report(s, comment_id, user_id, reason, text, now)
            return story_of(s, comment.story_id).site_id, count

        site_id, count = self.rt.db.write(store_report)
        self.rt.queue_changed(site_id)
        return count

    def restrict_user(
        self,
        handle: str,
        who: Viewer,
        *,
        ban: bool | None = None,
        days: int | None = None,
        shadow: bool | None = None,
        premoderate: bool | None = None,
        reason: str | None = None,
    ) -> User:
        """Ban (for `days`, or permanently), lift a ban, shadow-ban, or pre-moderate."""
        self._guard(who)
        why = note_text(reason, "reason")
        if ban and not why:
            raise InvalidInput(_("Say why: a banned reader is shown the reason."), field="reason")
        if days is not None and not 1 <= days <= 3650:
            raise InvalidInput(_("A ban lasts 1 to 3650 days, or is permanent."), field="days")
        now = self.rt.clock()
        changes: dict[str, object] = {}
        actions = []
        if ban is not None:
            until = now + dt.timedelta(days=days) if ban and days else None
            changes.update(
                banned_at=now if ban else None, banned_until=until, ban_reason=why if ban else None
            )
            actions.append("ban" if ban else "unban")
        if shadow is not None:
            changes["shadow_banned"] = shadow
            actions.append("shadow_ban" if shadow else "unshadow")
        if premoderate is not None:
            changes["premoderated"] = premoderate
            actions.append("premoderate" if premoderate else "unpremoderate")
        if not actions:
            raise InvalidInput(_("Nothing to change."), field="action")
        by = actor(who)
        assert who.user is not None
        me, my_role = who.user.id, who.user.role

        def store_restriction(s: Session) -> User:
            user = user_by_handle_key(s, validation.handle_key(handle))
            if user is None:
                raise InvalidInput(
                    _("There is no member “%(handle)s”.") % {"handle": handle}, field="handle"
                )
            if user.id == me:
                raise Forbidden(_("You cannot restrict yourself."))
            if user.role is not Role.reader and my_role is not Role.admin:
                raise Forbidden(_("Only an admin can restrict a moderator or an admin."))
            store.restrict(s, user, "+".join(actions), changes, actor=by, reason=why, now=now)
            return user

        return self.rt.db.write(store_restriction)

    def set_open(self, story_id: int, is_open: bool, who: Viewer) -> Story:
        self._guard(who)
        now = self.rt.clock()
        by = actor(who)

        def store_open(s: Session) -> tuple[Story, list[Event]]:
            story = story_of(s, story_id)
            if story.is_open == is_open:
                return story, []
            story.is_open = is_open
            store.audit(
                s, by, "open" if is_open else "close", "story", story.id, now=now,
                story_id=story.id, before={"open": not is_open}, after={"open": is_open},
            )  # fmt: skip
            return story, [append_event(s, story.id, "story.updated", None, {}, now=now)]

        story, events = self.rt.db.write(store_open)
        self.rt.publish(story.id, last_seq(events))
        return story


def _already(s: Session, comment: Comment) -> str:
    """Who decided it first, and how, for the moderator who came second."""
    what = _(PAST[comment.status]) if comment.status in PAST else comment.status.value
    if comment.decided_by is None or comment.decided_at is None:
        return _("This comment was already %(what)s.") % {"what": what}
    decider = s.get(User, comment.decided_by)
    name = decider.handle if decider is not None else _("another moderator")
    return _("Already decided: %(what)s by %(name)s at %(time)s UTC.") % {
        "what": what, "name": name, "time": f"{comment.decided_at:%H:%M:%S}",
    }  # fmt: skip
