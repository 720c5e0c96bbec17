"""Replies and mentions become notifications: in the page (a bell, live) and by mail.

They are fed by a follower of the `events` table (veche.notify.feed), never by the write
path: a new, approved, restored or edited comment is looked at after its commit, in the
follower's transaction, which also advances its cursor. The unique (member, kind, comment)
row is the "exactly once": an event seen twice, or an edit that keeps a mention, tells no
one again. A member is told only of a published comment, never of their own, not while
banned; a reply that also mentions the parent's author is one notification, not two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from veche.domain.enums import CommentStatus
from veche.domain.errors import AuthRequired, InvalidInput, NotFound
from veche.domain.mentions import mentioned_ids
from veche.domain.notifications import MailMode, MailState, NotificationKind
from veche.i18n import gettext as _
from veche.live.broker import Notice
from veche.notify.feed import Follower
from veche.notify.mail import queue_mail
from veche.service import notify_mail, policy
from veche.service.runtime import Runtime, Viewer
from veche.store import notifications as store
from veche.store.models import Comment, Event, Story, User
from veche.store.reader_models import Notification

NOTIFYING = frozenset({"comment.created", "comment.approved", "comment.restored", "comment.edited"})
PAGE_MAX = 50


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: NotificationKind
    comment_id: int
    story_id: int
    story_title: str
    actor: str
    excerpt: str
    url: str  # the comment's permalink
    created_at: dt.datetime
    read: bool


@dataclass(frozen=True)
class NotificationsPage:
    unread: int
    items: list[NotificationView]
    next_before: int | None  # pass as `before` for older ones


@dataclass(frozen=True)
class MailSettings:
    mail: MailMode
    has_email: bool


def actor_name(c: Comment) -> str:
    return c.author.handle if c.author is not None else (c.guest_name or "guest")


def _member(viewer: Viewer) -> User:
    if viewer.user is None:
        raise AuthRequired(_("Sign in to see your notifications."))
    return viewer.user


class Notifications:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def follower(self) -> Follower:
        return Follower(self.rt, "notifications", self.on_events)

    # -- from the feed ------------------------------------------------------------------------
    def on_events(self, s: Session, events: Sequence[Event]) -> Callable[[], None] | None:
        """Runs in the follower's transaction; returns the live notices to send after it."""
        wanted = [e for e in events if e.kind in NOTIFYING and e.comment_id is not None]
        if not wanted:
            return None
        comments, parent_authors = store.comments_with_parents(
            s, (e.comment_id for e in wanted if e.comment_id is not None)
        )
        todo: list[tuple[int, NotificationKind, Comment]] = []
        for e in wanted:
            c = comments.get(e.comment_id or 0)
            if c is None or c.status is not CommentStatus.visible:
                continue
            parent_author = parent_authors.get(c.parent_id) if c.parent_id else None
            if parent_author is not None and e.kind != "comment.edited":
                todo.append((parent_author, NotificationKind.reply, c))
            todo.extend((uid, NotificationKind.mention, c) for uid in mentioned_ids(c.body_html))
        told = self._tell(s, todo) if todo else set()
        if not told:
            return None

        def ring() -> None:
            """After commit: each member's bell, on whichever node their pages are."""
            for uid in sorted(told):
                self.rt.broker.publish(Notice("user", uid))

        return ring

    def _tell(self, s: Session, todo: list[tuple[int, NotificationKind, Comment]]) -> set[int]:
        now = self.rt.clock()
        seen = store.existing(s, {c.id for _u, _k, c in todo})
        members = store.users(s, {uid for uid, _k, _c in todo})
        stories = {c.story_id: c for _u, _k, c in todo}
        titles = {sid: s.get(Story, sid) for sid in stories}
        told: set[int] = set()
        for uid, kind, c in todo:
            member = members.get(uid)
            # A reply that mentions its parent's author tells them once, as a reply.
            if {(uid, kind, c.id), (uid, NotificationKind.reply, c.id)} & seen:
                continue
            seen.add((uid, kind, c.id))
            if member is None or not policy.may_notify(member, uid, c.author_id, c.status, now):
                continue
            story = titles[c.story_id]
            assert story is not None
            row = Notification(
                user_id=uid, kind=kind, comment_id=c.id, story_id=c.story_id,
                actor_id=c.author_id, actor=actor_name(c)[:80], created_at=now,
                mail=self._mail_state(member),
            )  # fmt: skip
            s.add(row)
            if row.mail is MailState.queued and member.email:
                mail = notify_mail.one(
                    member.email, kind, row.actor, c, story, base=self.rt.config.base_url,
                    unsubscribe=self.unsubscribe_url(uid),
                    language=member.language or story.site.language,
                )  # fmt: skip
                queue_mail(
                    s, mail, now=now, site_id=story.site_id,
                    dedupe_key=f"notify:{uid}:{kind.value}:{c.id}",
                )  # fmt: skip
            told.add(uid)
        s.flush()
        return told

    @staticmethod
    def _mail_state(member: User) -> MailState:
        if not member.email or member.email_verified_at is None:
            return MailState.none  # an address nobody proved theirs gets no mail from us
        if member.notify_mail is MailMode.off:
            return MailState.none
        return MailState.queued if member.notify_mail is MailMode.immediate else MailState.digest

    def unsubscribe_url(self, user_id: int) -> str:
        return notify_mail.unsubscribe_url(self.rt.config.base_url, self.rt.secret, user_id)

    # -- the member's list ------------------------------------------------------------------
    def page(self, viewer: Viewer, before: int | None = None, limit: int = 20) -> NotificationsPage:
        member = _member(viewer)
        limit = max(1, min(limit, PAGE_MAX))
        base = self.rt.config.base_url
        with self.rt.db.session(write=False) as s:
            unread = store.unread_count(s, member.id)
            rows = store.page(s, member.id, before, limit + 1)
        items = [_view(n, c, st, base) for n, c, st in rows[:limit]]
        more = len(rows) > limit
        return NotificationsPage(unread, items, items[-1].id if more and items else None)

    def unread(self, user_id: int) -> int:
        with self.rt.db.session(write=False) as s:
            return store.unread_count(s, user_id)

    def mark_read(self, viewer: Viewer, ids: Sequence[int] | None) -> int:
        """Returns the unread count after; every open page of the member hears it."""
        member = _member(viewer)
        if ids is not None and len(ids) > 200:
            raise InvalidInput(_("Mark at most 200 notifications at once."), field="ids")
        # Each one makes every node look through its streams: not a loop to run freely.
        self.rt.limiter.hit(self.rt.config.rate_limit_reactions, "read", str(member.id))
        now = self.rt.clock()
        with self.rt.db.session() as s:
            store.mark_read(s, member.id, ids, now)
        self.rt.broker.publish(Notice("user", member.id))
        return self.unread(member.id)

    # -- mail settings ------------------------------------------------------------------------
    def mail_settings(self, viewer: Viewer) -> MailSettings:
        member = _member(viewer)
        with self.rt.db.session(write=False) as s:
            fresh = s.get(User, member.id)
            if fresh is None:
                raise NotFound(_("There is no such member."))
            return MailSettings(fresh.notify_mail, bool(fresh.email))

    def set_mail(self, viewer: Viewer, mode: str) -> MailSettings:
        member = _member(viewer)
        self._set_mail(member.id, parse_mode(mode))
        return self.mail_settings(viewer)

    def _set_mail(self, user_id: int, mode: MailMode) -> None:
        with self.rt.db.session() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound(_("There is no such member."))
            user.notify_mail = mode
            if mode is MailMode.off:
                store.settle_mail(s, user_id, MailState.none, None)

    def unsubscribe_target(self, user_id: int, signature: str) -> User:
        """The member a signed unsubscribe link names; a forged one is a 404."""
        if not notify_mail.unsubscribe_ok(self.rt.secret, user_id, signature):
            raise NotFound(_("This unsubscribe link is not valid."))
        with self.rt.db.session(write=False) as s:
            user = s.get(User, user_id)
        if user is None:
            raise NotFound(_("This unsubscribe link is not valid."))
        return user

    def unsubscribe(self, user_id: int, signature: str) -> User:
        """RFC 8058's one click: no sign-in, the signature is the proof."""
        user = self.unsubscribe_target(user_id, signature)
        self._set_mail(user.id, MailMode.off)
        return user


def _view(n: Notification, c: Comment, st: Story, base: str) -> NotificationView:
    """What the member's list shows: a comment taken down since shows no words."""
    shown = c.status is CommentStatus.visible
    return NotificationView(
        id=n.id, kind=n.kind, comment_id=c.id, story_id=st.id, story_title=st.title,
        actor=n.actor, excerpt=notify_mail.excerpt(c.body_text, 140) if shown else "",
        url=notify_mail.permalink(base, st.id, c.id), created_at=n.created_at,
        read=n.read_at is not None,
    )  # fmt: skip


def parse_mode(value: str) -> MailMode:
    try:
        return MailMode(value)
    except ValueError:
        raise InvalidInput(
            _("Notification mail is one of: immediate, digest, off."), field="mail"
        ) from None
