"""Sign-up, sign-in, sign-out and session lookup, rate-limited per client address."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from veche.domain import validation
from veche.domain.enums import Role
from veche.domain.errors import BadCredentials, Conflict, InvalidInput, RateLimited
from veche.domain.markup import clean_text
from veche.domain.presence import is_online, needs_touch
from veche.i18n import gettext as _
from veche.moderation.confusables import claims_office, name_key
from veche.security.passwords import hash_password, needs_rehash, verify_password
from veche.security.ratelimit import client_bucket
from veche.service.recovery import Recovery
from veche.service.runtime import Runtime
from veche.service.signin_guard import LINK_HINT, SigninGuard, account_key
from veche.store import accounts as store
from veche.store.models import AuthSession, User


class Accounts:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def create_user(
        self,
        handle: str,
        password: str | None,
        *,
        email: str | None = None,
        display_name: str | None = None,
        role: Role = Role.reader,
        after: Callable[[Session, User], None] | None = None,
        email_proved: bool = False,
    ) -> User:
        """`after` runs in the same transaction once the user has an id (a mail to queue).
        `email_proved`: the caller vouches for the address (an admin at the CLI)."""
        handle = validation.handle(handle)
        email = validation.email(email)
        name = validation.display_name(display_name)
        pw_hash = None
        if password is not None:
            pw_hash = hash_password(
                validation.password(password, handle_value=handle, email_value=email)
            )
        key = validation.handle_key(handle)
        staff = role is not Role.reader
        if not staff and claims_office(handle):
            raise Conflict(_("That handle is kept for the site's staff."), field="handle")
        if not staff and name and claims_office(name):
            raise Conflict(_("That name is kept for the site's staff."), field="display_name")
        try:
            with self.rt.db.session() as s:
                if store.user_by_handle_key(s, key):
                    raise Conflict(
                        _("The handle “%(handle)s” is taken.") % {"handle": handle}, field="handle"
                    )
                alike = store.user_by_name_key(s, name_key(handle))
                if alike is not None and alike.handle_skeleton == name_key(handle):
                    raise Conflict(
                        _("The handle “%(handle)s” looks like “%(handle2)s”, which is taken.")
                        % {"handle": handle, "handle2": alike.handle},
                        field="handle",
                    )
                if email and store.user_by_email(s, email):
                    raise Conflict(_("An account with that email already exists."), field="email")
                user = User(
                    handle=handle,
                    handle_key=key,
                    email=email,
                    display_name=name,
                    password_hash=pw_hash,
                    role=role,
                    handle_skeleton=name_key(handle),
                    name_skeleton=name_key(name) if name else None,
                    created_at=self.rt.clock(),
                    email_verified_at=self.rt.clock() if email and email_proved else None,
                )
                s.add(user)
                s.flush()
                if after is not None:
                    after(s, user)
        except IntegrityError as exc:  # a concurrent sign-up won the race
            raise Conflict(
                _("The handle “%(handle)s” is taken.") % {"handle": handle}, field="handle"
            ) from exc
        return user

    def sign_up(
        self,
        handle: str,
        password: str,
        *,
        ip: str,
        email: str | None = None,
        display_name: str | None = None,
        user_agent: str | None = None,
    ) -> tuple[User, str]:
        """The answer is the same whether or not the email is taken: a taken one is not
        stored on the new account, and its owner gets a mail saying someone tried."""
        self.rt.limiter.hit(self.rt.config.rate_limit_auth, "signup", client_bucket(ip))
        address = validation.email(email)
        with self.rt.db.session(write=False) as s:
            owner = store.user_by_email(s, address) if address else None
        recovery = Recovery(self.rt)

        def mail(s: Session, user: User) -> None:
            if owner is not None and address is not None:
                recovery.queue_taken_notice(s, owner)
                recovery.note_pending(s, user, address)
            elif address is not None:
                recovery.queue_verification(s, user, address)

        user = self.create_user(
            handle, password, email=None if owner else address, display_name=display_name,
            after=mail,
        )  # fmt: skip
        return user, self.open_session(user, user_agent)

    def sign_in(
        self, login: str, password: str, *, ip: str, user_agent: str | None = None
    ) -> tuple[User, str]:
        """Throttled per address and per account (service.signin_guard); either 429 offers
        a sign-in link by email, which lets the owner past both."""
        login = validation.reject_nul(login, "login").strip()
        try:
            self.rt.limiter.hit(self.rt.config.rate_limit_auth, "signin", client_bucket(ip))
        except RateLimited as exc:
            raise RateLimited(
                _("%(message)s %(LINK_HINT)s")
                % {"message": exc.message, "LINK_HINT": _(LINK_HINT)},
                retry_after=exc.retry_after,
            ) from exc
        if not login or not password:
            raise InvalidInput(_("Enter your handle or email and your password."), field="login")
        with self.rt.db.session(write=False) as s:
            email = login.lower() if "@" in login else None
            user = store.user_by_login(s, validation.handle_key(login), email)
        guard = SigninGuard(self.rt)
        key = account_key(user.id if user else None, email or validation.handle_key(login))
        guard.reserve(key)
        # The slow hash runs outside any transaction: it must not hold SQLite's write lock.
        if not verify_password(user.password_hash if user else None, password) or user is None:
            raise BadCredentials(_("Wrong handle, email or password."), field="password")
        guard.succeeded(key)
        rehash = None
        if user.password_hash and needs_rehash(user.password_hash):
            rehash = hash_password(password)
        return user, self.open_session(user, user_agent, rehash=rehash)

    def open_session(self, user: User, user_agent: str | None, *, rehash: str | None = None) -> str:
        """A new session for a member already proved (password, link, SSO or OpenID)."""
        token = secrets.token_urlsafe(32)
        now = self.rt.clock()
        with self.rt.db.session() as s:
            if rehash is not None:
                s.execute(update(User).where(User.id == user.id).values(password_hash=rehash))
            s.add(
                AuthSession(
                    token_hash=store.token_hash(token),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + dt.timedelta(days=self.rt.config.session_days),
                    user_agent=clean_text(user_agent or "")[:300] or None,
                )
            )
            store.touch(s, user.id, now)
        return token

    def sign_out(self, token: str) -> None:
        with self.rt.db.session() as s:
            found = store.session_by_token(s, token, self.rt.clock())
            store.revoke(s, token, self.rt.clock())
        if found is not None:
            self.rt.sessions_revoked(found.user_id)  # its open live streams hear it

    def revoke_all(self, user_id: int) -> int:
        with self.rt.db.session() as s:
            count = store.revoke_all(s, user_id, self.rt.clock())
        self.rt.sessions_revoked(user_id)
        return count

    def resolve(self, token: str | None) -> User | None:
        """The signed-in user for a token; marks them seen, at most once per debounce."""
        if not token or len(token) > 200:
            return None
        now = self.rt.clock()
        with self.rt.db.session(write=False) as s:
            session = store.session_by_token(s, token, now)
            user = session.user if session else None
        if user is None:
            return None
        debounce = dt.timedelta(seconds=self.rt.config.presence_debounce_seconds)
        if needs_touch(user.last_seen_at, now, debounce):
            back = not is_online(user.last_seen_at, now)
            with self.rt.db.session() as s:
                store.touch(s, user.id, now)
            user.last_seen_at = now
            if back:
                self.rt.came_online()
        return user
