"""Story titles as pages send them, without the site's name (the rule: domain/titles.py).

The one place a page's title becomes a story's title: the embed's first load, a signed
title, `Stories.create` and the importers all call `page_title`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from veche.domain import titles, validation
from veche.store import comments as store_comments
from veche.store.models import Site, Story

# How many of a site's earlier stories a newly learned suffix is also taken off.
RETITLE_MAX = 200


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def known_names(site: Site) -> list[str | None]:
    return [site.title_suffix, site.name]


def page_title(
    s: Session, site: Site, raw: str, *, now: dt.datetime, story_id: int | None = None
) -> tuple[str, list[tuple[int, int]]]:
    """The story's title for a page titled `raw`, and the (story id, event seq) of earlier
    stories retitled because this one taught the site its suffix (publish them after
    commit). Learning happens only while the site has no suffix yet: a TAIL that also ends
    another story's title of the site is its name."""
    title = validation.title(raw)
    shown = titles.without_suffix(title, known_names(site))
    if shown != title or site.title_suffix:
        return shown, []
    parts = titles.split_suffix(title)
    if parts is None:
        return title, []
    head, _sep, tail = parts
    key = titles.name_key(tail)
    if not key:
        return title, []
    query = select(Story).where(
        Story.site_id == site.id,
        or_(*(Story.title.like(_like(sep + tail), escape="\\") for sep in titles.SEPARATORS)),
    )
    if story_id is not None:
        query = query.where(Story.id != story_id)
    others = [
        o
        for o in s.scalars(query.order_by(Story.id.desc()).limit(RETITLE_MAX)).unique()
        if (p := titles.split_suffix(o.title)) is not None and titles.name_key(p[2]) == key
    ]
    if not others:
        return title, []
    site.title_suffix = tail
    retitled: list[tuple[int, int]] = []
    for other in others:
        other_parts = titles.split_suffix(other.title)
        assert other_parts is not None
        other.title = other_parts[0]
        s.flush()
        store_comments.requote_story(s, other, now)
        event = store_comments.append_event(s, other.id, "story.updated", None, {}, now=now)
        retitled.append((other.id, event.seq))
    return head, retitled
