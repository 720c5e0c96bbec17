"""Sites and stories; a story is found by its canonical URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from veche.store.models import Setting, Site, Story


def site_by_name(s: Session, name: str) -> Site | None:
    return s.scalars(select(Site).where(Site.name == name)).first()


def site_by_id(s: Session, site_id: int) -> Site:
    site = s.get(Site, site_id)
    assert site is not None, "sites are never deleted"
    return site


def all_sites(s: Session) -> list[Site]:
    return list(s.scalars(select(Site).order_by(Site.id)))


def story_by_url(s: Session, url: str) -> Story | None:
    return s.scalars(select(Story).where(Story.url == url)).unique().first()


def get_setting(s: Session, key: str) -> str | None:
    row = s.get(Setting, key)
    return row.value if row else None


def put_setting(s: Session, key: str, value: str) -> None:
    row = s.get(Setting, key)
    if row is None:
        s.add(Setting(key=key, value=value))
    else:
        row.value = value


def add_setting_once(s: Session, key: str, value: str) -> None:
    """Insert unless present, atomically on both engines: concurrent first starts agree."""
    bind = s.get_bind()
    stmt: Any
    if bind.dialect.name == "postgresql":
        stmt = postgresql.insert(Setting).on_conflict_do_nothing(index_elements=["key"])
    elif bind.dialect.name == "sqlite":
        stmt = sqlite.insert(Setting).on_conflict_do_nothing(index_elements=["key"])
    else:  # pragma: no cover - only the two engines are supported
        stmt = insert(Setting)
    s.execute(stmt.values(key=key, value=value))
