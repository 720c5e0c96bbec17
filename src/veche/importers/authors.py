"""Foreign authors as import-only identities: a user nobody can sign in as, keyed by
(source, external id), with the source's name kept as the display name and a valid,
unique handle derived from it. An existing member with the same handle is never reused."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from sqlalchemy.orm import Session

from veche.domain import validation
from veche.domain.errors import InvalidInput
from veche.domain.markup import clean_text
from veche.importers.model import ImportedAuthor
from veche.moderation.confusables import claims_office, name_key
from veche.store import imports as store
from veche.store.import_models import ImportIdentity
from veche.store.models import User
from veche.store.sso import handle_lookalike

NAME_WIDTH = 80  # users.display_name and comments.guest_name
_NOT_HANDLE = re.compile(r"[^\w .'\-]+")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
FALLBACK = "reader"


def fit(text: str | None, width: int = NAME_WIDTH) -> str | None:
    """A foreign name as it was, on one line, cut to the column with an ellipsis. Markup is
    kept as text: templates escape it."""
    if text is None:
        return None
    value = clean_text(text.replace("\x00", ""))
    if len(value) > width:
        value = value[: width - 1].rstrip() + "…"
    return value or None


def handle_base(*candidates: str | None) -> str:
    """The first candidate that makes a handle once its disallowed characters are gone."""
    for raw in candidates:
        if not raw:
            continue
        text = _NOT_HANDLE.sub(" ", clean_text(raw.replace("\x00", "")))
        text = _EDGE.sub("", " ".join(text.split()))
        text = _EDGE.sub("", text[: validation.HANDLE_MAX])
        if len(text) < validation.HANDLE_MIN or claims_office(text):
            continue
        try:
            return validation.handle(text)
        except InvalidInput:
            continue
    return FALLBACK


def _with_suffix(base: str, n: int) -> str:
    suffix = f" {n}"
    head = _EDGE.sub("", base[: validation.HANDLE_MAX - len(suffix)])
    return f"{head or FALLBACK}{suffix}"


ID_MAX = 255  # import_identities.external_id


def identity_key(external_id: str) -> str:
    """The id as stored: a longer one is kept whole as its digest, never cut (two ids that
    differ only past the cut would otherwise be one person)."""
    if len(external_id) <= ID_MAX:
        return external_id
    return "sha256:" + hashlib.sha256(external_id.encode("utf-8")).hexdigest()


class Authors:
    """Resolves a source's authors to user ids, creating identities as it goes. What a
    thread created is `pending` until its transaction commits (`commit`) or rolls back."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.known: dict[str, int] = {}
        self.pending: dict[str, int] = {}
        self.claimed: set[str] = set()  # handle keys taken by this run, committed or not

    def user_id(self, s: Session, author: ImportedAuthor, now: dt.datetime) -> tuple[int, bool]:
        """(user id, created now)."""
        key = identity_key(author.external_id)
        found = self.known.get(key) or self.pending.get(key)
        if found is None:
            found = store.identity_user(s, self.source, key)
        if found is not None:
            self.known.setdefault(key, found)
            return found, False
        user = self._new_user(s, author, now)
        s.add(
            ImportIdentity(
                source=self.source, external_id=key, user_id=user.id,
                name=fit(author.name, 255), email=_email(author.email),
                url=(author.url or "")[:2048] or None, created_at=now,
            )
        )  # fmt: skip
        self.pending[key] = user.id
        return user.id, True

    def _new_user(self, s: Session, author: ImportedAuthor, now: dt.datetime) -> User:
        base = handle_base(author.handle, author.name, author.external_id)
        handle, n = base, 1
        # Neither a member's handle nor a lookalike of one (as sign-up and SSO refuse).
        while (
            validation.handle_key(handle) in self.claimed
            or store.handle_taken(s, validation.handle_key(handle))
            or handle_lookalike(s, name_key(handle), None)
        ):
            n += 1
            handle = _with_suffix(base, n)
        key = validation.handle_key(handle)
        self.claimed.add(key)
        # No name of their own: the source's handle is their name, if it had to change.
        name = fit(author.name) or (fit(author.handle) if fit(author.handle) != handle else None)
        user = User(
            handle=handle, handle_key=key, display_name=name, created_at=now,
            handle_skeleton=name_key(handle), name_skeleton=name_key(name) if name else None,
        )  # fmt: skip
        s.add(user)
        s.flush()
        return user

    def commit(self) -> int:
        """The thread's transaction committed: its new identities are known. Returns how
        many there were."""
        created = len(self.pending)
        self.known.update(self.pending)
        self.pending.clear()
        return created

    def rollback(self) -> None:
        self.pending.clear()


def _email(value: str | None) -> str | None:
    try:
        return validation.email(value)
    except InvalidInput:
        return None
