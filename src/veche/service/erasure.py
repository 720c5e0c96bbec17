"""A member's own data: download it (JSON, service.personal_data), or delete the account.

Deletion erases what identifies the person — email, handle, names, password, sessions,
outside identities, mailed links — and keeps every thread readable: the user row stays (as
"[deleted]") so replies, numbering and moderators' records hold. Their comments follow each
site's `deleted_accounts` setting: `placeholder` turns them into the usual "deleted" card
with the words erased; `anonymise` keeps the words under "[deleted]". Either way a live event
per comment tells open streams and caches.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from veche.domain.enums import CommentStatus, Role
from veche.domain.errors import Conflict
from veche.domain.moderation import ModerationSettings
from veche.i18n import gettext as _
from veche.service import policy
from veche.service.found import for_write, last_seq
from veche.service.my_account import MyAccount, me
from veche.service.personal_data import PersonalData
from veche.service.runtime import Runtime, Viewer
from veche.service.signin_guard import account_key
from veche.store import comments as store_comments
from veche.store.models import AuthSession, Comment, CommentRevision, Event, Site, Story, User
from veche.store.reader_models import (
    AccountToken,
    Identity,
    Notification,
    OutboxItem,
    SigninThrottle,
)

DELETED_HANDLE = "[deleted]"  # brackets are never in a real handle: nobody can pass as it
BATCH = 100


class Erasure:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def export(self, viewer: Viewer) -> dict[str, Any]:
        """The member's own data (service.personal_data), without any token or hash."""
        return PersonalData(self.rt).of(me(viewer).id, current_token=viewer.token)

    def delete_account(self, viewer: Viewer, password: str) -> None:
        user = me(viewer)
        MyAccount(self.rt).confirm(viewer, password)
        if user.role is Role.admin:
            raise Conflict(
                _(
                    "An administrator's account cannot delete itself; another admin can demote "
                    "it first."
                ),
                field="password",
            )
        # The identity goes first, in one transaction: from here on nobody can sign in as
        # them, whatever happens to the comments after.
        self._scrub(user.id)
        modes = self._modes(user.id)
        for site_id, mode in modes.items():
            ids = self._comment_ids(user.id, site_id)
            for at in range(0, len(ids), BATCH):
                self._erase(ids[at : at + BATCH], anonymise=mode == "anonymise")

    def _scrub(self, user_id: int) -> None:
        now = self.rt.clock()
        with self.rt.db.session() as s:
            user = s.get(User, user_id)
            assert user is not None
            if user.email:  # mails to them, sent or waiting, and their text
                s.execute(
                    delete(OutboxItem).where(
                        OutboxItem.kind == "mail", OutboxItem.target == user.email
                    )
                )
            user.avatar_url = None
            user.handle = DELETED_HANDLE
            user.handle_key = f"{DELETED_HANDLE}#{user_id}"
            user.handle_skeleton = user.name_skeleton = None
            user.email = user.display_name = user.password_hash = None
            user.email_verified_at = user.last_seen_at = None
            user.hide_presence = True
            user.role = Role.reader
            user.deleted_at = now
            for table in (AuthSession, Identity, AccountToken):
                s.execute(delete(table).where(table.user_id == user_id))
            s.execute(delete(SigninThrottle).where(SigninThrottle.key == account_key(user_id, "")))
            # Their own notifications go; others' notifications of them keep no name.
            s.execute(delete(Notification).where(Notification.user_id == user_id))
            s.execute(
                update(Notification)
                .where(Notification.actor_id == user_id)
                .values(actor=DELETED_HANDLE, actor_id=None)
            )
        self.rt.came_online()  # streams drop their presence dot now
        self.rt.sessions_revoked(user_id)  # and their open streams end as theirs

    def _modes(self, user_id: int) -> dict[int, str]:
        with self.rt.db.session(write=False) as s:
            rows = s.execute(
                select(Site.id, Site.moderation)
                .where(
                    Site.id.in_(
                        select(Story.site_id)
                        .join(Comment, Comment.story_id == Story.id)
                        .where(Comment.author_id == user_id)
                        .distinct()
                    )
                )
                .order_by(Site.id)
            ).all()
        return {sid: ModerationSettings.from_stored(mod).deleted_accounts for sid, mod in rows}

    def _comment_ids(self, user_id: int, site_id: int) -> list[int]:
        with self.rt.db.session(write=False) as s:
            return list(
                s.scalars(
                    select(Comment.id)
                    .join(Story, Story.id == Comment.story_id)
                    .where(Comment.author_id == user_id, Story.site_id == site_id)
                    .order_by(Comment.id)
                )
            )

    def _erase(self, ids: list[int], *, anonymise: bool) -> None:
        now = self.rt.clock()

        def job(s: Session) -> list[Event]:
            events: list[Event] = []
            for comment_id in ids:
                comment = for_write(s, comment_id)
                if anonymise:
                    if comment.status is CommentStatus.visible:
                        events.append(_event(s, comment, "comment.anonymised", now))
                    continue
                if comment.status not in policy.GONE:
                    events += store_comments.set_status(s, comment, CommentStatus.deleted, now)
                comment.body_src = comment.body_html = comment.body_text = ""
                comment.quote_text = None
                s.execute(delete(CommentRevision).where(CommentRevision.comment_id == comment.id))
            return events

        events = self.rt.db.write(job)
        for story_id in {e.story_id for e in events}:
            self.rt.publish(story_id, last_seq(e for e in events if e.story_id == story_id))


def _event(s: Session, comment: Comment, kind: str, now: dt.datetime) -> Event:
    return store_comments.append_event(s, comment.story_id, kind, comment.id, {}, now=now)
