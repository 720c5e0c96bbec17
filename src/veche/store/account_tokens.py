"""One-time mailed tokens and the per-account sign-in throttle; only token hashes are kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veche.store.accounts import token_hash
from veche.store.reader_models import AccountToken, SigninThrottle


@dataclass(frozen=True)
class Used:
    """What a consumed token was for."""

    user_id: int
    email: str | None


def add(
    s: Session,
    user_id: int,
    purpose: str,
    token: str,
    *,
    now: dt.datetime,
    ttl: dt.timedelta,
    email: str | None = None,
) -> None:
    s.add(
        AccountToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=token_hash(token),
            email=email,
            created_at=now,
            expires_at=now + ttl,
        )
    )


def consume(s: Session, purpose: str, token: str, now: dt.datetime) -> Used | None:
    """Marks the token used, once: a second use, or two at the same time, finds nothing."""
    row = s.execute(
        update(AccountToken)
        .where(
            AccountToken.token_hash == token_hash(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(AccountToken.user_id, AccountToken.email)
    ).first()
    if row is None:
        return None
    # Any other open link of the same kind is spent too: only the newest proof counts.
    s.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == row.user_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return Used(row.user_id, row.email)


def peek(s: Session, purpose: str, token: str, now: dt.datetime) -> Used | None:
    """Whether a token is still good, without spending it (a form shown before it is used)."""
    row = s.execute(
        select(AccountToken.user_id, AccountToken.email).where(
            AccountToken.token_hash == token_hash(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
    ).first()
    return None if row is None else Used(row.user_id, row.email)


def locked_until(s: Session, key: str) -> dt.datetime | None:
    return s.scalar(select(SigninThrottle.locked_until).where(SigninThrottle.key == key))


def fail(s: Session, key: str, now: dt.datetime) -> int:
    """Counts one failure atomically (nodes race here) and returns the count."""
    count = s.scalar(
        update(SigninThrottle)
        .where(SigninThrottle.key == key)
        .values(failures=SigninThrottle.failures + 1, updated_at=now)
        .returning(SigninThrottle.failures)
    )
    if count is not None:
        return int(count)
    try:
        with s.begin_nested():
            s.add(SigninThrottle(key=key, failures=1, updated_at=now))
    except IntegrityError:  # another node inserted it first
        return fail(s, key, now)
    return 1


def attempt(s: Session, key: str, now: dt.datetime) -> int | None:
    """Counts one attempt before its password is checked, unless the key is locked (None):
    one statement, so attempts racing from many nodes cannot all slip in before a lock."""
    count = s.scalar(
        update(SigninThrottle)
        .where(
            SigninThrottle.key == key,
            or_(SigninThrottle.locked_until.is_(None), SigninThrottle.locked_until <= now),
        )
        .values(failures=SigninThrottle.failures + 1, updated_at=now)
        .returning(SigninThrottle.failures)
    )
    if count is not None:
        return int(count)
    if s.scalar(select(SigninThrottle.key).where(SigninThrottle.key == key)) is not None:
        return None  # locked
    return fail(s, key, now)  # the first attempt: inserts the row (or counts on it)


def lock(s: Session, key: str, until: dt.datetime) -> None:
    s.execute(update(SigninThrottle).where(SigninThrottle.key == key).values(locked_until=until))


def clear(s: Session, *keys: str) -> None:
    for key in keys:
        s.execute(
            update(SigninThrottle)
            .where(SigninThrottle.key == key)
            .values(failures=0, locked_until=None)
        )


def forget_before(s: Session, before: dt.datetime) -> None:
    """Failures older than a day are forgiven, and an attacker's made-up logins leave no
    lasting rows (one index range on updated_at)."""
    s.execute(delete(SigninThrottle).where(SigninThrottle.updated_at < before))


def spend_all(s: Session, user_id: int, now: dt.datetime, *purposes: str) -> None:
    """Links mailed before a password or address change stop working: they were sent to
    whoever held the account then."""
    s.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose.in_(purposes),
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
    )


def pending_email(s: Session, user_id: int, now: dt.datetime) -> str | None:
    """The newest address waiting for its link to be opened."""
    return s.scalar(
        select(AccountToken.email)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == "verify",
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
            AccountToken.email.is_not(None),
        )
        .order_by(AccountToken.created_at.desc(), AccountToken.id.desc())
        .limit(1)
    )
