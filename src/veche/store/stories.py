"""Sites and stories; a story is found by its canonical URL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from veche.store.models import Setting, Site, Story


def site_by_name(s: Session, name: str) -> Site | None:
    return s.scalars(select(Site).where(Site.name == name)).first()


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
