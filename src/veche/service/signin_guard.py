"""Sign-in throttling per account, on top of the per-address limit.

Guessing one account's password from many addresses (a botnet, or a newsroom NAT turned
against a colleague) passes any per-address limit, so each account counts its own failures in
the database every node shares. After `FREE_FAILURES`, every further failure locks the account
twice as long as the one before; while locked, no password is even checked. The owner is not
stuck: a sign-in link by email (service.recovery) clears the count.

An unknown login is counted the same way under its own key, so the answers for an existing
and a missing account stay alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from veche.domain.errors import RateLimited
from veche.i18n import N_
from veche.i18n import gettext as _
from veche.service.runtime import Runtime
from veche.store import account_tokens as store

FREE_FAILURES = 5
FIRST_WAIT = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(hours=6)
FORGIVEN_AFTER = dt.timedelta(days=1)  # longer than LONGEST_WAIT: no lock is cut short
LINK_HINT = N_("You can ask for a sign-in link by email instead.")


def account_key(user_id: int | None, login_key: str) -> str:
    if user_id is not None:
        return f"user:{user_id}"
    return "login:" + hashlib.sha256(login_key.encode()).hexdigest()[:40]


def wait_after(failures: int) -> dt.timedelta | None:
    """None while the failures are free; then 30 s, 60 s, 120 s, … up to six hours."""
    extra = failures - FREE_FAILURES
    if extra < 0:
        return None
    if extra > 20:
        return LONGEST_WAIT
    wait: dt.timedelta = FIRST_WAIT * 2**extra
    return min(wait, LONGEST_WAIT)


class SigninGuard:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def reserve(self, key: str) -> None:
        """Before a password is checked: count the attempt as a failure now, or refuse while
        the account is locked. Counting first means parallel guesses cannot all be checked
        before the lock lands (found by review: 16 threads had 19 passwords checked where 6
        were allowed); a right password takes its attempt back (`succeeded`)."""
        now = self.rt.clock()
        with self.rt.db.session() as s:
            store.forget_before(s, now - FORGIVEN_AFTER)
            count = store.attempt(s, key, now)
            if count is None:
                until = store.locked_until(s, key)
            else:
                wait = wait_after(count)
                if wait is not None:
                    store.lock(s, key, now + wait)
        if count is None:
            left = (until - now).total_seconds() if until is not None else 1.0
            wait_s = max(1, math.ceil(left))
            raise RateLimited(
                _(
                    "Too many failed sign-ins to this account. Please wait %(wait_s)s seconds and try again. %(LINK_HINT)s"
                )
                % {"wait_s": wait_s, "LINK_HINT": _(LINK_HINT)},
                retry_after=wait_s,
            )

    def succeeded(self, key: str) -> None:
        with self.rt.db.session() as s:
            store.clear(s, key)
