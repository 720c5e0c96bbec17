"""Users and their server-side sessions; only token hashes are stored."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from veche.store.models import AuthSession, User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_by_login(s: Session, handle_key: str, email: str | None) -> User | None:
    """By handle, or by an address its owner proved: an address anyone could have typed at
    sign-up is no login (and a sign-in by it would tell whether it was taken)."""
    match = User.handle_key == handle_key
    if email:
        match = match | ((User.email == email) & User.email_verified_at.is_not(None))
    return s.scalars(select(User).where(match)).first()


def user_by_handle_key(s: Session, handle_key: str) -> User | None:
    return s.scalars(select(User).where(User.handle_key == handle_key)).first()


def user_by_name_key(s: Session, key: str) -> User | None:
    """A member whose handle or display name reads the same (moderation.confusables)."""
    if not key:
        return None
    return s.scalars(
        select(User).where((User.handle_skeleton == key) | (User.name_skeleton == key)).limit(1)
    ).first()


def user_by_email(s: Session, email: str) -> User | None:
    return s.scalars(select(User).where(User.email == email)).first()


def session_by_token(s: Session, token: str, now: dt.datetime) -> AuthSession | None:
    return s.scalars(
        select(AuthSession).where(
            AuthSession.token_hash == token_hash(token),
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
        )
    ).first()


def revoke(s: Session, token: str, now: dt.datetime) -> None:
    s.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == token_hash(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_all(s: Session, user_id: int, now: dt.datetime) -> int:
    result = s.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def touch(s: Session, user_id: int, now: dt.datetime) -> None:
    s.execute(update(User).where(User.id == user_id).values(last_seen_at=now))
