"""Mailed one-time links: verify an address, reset a password, sign in once.

Every request answers the same whether or not the address belongs to an account, so none
of them tells a stranger who is a member. A link is a random token of which only the hash
is stored; it expires soon and works once. Mails are queued in the outbox in the same
transaction as the token (notify.mail.queue_mail), and sent after commit with retries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from urllib.parse import quote

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from veche import i18n
from veche.domain import validation
from veche.domain.errors import InvalidInput, TryLater
from veche.i18n import N_, ngettext
from veche.i18n import gettext as _
from veche.notify.mail import Mail, queue_mail
from veche.security.passwords import hash_password
from veche.security.ratelimit import client_bucket
from veche.service.runtime import Runtime
from veche.service.signin_guard import account_key
from veche.store import account_tokens as tokens
from veche.store import accounts as store
from veche.store.models import User

TTL = {
    "verify": dt.timedelta(hours=48),
    "reset": dt.timedelta(hours=1),
    "signin": dt.timedelta(minutes=20),
}
PATHS = {"verify": "/account/verify", "reset": "/account/reset", "signin": "/signin/link"}
# Mails to one address, whoever asks: a form must not become a way to flood someone's inbox.
PER_ADDRESS = "5/hour"
EXPIRED = N_("This link has expired or was already used. Ask for a new one.")


def _lasts(purpose: str) -> str:
    minutes = int(TTL[purpose].total_seconds() // 60)
    if minutes >= 120:
        return ngettext("%(num)s hour", "%(num)s hours", minutes // 60) % {"num": minutes // 60}
    return ngettext("%(num)s minute", "%(num)s minutes", minutes) % {"num": minutes}


class Recovery:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    # -- links ----------------------------------------------------------------------------

    def link(self, purpose: str, token: str) -> str:
        return f"{self.rt.config.base_url}{PATHS[purpose]}?token={quote(token)}"

    def _issue(self, s: Session, user: User, purpose: str, email: str | None = None) -> str:
        token = secrets.token_urlsafe(32)
        tokens.add(s, user.id, purpose, token, now=self.rt.clock(), ttl=TTL[purpose], email=email)
        return self.link(purpose, token)

    def _mail_allowed(self, email: str) -> bool:
        """Over the per-address limit, nothing is sent, and the answer is still the same."""
        key = hashlib.sha256(email.encode()).hexdigest()[:32]
        try:
            self.rt.limiter.hit(PER_ADDRESS, "mail-to", key)
        except TryLater:
            return False
        return True

    def _send(self, s: Session, to: str, subject: str, text: str) -> None:
        if self._mail_allowed(to):
            queue_mail(s, Mail(to=to, subject=subject, text=text), now=self.rt.clock())

    # -- verification ---------------------------------------------------------------------

    def queue_verification(self, s: Session, user: User, email: str) -> None:
        """In the caller's transaction: a link proving `email` is theirs."""
        url = self._issue(s, user, "verify", email)
        with i18n.using(user.language or i18n.current()):
            self._send(
                s, email, _("Confirm your email address"),
                _(
                    "Hello %(handle)s,\n\nPlease confirm that this address is yours by opening "
                    "this link (it works once, for %(lasts)s):\n\n%(url)s\n\n"
                    "If you did not ask for this, ignore this mail.\n"
                ) % {"handle": user.handle, "lasts": _lasts("verify"), "url": url},
            )  # fmt: skip

    def note_pending(self, s: Session, user: User, email: str) -> None:
        """An address typed at sign-up that another account holds: kept as this account's
        unconfirmed address, as a free one would be, behind a link that is never sent, so
        the account shows the same either way and nothing tells the two apart."""
        self._issue(s, user, "verify", email)

    def pending_email(self, s: Session, user_id: int) -> str | None:
        return tokens.pending_email(s, user_id, self.rt.clock())

    def queue_taken_notice(self, s: Session, owner: User) -> None:
        """Someone tried to sign up or move to an address that already has an account."""
        if owner.email is None:
            return
        url = f"{self.rt.config.base_url}/account/forgot"
        with i18n.using(owner.language or i18n.current()):
            self._send(
                s, owner.email, _("Someone tried to sign up with your address"),
                _(
                    "Hello %(handle)s,\n\nSomeone tried to create an account or add this "
                    "address to one, but it already belongs to your account (handle: "
                    "%(handle)s).\n\nIf it was you, sign in instead, or reset your password "
                    "here:\n\n%(url)s\n\nIf it was not you, nothing has changed and you need "
                    "do nothing.\n"
                ) % {"handle": owner.handle, "url": url},
            )  # fmt: skip

    def resend_verification(self, user_id: int) -> None:
        with self.rt.db.session() as s:
            user = s.get(User, user_id)
            if user is not None and user.email and user.email_verified_at is None:
                self.queue_verification(s, user, user.email)

    def verify(self, token: str) -> User:
        """The address in the link becomes the account's, proved."""
        now = self.rt.clock()
        with self.rt.db.session() as s:
            used = tokens.consume(s, "verify", _token(token), now)
            user = s.get(User, used.user_id) if used else None
            if used is None or user is None or used.email is None or user.deleted_at:
                raise InvalidInput(_(EXPIRED), field="token")
            owner = store.user_by_email(s, used.email)
            if owner is not None and owner.id != user.id:
                raise InvalidInput(_(EXPIRED), field="token")  # someone proved it first
            if user.email != used.email:
                tokens.spend_all(s, user.id, now, "reset", "signin")
            user.email = used.email
            user.email_verified_at = now
            s.flush()
            s.expunge(user)
        return user

    # -- password reset -------------------------------------------------------------------

    def request_reset(self, email: str, *, ip: str) -> str:
        self.rt.limiter.hit(self.rt.config.rate_limit_auth, "reset", client_bucket(ip))
        address = validation.email(email)
        if address is None:
            raise InvalidInput(_("Enter the email address of your account."), field="email")
        with self.rt.db.session() as s:
            user = store.user_by_email(s, address)
            if user is not None and user.deleted_at is None:
                url = self._issue(s, user, "reset")
                with i18n.using(user.language or i18n.current()):
                    self._send(
                        s, address, _("Reset your password"),
                        _(
                            "Hello %(handle)s,\n\nTo choose a new password, open this link "
                            "(it works once, for %(lasts)s):\n\n%(url)s\n\nIf you did not "
                            "ask for this, ignore this mail: your password is unchanged.\n"
                        ) % {"handle": user.handle, "lasts": _lasts("reset"), "url": url},
                    )  # fmt: skip
        return _(
            "If that address belongs to an account, a link is on its way. It works once, "
            "for %(lasts)s."
        ) % {"lasts": _lasts("reset")}

    def token_is_good(self, purpose: str, token: str) -> bool:
        with self.rt.db.session(write=False) as s:
            return tokens.peek(s, purpose, _token(token), self.rt.clock()) is not None

    def reset(self, token: str, password: str) -> User:
        """A new password; every session of the account is signed out (whoever knew the
        old password is shut out too). The address is proved by the mail."""
        token = _token(token)
        now = self.rt.clock()
        with self.rt.db.session(write=False) as s:
            found = tokens.peek(s, "reset", token, now)
            user = s.get(User, found.user_id) if found else None
            handle, email = (user.handle, user.email) if user else ("", None)
        if found is None or user is None:
            raise InvalidInput(_(EXPIRED), field="token")
        pw_hash = hash_password(
            validation.password(password, handle_value=handle, email_value=email)
        )
        with self.rt.db.session() as s:
            used = tokens.consume(s, "reset", token, now)
            if used is None:
                raise InvalidInput(_(EXPIRED), field="token")
            s.execute(
                update(User)
                .where(User.id == used.user_id)
                .values(
                    password_hash=pw_hash,
                    email_verified_at=func.coalesce(User.email_verified_at, now),
                )
            )
            store.revoke_all(s, used.user_id, now)
            tokens.spend_all(s, used.user_id, now, "signin")
            tokens.clear(s, account_key(used.user_id, ""))
            fresh = s.get(User, used.user_id)
            assert fresh is not None
            s.expunge(fresh)
        self.rt.sessions_revoked(fresh.id)
        return fresh

    # -- sign-in by link ------------------------------------------------------------------

    def request_signin_link(self, login: str, *, ip: str) -> str:
        """For a reader whose address or account is throttled: a link that signs in once."""
        self.rt.limiter.hit(self.rt.config.rate_limit_auth, "signin-link", client_bucket(ip))
        login = validation.reject_nul(login, "login").strip()
        if not login:
            raise InvalidInput(_("Enter your handle or email."), field="login")
        with self.rt.db.session() as s:
            email = login.lower() if "@" in login else None
            user = store.user_by_login(s, validation.handle_key(login), email)
            if user is not None and user.email and user.deleted_at is None:
                url = self._issue(s, user, "signin")
                with i18n.using(user.language or i18n.current()):
                    self._send(
                        s, user.email, _("Your sign-in link"),
                        _(
                            "Hello %(handle)s,\n\nOpen this link to sign in (it works once, "
                            "for %(lasts)s):\n\n%(url)s\n\nIf you did not ask for it, someone "
                            "may be guessing your password: this link is only sent to you, and "
                            "you can ignore it.\n"
                        ) % {"handle": user.handle, "lasts": _lasts("signin"), "url": url},
                    )  # fmt: skip
        return _(
            "If that account has an email address, a sign-in link is on its way. It works "
            "once, for %(lasts)s."
        ) % {"lasts": _lasts("signin")}

    def use_signin_link(self, token: str) -> User:
        """Spends the link; the caller opens the session. The address is proved, and the
        account's failed sign-ins are forgiven."""
        now = self.rt.clock()
        with self.rt.db.session() as s:
            used = tokens.consume(s, "signin", _token(token), now)
            user = s.get(User, used.user_id) if used else None
            if user is None or user.deleted_at is not None:
                raise InvalidInput(_(EXPIRED), field="token")
            if user.email_verified_at is None:
                user.email_verified_at = now
            tokens.clear(s, account_key(user.id, ""))
            s.flush()
            s.expunge(user)
        return user


def _token(value: str) -> str:
    value = validation.reject_nul(value or "", "token").strip()
    if not value or len(value) > 100:
        raise InvalidInput(_(EXPIRED), field="token")
    return value
