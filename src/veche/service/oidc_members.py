"""The member behind an OpenID identity: found by (site, 'oidc', sub), or made on first sight.

The provider's `sub` is the only key: a handle or an email it sends is a suggestion, never
a way into an existing account (another site's provider could claim anyone's address). A
new member's handle comes from `preferred_username` (or the name) by publisher SSO's rule
(service.sso.free_handle): cleaned to what a handle may hold, and given a number if it is
taken, looks like a member's handle, or claims a staff title. Member and identity are
written in one transaction.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from veche.domain import validation
from veche.domain.enums import Role
from veche.domain.errors import InvalidInput
from veche.i18n import gettext as _
from veche.moderation.confusables import claims_office, name_key
from veche.service.accounts import Accounts
from veche.service.oidc import Claims, SignInFailed
from veche.service.runtime import Runtime
from veche.service.sso import free_handle
from veche.store import accounts as store
from veche.store import stories as store_stories
from veche.store.models import User
from veche.store.reader_models import Identity

PROVIDER = "oidc"


@dataclass(frozen=True)
class SignedIn:
    """A fresh session for the member, and who they are (for the page or the embed)."""

    token: str
    user_id: int
    handle: str
    display_name: str | None
    role: str
    created: bool


def wanted_handle(claims: Claims) -> str:
    """The provider's suggestion: its username, else the name, else the email's local part."""
    for raw in (claims.username, claims.name, (claims.email or "").split("@")[0]):
        if raw and raw.strip():
            return raw.strip()[:200]
    return "member"


def _display_name(claims: Claims) -> str | None:
    try:
        name = validation.display_name(claims.name)
    except InvalidInput:
        return None
    if name and claims_office(name):
        return None
    return name[: validation.NAME_MAX] if name else None


class OidcMembers:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def sign_in(self, site_name: str, claims: Claims, *, user_agent: str | None) -> SignedIn:
        for _attempt in range(3):
            try:
                user, created = self._member(site_name, claims)
                break
            except IntegrityError:
                continue  # a concurrent sign-in took the handle or the identity: look again
        else:
            raise SignInFailed(_("Signing you in collided with another sign-in. Please try again."))
        token = Accounts(self.rt).open_session(user, user_agent)
        return SignedIn(
            token, user.id, user.handle, user.display_name, user.role.value, created=created
        )

    def _member(self, site_name: str, claims: Claims) -> tuple[User, bool]:
        now = self.rt.clock()
        with self.rt.db.session() as s:
            site = store_stories.site_by_name(s, site_name)
            if site is None:
                raise SignInFailed(_("This site no longer exists."))
            identity = s.scalars(
                select(Identity).where(
                    Identity.site_id == site.id,
                    Identity.provider == PROVIDER,
                    Identity.subject == claims.subject,
                )
            ).first()
            if identity is not None:
                s.execute(
                    update(Identity).where(Identity.id == identity.id).values(last_used_at=now)
                )
                user = s.get(User, identity.user_id)
                assert user is not None  # the identity goes with its user (ON DELETE CASCADE)
                return user, False
            # The same rule as publisher SSO: the wish if free, else a derived handle that no
            # member holds or resembles and that claims no staff title.
            handle = free_handle(s, wanted_handle(claims), None)
            email = None
            with suppress(InvalidInput):
                email = validation.email(claims.email)
            if email and store.user_by_email(s, email) is not None:
                email = None  # never a way into that account, and the column is unique
            name = _display_name(claims)
            user = User(
                handle=handle,
                handle_key=validation.handle_key(handle),
                email=email,
                # Only an address the provider says it verified is ever stored.
                email_verified_at=now if email else None,
                display_name=name,
                password_hash=None,
                role=Role.reader,
                handle_skeleton=name_key(handle),
                name_skeleton=name_key(name) if name else None,
                created_at=now,
            )
            s.add(user)
            s.flush()
            s.add(
                Identity(
                    user_id=user.id,
                    site_id=site.id,
                    provider=PROVIDER,
                    subject=claims.subject,
                    created_at=now,
                    last_used_at=now,
                )
            )
            s.flush()
            return user, True
