"""Outside identities (a publisher's SSO) and the jti of tokens already exchanged."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from veche.store.models import User
from veche.store.reader_models import Identity, UsedSsoToken


def identity(s: Session, site_id: int, provider: str, subject: str) -> Identity | None:
    return s.scalars(
        select(Identity).where(
            Identity.site_id == site_id,
            Identity.provider == provider,
            Identity.subject == subject,
        )
    ).first()


def user(s: Session, user_id: int) -> User | None:
    return s.get(User, user_id)


def spend_jti(s: Session, site_id: int, jti: str, expires_at: dt.datetime) -> None:
    """Records a token's jti; the commit fails (IntegrityError) when it was recorded before,
    on any node: that is a replay."""
    s.add(
        UsedSsoToken(
            site_id=site_id,
            jti_hash=hashlib.sha256(jti.encode()).hexdigest(),
            expires_at=expires_at,
        )
    )


def prune_jtis(s: Session, now: dt.datetime) -> None:
    """Forgets jtis of tokens that expired: they are refused for their age already."""
    s.execute(delete(UsedSsoToken).where(UsedSsoToken.expires_at < now))


def handle_lookalike(s: Session, skeleton: str, own_id: int | None) -> bool:
    """Whether another member's handle reads the same (moderation.confusables)."""
    if not skeleton:
        return False
    query = select(User.id).where(User.handle_skeleton == skeleton)
    if own_id is not None:
        query = query.where(User.id != own_id)
    return s.execute(query.limit(1)).first() is not None
