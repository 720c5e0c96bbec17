"""The daily digest: one mail per member per day with the notifications that waited.

A periodic job (run by the node's background loops) looks for members whose notifications
wait for a digest and whose last digest was on an earlier day, once the day's hour has come
(VECHE_DIGEST_HOUR, UTC). The outbox's dedupe key (member + date) keeps two nodes, or a
retried run, from sending a second digest that day.
"""

from __future__ import annotations

import datetime as dt

from veche.domain.enums import CommentStatus
from veche.domain.notifications import MailMode, MailState
from veche.notify.loop import Looping, Periodic
from veche.notify.mail import queue_mail
from veche.service import notify_mail
from veche.service.runtime import Runtime
from veche.store import notifications as store
from veche.store.models import User

BATCH = 50  # members per run
PER_DIGEST = 100  # notifications in one mail; more wait for the next day


class Digest(Looping):
    def __init__(self, rt: Runtime, *, hour: int = 8, every: float = 60.0) -> None:
        self.rt = rt
        self.hour = hour
        self.loop = Periodic("veche-digest", self.run_once, every=every)

    def run_once(self) -> int:
        """Queues today's digests that are due; returns how many members it looked at."""
        now = self.rt.clock()
        if now.astimezone(dt.UTC).hour < self.hour:
            return 0
        today = now.astimezone(dt.UTC).date()
        with self.rt.db.session(write=False) as s:
            candidates = store.digest_users(s, BATCH * 4)
        sent = 0
        for user_id in candidates:
            if sent >= BATCH:
                break
            sent += self._one(user_id, today, now)
        return 0  # whatever is left is for the next run, not a busy loop

    def _one(self, user_id: int, today: dt.date, now: dt.datetime) -> int:
        with self.rt.db.session() as s:
            user = s.get(User, user_id)
            if user is None:
                return 0
            if (
                not user.email
                or user.email_verified_at is None
                or user.notify_mail is not MailMode.digest
            ):
                store.settle_mail(s, user_id, MailState.none, None)  # mails were turned off
                return 0
            last = user.digest_sent_at
            if last is not None and last.astimezone(dt.UTC).date() >= today:
                return 0
            waiting = store.waiting_for_digest(s, user_id, PER_DIGEST)
            # A comment removed or held again since it was noticed is not mailed: its words
            # must not reach anyone's inbox after a moderator took them down.
            rows = [r for r in waiting if r[1].status is CommentStatus.visible]
            gone = [n.id for n, c, _s in waiting if c.status is not CommentStatus.visible]
            if gone:
                store.settle_mail(s, user_id, MailState.none, gone)
            if not rows:
                return 0
            base = self.rt.config.base_url
            mail = notify_mail.digest(
                user.email, today, rows, base=base,
                unsubscribe=notify_mail.unsubscribe_url(base, self.rt.secret, user_id),
                language=user.language or rows[0][2].site.language,
            )  # fmt: skip
            queue_mail(s, mail, now=now, dedupe_key=f"digest:{user_id}:{today.isoformat()}")
            store.settle_mail(s, user_id, MailState.sent, [n.id for n, _c, _s in rows])
            user.digest_sent_at = now
            return 1
