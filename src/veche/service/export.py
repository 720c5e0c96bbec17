"""`veche export`: a site, or one story, as versioned JSON (docs/export.md), written story by
story and comment by comment so a site of any size is exported in bounded memory.

It is the publisher's archive, and `veche import veche` reads it back: pending, rejected and
shadowed comments keep their words. Deleted and removed ones keep their place, number and
time but lose their words, author and quote, as on the pages. Nothing that signs anyone in
(password hashes, session or link tokens, SSO or webhook secrets) and no email address is
ever written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from veche.domain import paths
from veche.domain.errors import NotFound
from veche.service import policy
from veche.service.runtime import Runtime
from veche.store import export as store
from veche.store import stories as store_stories
from veche.store.models import Site, Story

FORMAT = "veche-export"
VERSION = 1
STORY_PAGE = 100
MAX_ID = 2**31 - 1  # ids are 32-bit on both engines: a longer number names no story


@dataclass
class Written:
    stories: int = 0
    comments: int = 0


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def site_record(site: Site) -> dict[str, Any]:
    """What identifies the site; its sign-in and moderation settings stay (they hold secrets
    and are the new instance's own to choose)."""
    return {
        "name": site.name,
        "created_at": iso(site.created_at),
        "allowed_origins": list(site.allowed_origins or ()),
        "title_suffix": site.title_suffix,
    }


def story_record(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "url": story.url,
        "title": story.title,
        "title_confirmed": story.title_confirmed,
        "created_at": iso(story.created_at),
        "closed": not story.is_open,
        "body": story.body_src,
        "image_caption": story.image_caption,
        "photo_credit": story.photo_credit,
        "comment_count": story.comment_count,
    }


def comment_record(r: store.ThreadRow) -> dict[str, Any]:
    gone = r.status in policy.GONE
    author = None
    if not gone and r.author_id is not None and r.author_handle and not r.author_erased:
        author = {"id": r.author_id, "handle": r.author_handle, "display_name": r.author_name}
    quote = None
    if not gone and r.quote_source is not None:
        quote = {
            "source": r.quote_source.value,
            "comment_id": r.quote_comment_id,
            # The quoted comment's words are gone with it, here as on the page.
            "text": None if r.quoted_status in policy.GONE else r.quote_text,
            "state": r.quote_state.value if r.quote_state else None,
        }
    return {
        "id": r.id,
        "parent_id": r.parent_id,
        "number": ".".join(str(n) for n in paths.ordinals(r.path)),
        "author": author,
        "guest_name": r.guest_name if not gone and r.author_id is None else None,
        "created_at": iso(r.created_at),
        "edited_at": None if gone else iso(r.edited_at),
        "status": r.status.value,
        "body": None if gone else r.body_src,
        "reactions": r.reactions,
        "quote": quote,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


class Export:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def site(self, name: str, out: TextIO) -> Written:
        with self.rt.db.session(write=False) as s:
            site = store_stories.site_by_name(s, name)
            if site is None:
                raise NotFound(f"There is no site named “{name}”.")
        return self._write(site, self._stories_of(site.id), out)

    def story(self, url_or_id: str, out: TextIO) -> Written:
        with self.rt.db.session(write=False) as s:
            key = url_or_id.strip()
            if key.isascii() and key.isdigit():
                number = int(key)
                story = s.get(Story, number) if number <= MAX_ID else None
            else:
                story = store_stories.story_by_url(s, key)
            if story is None:
                raise NotFound(f"There is no story “{url_or_id}” (give its id or its URL).")
            site = story.site
        return self._write(site, [story], out)

    def _stories_of(self, site_id: int) -> Iterator[Story]:
        after = 0
        while True:
            with self.rt.db.session(write=False) as s:
                page = store.story_page(s, site_id, after_id=after, limit=STORY_PAGE)
            yield from page
            if len(page) < STORY_PAGE:
                return
            after = page[-1].id

    def _write(self, site: Site, stories: Iterable[Story], out: TextIO) -> Written:
        done = Written()
        head = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": iso(self.rt.clock()),
            "site": site_record(site),
        }
        out.write(_dumps(head)[:-1] + ', "stories": [')
        for story in stories:
            out.write(",\n" if done.stories else "\n")
            out.write(_dumps(story_record(story))[:-1] + ', "comments": [')
            count = 0
            # A thread is read in its own short transaction, as one streamed range scan.
            with self.rt.db.session(write=False) as s:
                for row in store.thread_rows(s, story.id):
                    out.write(",\n  " if count else "\n  ")
                    out.write(_dumps(comment_record(row)))
                    count += 1
            out.write("\n]}" if count else "]}")
            done.stories += 1
            done.comments += count
        out.write("\n]}\n")
        return done
