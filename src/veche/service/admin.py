"""What an admin does in the browser where the CLI did it: sites and all their settings,
stories opened and closed, members' roles and sessions. Every call asks policy first, and
every change is written to the audit log in the transaction that makes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import select, update

from veche.domain.enums import CommentStatus, Role
from veche.domain.errors import Conflict, InvalidInput, NotFound
from veche.i18n import gettext as _
from veche.service import policy, site_form
from veche.service.found import refuse
from veche.service.listing import Listing, SiteRow, StoryRow, UserRow, status_counts
from veche.service.moderation import Moderation, actor
from veche.service.my_account import SessionView
from veche.service.runtime import Runtime, Viewer
from veche.service.stories import SiteSettings, Stories
from veche.store import accounts as store_accounts
from veche.store.models import AuthSession, Site, User
from veche.store.moderation import Actor, audit

PAGE = 50
# Admins who can still sign in: an erased account keeps its role but no way in.
_ADMINS = select(User.id).where(User.role == Role.admin, User.deleted_at.is_(None))
T = TypeVar("T")
SESSIONS_MAX = 200


@dataclass(frozen=True)
class SiteForm:
    id: int | None  # None: a new site
    name: str
    groups: list[site_form.GroupView]
    error: str | None = None  # a refusal that is no one field's
    name_error: str | None = None


@dataclass(frozen=True)
class AdminStory:
    row: StoryRow
    visible: int
    pending: int
    removed: int


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    after: int | None  # the cursor of the next page, None on the last


@dataclass(frozen=True)
class UserDetail:
    row: UserRow
    sessions: list[SessionView]
    admins: int  # how many admins there are: the last one cannot step down


class Admin:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _guard(self, who: Viewer) -> Actor:
        refuse(policy.admin_refusal(who))
        return actor(who)

    def check(self, who: Viewer) -> None:
        self._guard(who)

    # Sites

    def sites(self, who: Viewer) -> list[SiteRow]:
        self._guard(who)
        return Listing(self.rt).sites()

    def _site(self, site_id: int) -> Site:
        with self.rt.db.session(write=False) as s:
            site = s.get(Site, site_id)
        if site is None:
            raise NotFound(_("There is no such site."))
        return site

    def site_form(
        self,
        site_id: int | None,
        who: Viewer,
        *,
        typed: Mapping[str, str] | None = None,
        refused: site_form.FormRefused | None = None,
    ) -> SiteForm:
        self._guard(who)
        errors = refused.errors if refused is not None else None
        general = errors.get("site") if errors else None
        if site_id is None:
            values, name = site_form.defaults(), (typed or {}).get("name", "")
        else:
            site = self._site(site_id)
            values, name = site_form.current(site), site.name
        groups = site_form.views(values, typed, errors)
        return SiteForm(site_id, name, groups, general, (errors or {}).get("name"))

    def save_site(self, site_id: int, form: Mapping[str, str], who: Viewer) -> Site:
        """The posted form's changes, all or none (FormRefused names each refused field)."""
        by = self._guard(who)
        found = site_form.changes(form, site_form.current(self._site(site_id)))
        try:
            return Stories(self.rt).update_site(site_id, SiteSettings(groups=found), by=by)
        except InvalidInput as exc:
            raise site_form.refused(exc) from exc

    def create_site(self, name: str, form: Mapping[str, str], who: Viewer) -> Site:
        by = self._guard(who)
        try:
            found = site_form.changes(form, site_form.defaults())
        except site_form.FormRefused as exc:
            if not name.strip():
                exc.errors["name"] = _("A site name is 1 to 64 characters.")
            raise
        try:
            return Stories(self.rt).create_site(name, SiteSettings(groups=found), by=by)
        except InvalidInput as exc:
            if exc.field == "name":
                raise site_form.FormRefused({"name": exc.message}) from exc
            raise site_form.refused(exc) from exc
        except Conflict as exc:
            raise site_form.FormRefused({"name": exc.message}) from exc

    # Stories

    def stories(
        self, who: Viewer, *, site: str | None, search: str | None, after: int | None
    ) -> Page[AdminStory]:
        self._guard(who)
        rows = Listing(self.rt).stories(site=site, search=search, limit=PAGE + 1, after=after)
        more = len(rows) > PAGE
        rows = rows[:PAGE]
        counts = status_counts(self.rt, [r.id for r in rows])
        out = [
            AdminStory(
                r,
                visible=counts[r.id].get(CommentStatus.visible, 0),
                pending=counts[r.id].get(CommentStatus.pending, 0),
                removed=counts[r.id].get(CommentStatus.removed, 0),
            )
            for r in rows
        ]
        return Page(out, rows[-1].id if more and rows else None)

    def set_open(self, story_id: int, is_open: bool, who: Viewer) -> None:
        """Through the moderators' own path, which audits it and tells open pages."""
        self._guard(who)
        Moderation(self.rt).set_open(story_id, is_open, who)

    # Users

    def users(
        self, who: Viewer, *, search: str | None, role: Role | None, after: int | None
    ) -> Page[UserRow]:
        self._guard(who)
        rows = Listing(self.rt).users(
            search=search, role=role, limit=PAGE + 1, with_email=True, after=after
        )
        more = len(rows) > PAGE
        rows = rows[:PAGE]
        return Page(rows, rows[-1].id if more and rows else None)

    def user(self, user_id: int, who: Viewer) -> UserDetail:
        self._guard(who)
        rows = Listing(self.rt).users(user_id=user_id, with_email=True, limit=1)
        if not rows:
            raise NotFound(_("There is no such user."))
        now = self.rt.clock()
        mine = store_accounts.token_hash(who.token) if who.token else None
        with self.rt.db.session(write=False) as s:
            found = s.scalars(
                select(AuthSession)
                .where(
                    AuthSession.user_id == user_id,
                    AuthSession.revoked_at.is_(None),
                    AuthSession.expires_at > now,
                )
                .order_by(AuthSession.created_at.desc(), AuthSession.id.desc())
                .limit(SESSIONS_MAX)
            ).all()
            sessions = [
                SessionView(x.id, x.created_at, x.expires_at, x.user_agent, x.token_hash == mine)
                for x in found
            ]
            admins = len(s.scalars(_ADMINS).all())
        return UserDetail(rows[0], sessions, admins)

    def set_role(self, user_id: int, role: Role, who: Viewer) -> User:
        """The last admin cannot be made anything else: someone must be able to come here."""
        by = self._guard(who)
        now = self.rt.clock()
        with self.rt.db.session() as s:
            user = s.get(User, user_id, with_for_update=True)
            if user is None:
                raise NotFound(_("There is no such user."))
            if user.deleted_at is not None:
                raise Conflict(_("This account was erased; it has no role to change."))
            if user.role is role:
                return user
            if user.role is Role.admin:
                # Locked, so two admins demoting each other cannot both pass this check.
                admins = s.scalars(_ADMINS.with_for_update()).all()
                if len(admins) <= 1:
                    if user.id == by.user_id:
                        last = _(
                            "You are the last admin: make someone else an admin first, so "
                            "that someone can still manage the sites."
                        )
                    else:
                        last = _(
                            "%(handle)s is the last admin: make someone else an admin first, "
                            "so that someone can still manage the sites."
                        ) % {"handle": user.handle}
                    raise Conflict(last, field="role")
            before = user.role.value
            user.role = role
            audit(s, by, "role", "user", user.id, now=now,
                  before={"role": before}, after={"role": role.value})  # fmt: skip
        return user

    def revoke_session(self, user_id: int, session_id: int, who: Viewer) -> None:
        by = self._guard(who)
        now = self.rt.clock()
        with self.rt.db.session() as s:
            done = s.execute(
                update(AuthSession)
                .where(
                    AuthSession.id == session_id,
                    AuthSession.user_id == user_id,
                    AuthSession.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
            if not getattr(done, "rowcount", 0):
                raise NotFound(_("There is no such open session."))
            audit(s, by, "revoke_session", "user", user_id, now=now,
                  after={"session": session_id})  # fmt: skip
        self.rt.sessions_revoked(user_id)  # its open live streams hear it, on every node

    def revoke_sessions(self, user_id: int, who: Viewer) -> int:
        """Sign a member out everywhere, as `veche user revoke-sessions` does."""
        by = self._guard(who)
        now = self.rt.clock()
        with self.rt.db.session() as s:
            if s.get(User, user_id) is None:
                raise NotFound(_("There is no such user."))
            count = store_accounts.revoke_all(s, user_id, now)
            audit(s, by, "revoke_sessions", "user", user_id, now=now, after={"revoked": count})
        self.rt.sessions_revoked(user_id)
        return count
