"""Bounded lists of sites, stories and users for administrators (`veche site list`,
`story list`, `user list`; the admin pages later): newest first, searched by what an
administrator knows, never with password hashes, and with emails only when asked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from veche.domain.enums import CommentStatus, Role
from veche.domain.errors import InvalidInput, NotFound
from veche.i18n import gettext as _
from veche.service.runtime import Runtime
from veche.store import stories as store_stories
from veche.store.models import AuthSession, Comment, Site, Story, User

LIMIT_MAX = 1000


@dataclass(frozen=True)
class SiteRow:
    id: int
    name: str
    origins: list[str]
    title_suffix: str | None
    stories: int
    comments: int
    created_at: dt.datetime


@dataclass(frozen=True)
class StoryRow:
    id: int
    site: str
    title: str
    title_confirmed: bool
    url: str
    comments: int
    is_open: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class UserRow:
    id: int
    handle: str
    display_name: str | None
    role: Role
    email: str | None  # None unless asked for (and then None when there is none)
    state: str  # active, banned, erased
    sessions: int  # unexpired, unrevoked
    created_at: dt.datetime
    last_seen_at: dt.datetime | None


def _pattern(search: str) -> str:
    """A LIKE pattern matching `search` anywhere, its own % and _ taken literally."""
    text = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if "\x00" in text or len(text) > 200:
        raise InvalidInput(_("A search is at most 200 characters, without NUL."), field="search")
    return f"%{text}%"


def _limit(limit: int) -> int:
    if not 1 <= limit <= LIMIT_MAX:
        raise InvalidInput(
            _("The limit is 1 to %(LIMIT_MAX)s.") % {"LIMIT_MAX": LIMIT_MAX}, field="limit"
        )
    return limit


class Listing:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def sites(self) -> list[SiteRow]:
        """Every site (there are few), with its stories and comments counted."""
        counts = (
            select(
                Story.site_id,
                func.count(Story.id).label("stories"),
                func.coalesce(func.sum(Story.comment_count), 0).label("comments"),
            )
            .group_by(Story.site_id)
            .subquery()
        )
        query = (
            select(Site, counts.c.stories, counts.c.comments)
            .outerjoin(counts, counts.c.site_id == Site.id)
            .order_by(Site.name)
        )
        with self.rt.db.session(write=False) as s:
            rows = s.execute(query).all()
        return [
            SiteRow(
                id=site.id,
                name=site.name,
                origins=list(site.allowed_origins),
                title_suffix=site.title_suffix,
                stories=int(n or 0),
                comments=int(c or 0),
                created_at=site.created_at,
            )
            for site, n, c in rows
        ]

    def stories(
        self,
        *,
        site: str | None = None,
        search: str | None = None,
        limit: int = 50,
        after: int | None = None,
    ) -> list[StoryRow]:
        """Newest first; `search` matches the title or the URL, without case. `after`: the
        last story of the previous page (a keyset, so deep pages cost no more)."""
        query = select(Story).order_by(Story.created_at.desc(), Story.id.desc())
        with self.rt.db.session(write=False) as s:
            if after is not None:
                query = query.where(_older(s, Story, after))
            if site is not None:
                found = store_stories.site_by_name(s, site)
                if found is None:
                    raise NotFound(_("There is no site named “%(site)s”.") % {"site": site})
                query = query.where(Story.site_id == found.id)
            if search and search.strip():
                pattern = _pattern(search)
                query = query.where(
                    or_(
                        Story.title.ilike(pattern, escape="\\"),
                        Story.url.ilike(pattern, escape="\\"),
                    )
                )
            rows = s.scalars(query.limit(_limit(limit))).unique().all()
            return [
                StoryRow(
                    id=x.id,
                    site=x.site.name,
                    title=x.title,
                    title_confirmed=x.title_confirmed,
                    url=x.url,
                    comments=x.comment_count,
                    is_open=x.is_open,
                    created_at=x.created_at,
                )
                for x in rows
            ]

    def users(
        self,
        *,
        search: str | None = None,
        role: Role | None = None,
        limit: int = 50,
        with_email: bool = False,
        after: int | None = None,
        user_id: int | None = None,
    ) -> list[UserRow]:
        """Newest first; `search` matches the handle, the display name or the email.
        `after`: the last user of the previous page."""
        now = self.rt.clock()
        sessions = (
            select(AuthSession.user_id, func.count(AuthSession.id).label("n"))
            .where(AuthSession.revoked_at.is_(None), AuthSession.expires_at > now)
            .group_by(AuthSession.user_id)
            .subquery()
        )
        query = (
            select(User, sessions.c.n)
            .outerjoin(sessions, sessions.c.user_id == User.id)
            .order_by(User.created_at.desc(), User.id.desc())
        )
        if role is not None:
            query = query.where(User.role == role)
        if user_id is not None:
            query = query.where(User.id == user_id)
        if search and search.strip():
            pattern = _pattern(search)
            query = query.where(
                or_(
                    User.handle.ilike(pattern, escape="\\"),
                    User.display_name.ilike(pattern, escape="\\"),
                    User.email.ilike(pattern, escape="\\"),
                )
            )
        with self.rt.db.session(write=False) as s:
            if after is not None:
                query = query.where(_older(s, User, after))
            rows = s.execute(query.limit(_limit(limit))).all()
        return [
            UserRow(
                id=u.id,
                handle=u.handle,
                display_name=u.display_name,
                role=u.role,
                email=u.email if with_email else None,
                state=_state(u, now),
                sessions=int(n or 0),
                created_at=u.created_at,
                last_seen_at=u.last_seen_at,
            )
            for u, n in rows
        ]


def status_counts(rt: Runtime, story_ids: list[int]) -> dict[int, dict[CommentStatus, int]]:
    """Comments by status for each story, in one grouped query."""
    out: dict[int, dict[CommentStatus, int]] = {i: {} for i in story_ids}
    if not story_ids:
        return out
    query = (
        select(Comment.story_id, Comment.status, func.count())
        .where(Comment.story_id.in_(story_ids))
        .group_by(Comment.story_id, Comment.status)
    )
    with rt.db.session(write=False) as s:
        for story_id, status, n in s.execute(query):
            out[story_id][status] = int(n)
    return out


def _older(s: Session, model: type[Story] | type[User], after: int) -> ColumnElement[bool]:
    """Rows after `after` in (created_at, id) descending order; an unknown id ends the list."""
    at = s.scalar(select(model.created_at).where(model.id == after))
    if at is None:
        return false()
    return or_(model.created_at < at, and_(model.created_at == at, model.id < after))


def _state(user: User, now: dt.datetime) -> str:
    if user.deleted_at is not None:
        return "erased"
    if user.banned_at is not None and (user.banned_until is None or user.banned_until > now):
        return "banned"
    return "active"
