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
from veche.service.runtime import Runtime
from veche.store import account_tokens as store

FREE_FAILURES = 5
FIRST_WAIT = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(hours=6)
FORGIVEN_AFTER = dt.timedelta(days=1)  # longer than LONGEST_WAIT: no lock is cut short
LINK_HINT = "You can ask for a sign-in link by email instead."


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

    def check(self, key: str) -> None:
        """Refuse before any password is checked while the account is locked."""
        now = self.rt.clock()
        with self.rt.db.session(write=False) as s:
            until = store.locked_until(s, key)
        if until is not None and until > now:
            wait = max(1, math.ceil((until - now).total_seconds()))
            raise RateLimited(
                f"Too many failed sign-ins to this account. Please wait {wait} seconds and try "
                f"again. {LINK_HINT}",
                retry_after=wait,
            )

    def failed(self, key: str) -> None:
        now = self.rt.clock()
        with self.rt.db.session() as s:
            store.forget_before(s, now - FORGIVEN_AFTER)
            wait = wait_after(store.fail(s, key, now))
            if wait is not None:
                store.lock(s, key, now + wait)

    def succeeded(self, key: str) -> None:
        with self.rt.db.session() as s:
            store.clear(s, key)
