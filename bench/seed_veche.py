"""Seed veche through its own write path (Comments.import_comment), a few hundred comments
per transaction, so the rows are exactly what the product writes: paths, counters, events."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, replace
from typing import Any

from bench.threads import AUTHORS, Row, author_handle
from veche.config import Config
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories, set_content
from veche.store.models import Story, User

BATCH = 500
SITE = "bench"
STORY_BODY = (
    "The council delayed its vote on the new bridge again.\n\n"
    "Residents asked for a public hearing on the budget first."
)
WRITER_PASSWORD = "bench-writer-password-2026"  # noqa: S105 - a throwaway local account


@dataclass(frozen=True)
class Seeded:
    story_id: int
    comment_ids: list[int]  # by Row.index
    seconds: float


def runtime(db_url: str) -> Runtime:
    cfg = replace(
        Config(), database_url=db_url, rate_limit_auth="1000000/minute",
        rate_limit_writes="1000000/minute",
    )  # fmt: skip
    rt = Runtime.build(cfg)
    rt.db.upgrade()
    return rt


def _site(rt: Runtime, base_url: str) -> None:
    Stories(rt).create_site(SITE, SiteSettings(allowed_origins=[base_url]))


def _story(rt: Runtime, title: str, url: str) -> int:
    with rt.db.session() as s:
        from veche.store import stories as store_stories

        site = store_stories.site_by_name(s, SITE)
        assert site is not None
        story = Story(site_id=site.id, url=url, title=title, created_at=dt.datetime.now(dt.UTC))
        set_content(story, STORY_BODY, None, None)
        s.add(story)
        s.flush()
        return story.id


def _authors(rt: Runtime) -> list[int]:
    """200 commenters, made as the importer makes them (no password; they never sign in)."""
    now = dt.datetime.now(dt.UTC)
    with rt.db.session() as s:
        users = [
            User(handle=author_handle(n), handle_key=author_handle(n), created_at=now)
            for n in range(AUTHORS)
        ]
        s.add_all(users)
        s.flush()
        return [u.id for u in users]


def seed_thread(db_url: str, rows: list[Row], *, base_url: str, url: str) -> Seeded:
    """A fresh database holding one site, 200 authors and one story with this thread."""
    rt = runtime(db_url)
    try:
        t0 = time.monotonic()
        _site(rt, base_url)
        authors = _authors(rt)
        story_id = _story(rt, f"Bench thread of {len(rows)} comments", url)
        comments = Comments(rt)
        ids: list[int] = []
        for start in range(0, len(rows), BATCH):
            with rt.db.session() as s:
                story = s.get(Story, story_id)
                assert story is not None
                for r in rows[start : start + BATCH]:
                    parent = ids[r.parent] if r.parent is not None else None
                    made: Any = comments.import_comment(
                        s, story, Draft(r.body, parent), author_id=authors[r.author],
                        guest_name=None, created_at=dt.datetime.fromtimestamp(r.created, dt.UTC),
                    )  # fmt: skip
                    # A Comment today; (Comment, Event) once the live build lands. Nothing
                    # subscribes while seeding, so the event need not be published.
                    ids.append((made[0] if isinstance(made, tuple) else made).id)
        return Seeded(story_id, ids, time.monotonic() - t0)
    finally:
        rt.db.dispose()


def seed_writers(db_url: str, count: int, *, base_url: str, url: str) -> tuple[int, list[str]]:
    """An empty open story and `count` signed-in writers with bearer tokens (for B2/B3/B4)."""
    rt = runtime(db_url)
    try:
        _site(rt, base_url)
        story_id = _story(rt, "Bench writes", url)
        accounts = Accounts(rt)
        tokens = [
            accounts.sign_up(f"writer{n:03d}", WRITER_PASSWORD, ip="127.0.0.1")[1]
            for n in range(count)
        ]
        return story_id, tokens
    finally:
        rt.db.dispose()
