"""What a signed-in member may do to their own account: name, email, password, sessions,
presence. Export and deletion are in service.erasure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from veche.domain import validation
from veche.domain.errors import (
    AuthRequired,
    BadCredentials,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)
from veche.domain.language import parse_own_language, parse_time_zone
from veche.i18n import gettext as _
from veche.moderation.confusables import claims_office, name_key
from veche.security.passwords import hash_password, verify_password
from veche.service.recovery import Recovery
from veche.service.runtime import Runtime, Viewer
from veche.service.signin_guard import SigninGuard, account_key
from veche.store import account_tokens as tokens
from veche.store import accounts as store
from veche.store.models import AuthSession, User

# How recent a sign-in must be to stand in for a password the member does not have.
FRESH_SIGN_IN = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class AccountView:
    """The account as its owner sees it (the email is shown to nobody else)."""

    id: int
    handle: str
    display_name: str | None
    email: str | None
    email_verified: bool
    hide_presence: bool
    has_password: bool
    role: str
    created_at: dt.datetime
    language: str | None = None  # veche.i18n.LANGUAGES; None: as the browser asks
    time_zone: str | None = None  # IANA; None: UTC on the server, the browser's in scripts


@dataclass(frozen=True)
class SessionView:
    id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    user_agent: str | None
    current: bool


def me(viewer: Viewer) -> User:
    if viewer.user is None:
        raise AuthRequired(_("You are not signed in."))
    return viewer.user


class MyAccount:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def view(self, viewer: Viewer) -> AccountView:
        with self.rt.db.session(write=False) as s:
            user = s.get(User, me(viewer).id)
            if user is None:
                raise AuthRequired(_("You are not signed in."))
            # A sign-up's address is shown as typed, whether or not another account had it.
            shown = user.email or Recovery(self.rt).pending_email(s, user.id)
            return AccountView(
                user.id, user.handle, user.display_name, shown,
                user.email_verified_at is not None, user.hide_presence,
                user.password_hash is not None, user.role.value, user.created_at,
                user.language, user.time_zone,
            )  # fmt: skip

    def set_display_name(self, viewer: Viewer, value: str | None) -> AccountView:
        user = me(viewer)
        name = validation.display_name(value)
        if name and user.role.value == "reader" and claims_office(name):
            raise Conflict(_("That name is kept for the site's staff."), field="display_name")
        with self.rt.db.session() as s:
            s.execute(
                update(User)
                .where(User.id == user.id)
                .values(display_name=name, name_skeleton=name_key(name) if name else None)
            )
        return self.view(viewer)

    def set_presence(self, viewer: Viewer, *, hidden: bool) -> AccountView:
        """Hidden, a member is never shown online, anywhere (store.presence, views)."""
        user = me(viewer)
        with self.rt.db.session() as s:
            s.execute(update(User).where(User.id == user.id).values(hide_presence=hidden))
        if hidden:
            self.rt.came_online()  # every node sweeps now, and sees them gone
        return self.view(viewer)

    def set_language(
        self, viewer: Viewer, language: str | None, time_zone: str | None
    ) -> AccountView:
        """The reader's own language and zone; empty goes back to the browser's."""
        user = me(viewer)
        values = {
            "language": parse_own_language(language),
            "time_zone": parse_time_zone(time_zone),
        }
        with self.rt.db.session() as s:
            s.execute(update(User).where(User.id == user.id).values(**values))
        return self.view(viewer)

    def confirm(self, viewer: Viewer, password: str) -> User:
        """Proof for a change that could take the account: its password, or, for a member
        who signs in elsewhere (SSO, OpenID) and has none, a session opened minutes ago, so a
        session token stolen from a page cannot change the address or delete the account."""
        user = self.check_password(me(viewer).id, password)
        if user.password_hash is None:
            now = self.rt.clock()
            with self.rt.db.session(write=False) as s:
                found = store.session_by_token(s, viewer.token or "", now)
                opened = found.created_at if found is not None else None
            if opened is None or now - opened > FRESH_SIGN_IN:
                minutes = int(FRESH_SIGN_IN.total_seconds() // 60)
                raise Forbidden(
                    _(
                        "For this change, sign out and sign in again first; it must follow a sign-in of the last %(minutes)s minutes."
                    )
                    % {"minutes": minutes},
                    field="password",
                )
        return user

    def check_password(self, user_id: int, password: str) -> User:
        """A stolen session must not become a way to guess the password: limited."""
        self.rt.limiter.hit(self.rt.config.rate_limit_auth, "reauth", str(user_id))
        with self.rt.db.session(write=False) as s:
            user = s.get(User, user_id)
            if user is None:
                raise AuthRequired(_("You are not signed in."))
            s.expunge(user)
        if user.password_hash is None:
            return user
        # Counted with the account's sign-in failures: a stolen session guesses no faster.
        guard, key = SigninGuard(self.rt), account_key(user.id, "")
        guard.reserve(key)
        if not verify_password(
            user.password_hash, validation.reject_nul(password or "", "password")
        ):
            raise BadCredentials(_("That is not your current password."), field="current_password")
        guard.succeeded(key)
        return user

    def change_email(self, viewer: Viewer, email: str, password: str) -> str:
        """The new address becomes the account's when the mailed link is opened. A taken one
        gets the same answer (its owner gets a mail instead), so it tells nothing."""
        self.rt.limiter.hit(self.rt.config.rate_limit_auth, "email", str(me(viewer).id))
        user = self.confirm(viewer, password)
        address = validation.email(email)
        if address is None:
            raise InvalidInput(_("Enter the new email address."), field="email")
        recovery = Recovery(self.rt)
        with self.rt.db.session() as s:
            owner = store.user_by_email(s, address)
            if owner is not None and owner.id != user.id:
                recovery.queue_taken_notice(s, owner)
            elif owner is None or user.email_verified_at is None:
                recovery.queue_verification(s, user, address)
        return _(
            "We sent a link to %(address)s. Your address changes when you open it "
            "(it works once, for 48 hours)."
        ) % {"address": address}

    def resend_verification(self, viewer: Viewer) -> str:
        Recovery(self.rt).resend_verification(me(viewer).id)
        return _("If your address is not yet confirmed, a new link is on its way.")

    def change_password(self, viewer: Viewer, current: str, new: str) -> int:
        """Every other session is signed out: whoever knew the old password is shut out.
        Returns how many were."""
        user = self.check_password(me(viewer).id, current)
        if user.password_hash is None:
            raise Conflict(
                _("This account signs in elsewhere and has no password."), field="password"
            )
        pw_hash = hash_password(
            validation.password(new, handle_value=user.handle, email_value=user.email)
        )
        with self.rt.db.session() as s:
            s.execute(update(User).where(User.id == user.id).values(password_hash=pw_hash))
            tokens.spend_all(s, user.id, self.rt.clock(), "reset", "signin")
        return self.sign_out_others(viewer)

    def sessions(self, viewer: Viewer) -> list[SessionView]:
        user = me(viewer)
        current = store.token_hash(viewer.token) if viewer.token else None
        with self.rt.db.session(write=False) as s:
            rows = s.scalars(
                select(AuthSession)
                .where(
                    AuthSession.user_id == user.id,
                    AuthSession.revoked_at.is_(None),
                    AuthSession.expires_at > self.rt.clock(),
                )
                .order_by(AuthSession.created_at.desc(), AuthSession.id.desc())
                .limit(200)
            ).all()
            return [
                SessionView(r.id, r.created_at, r.expires_at, r.user_agent, r.token_hash == current)
                for r in rows
            ]

    def sign_out_session(self, viewer: Viewer, session_id: int) -> None:
        user = me(viewer)
        with self.rt.db.session() as s:
            done = s.execute(
                update(AuthSession)
                .where(
                    AuthSession.id == session_id,
                    AuthSession.user_id == user.id,
                    AuthSession.revoked_at.is_(None),
                )
                .values(revoked_at=self.rt.clock())
            )
            if not getattr(done, "rowcount", 0):
                raise NotFound(_("There is no such session of yours."))
        self.rt.sessions_revoked(user.id)  # its open live streams hear it, on every node

    def sign_out_others(self, viewer: Viewer) -> int:
        user = me(viewer)
        keep = store.token_hash(viewer.token) if viewer.token else ""
        with self.rt.db.session() as s:
            done = s.execute(
                update(AuthSession)
                .where(
                    AuthSession.user_id == user.id,
                    AuthSession.revoked_at.is_(None),
                    AuthSession.token_hash != keep,
                )
                .values(revoked_at=self.rt.clock())
            )
            count = int(getattr(done, "rowcount", 0) or 0)
        if count:
            self.rt.sessions_revoked(user.id)
        return count
