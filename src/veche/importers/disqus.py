"""Disqus export XML as an import source, read in bounded memory.

A Disqus export lists every thread first and every post after, so no thread is complete
until the file ends. One streaming pass (lxml's iterparse, each element cleared once read)
keeps the threads' few fields and spools the posts into a temporary SQLite file; then the
threads are yielded one at a time with their posts. Memory holds one thread, never the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from markdownify import MarkdownConverter

from veche.importers.model import (
    ImportedAuthor,
    ImportedComment,
    ImportedStatus,
    ImportedStory,
    ImportThread,
    Rejected,
)
from veche.importers.sources import SourceError

NAME = "disqus"
NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
_BATCH = 500  # rows per executemany into the spool

_SCHEMA = """
CREATE TABLE threads (
    seq INTEGER PRIMARY KEY, dsq_id TEXT UNIQUE, link TEXT, title TEXT, created_at TEXT,
    closed INTEGER, deleted INTEGER, line INTEGER
);
CREATE TABLE posts (
    seq INTEGER PRIMARY KEY, dsq_id TEXT, thread_id TEXT, parent_id TEXT, created_at TEXT,
    message TEXT, deleted INTEGER, spam INTEGER, name TEXT, email TEXT, username TEXT,
    anonymous INTEGER, line INTEGER
);
"""


def _text(elem: etree._Element, tag: str) -> str | None:
    child = elem.find(NS + tag)
    return child.text if child is not None and child.text is not None else None


def _flag(elem: etree._Element, tag: str) -> int:
    return int((_text(elem, tag) or "").strip().lower() == "true")


def _ref(elem: etree._Element, tag: str) -> str | None:
    child = elem.find(NS + tag)
    return child.get(DSQ_ID) if child is not None else None


def parse_time(value: str | None) -> dt.datetime:
    """Disqus writes ISO 8601 in UTC ("2014-03-05T18:21:11Z"); a time without a zone is UTC."""
    if not value or not value.strip():
        raise ValueError("no createdAt")
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"createdAt {value.strip()[:40]!r} is not a date") from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


class _Converter(MarkdownConverter):
    """Disqus titles every link with its own URL: the markdown link goes without it."""

    def convert_a(self, el: Any, *args: Any, **kwargs: Any) -> str:
        el.attrs.pop("title", None)
        link = getattr(MarkdownConverter, "convert_a")  # noqa: B009  (untyped in its stubs)
        return str(link(self, el, *args, **kwargs))


_CONVERTER = _Converter(heading_style="ATX", strip=["img"])


def message_markdown(html: str | None) -> str:
    """A post's HTML as markdown: links, emphasis, quotes and lists kept, scripts dropped
    (the markdown is sanitised again when rendered)."""
    if not html or not html.strip():
        return ""
    return str(_CONVERTER.convert(html)).strip()


@dataclass
class DisqusSource:
    path: Path
    name: str = NAME
    rejected: list[Rejected] = field(default_factory=list)

    def threads(self) -> Iterator[ImportThread]:
        with tempfile.TemporaryDirectory(prefix="veche-disqus-") as tmp:
            db = sqlite3.connect(Path(tmp) / "spool.db")
            try:
                db.executescript(_SCHEMA)
                self._spool(db)
                db.execute("CREATE INDEX posts_thread ON posts (thread_id, created_at, seq)")
                self._orphans(db)
                yield from self._threads(db)
            finally:
                db.close()

    def _spool(self, db: sqlite3.Connection) -> None:
        """The one pass over the file: threads and posts into the spool, in batches."""
        threads: list[tuple[object, ...]] = []
        posts: list[tuple[object, ...]] = []
        tags = (NS + "thread", NS + "post")
        try:
            for _event, elem in etree.iterparse(
                str(self.path), events=("end",), tag=tags, huge_tree=True,
                resolve_entities=False, no_network=True,
            ):  # fmt: skip
                if elem.getparent() is not None and elem.getparent().tag == NS + "post":
                    continue  # a post's <thread dsq:id/> reference, read with its post
                if elem.tag == NS + "thread":
                    threads.append(self._thread_row(elem))
                else:
                    row = self._post_row(elem)
                    if row is not None:
                        posts.append(row)
                # Read: drop it, and whatever came before it (categories, earlier records).
                elem.clear(keep_tail=False)
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
                if len(posts) >= _BATCH or len(threads) >= _BATCH:
                    self._flush(db, threads, posts)
        except etree.XMLSyntaxError as exc:
            raise SourceError(f"{self.path}: line {exc.lineno}: {exc.msg}") from exc
        except OSError as exc:
            raise SourceError(f"{self.path}: {exc}") from exc
        self._flush(db, threads, posts)

    def _flush(
        self,
        db: sqlite3.Connection,
        threads: list[tuple[object, ...]],
        posts: list[tuple[object, ...]],
    ) -> None:
        for row in threads:
            try:
                db.execute(
                    "INSERT INTO threads (dsq_id, link, title, created_at, closed, deleted, line)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
            except sqlite3.IntegrityError:
                self.rejected.append(Rejected(f"line {row[-1]}", f"thread {row[0]} appears twice"))
        db.executemany(
            "INSERT INTO posts (dsq_id, thread_id, parent_id, created_at, message, deleted, spam,"
            " name, email, username, anonymous, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            posts,
        )
        threads.clear()
        posts.clear()

    def _thread_row(self, elem: etree._Element) -> tuple[object, ...]:
        return (
            elem.get(DSQ_ID), (_text(elem, "link") or "").strip(), (_text(elem, "title") or "").strip(),
            _text(elem, "createdAt"), _flag(elem, "isClosed"), _flag(elem, "isDeleted"),
            elem.sourceline,
        )  # fmt: skip

    def _post_row(self, elem: etree._Element) -> tuple[object, ...] | None:
        dsq_id, line = elem.get(DSQ_ID), elem.sourceline
        where = f"line {line}" if line else f"post {dsq_id}"
        if not dsq_id:
            self.rejected.append(Rejected(where, "a post without a dsq:id"))
            return None
        thread = _ref(elem, "thread")
        if not thread:
            self.rejected.append(Rejected(where, f"post {dsq_id} names no thread"))
            return None
        try:
            created = parse_time(_text(elem, "createdAt")).isoformat()
        except ValueError as exc:
            self.rejected.append(Rejected(where, f"post {dsq_id}: {exc}"))
            return None
        author = elem.find(NS + "author")

        def who(tag: str) -> str | None:
            value = _text(author, tag) if author is not None else None
            return value.strip() or None if value else None

        anonymous = author is None or _flag(author, "isAnonymous")
        return (
            dsq_id, thread, _ref(elem, "parent"), created, _text(elem, "message") or "",
            _flag(elem, "isDeleted"), _flag(elem, "isSpam"), who("name"), who("email"),
            who("username"), int(anonymous), line,
        )  # fmt: skip

    def _orphans(self, db: sqlite3.Connection) -> None:
        rows = db.execute(
            "SELECT dsq_id, thread_id, line FROM posts"
            " WHERE thread_id NOT IN (SELECT dsq_id FROM threads) ORDER BY seq"
        )
        for dsq_id, thread, line in rows:
            where = f"line {line}" if line else f"post {dsq_id}"
            self.rejected.append(
                Rejected(where, f"post {dsq_id}: its thread {thread} is not in the file")
            )

    def _threads(self, db: sqlite3.Connection) -> Iterator[ImportThread]:
        # A second cursor: the posts' queries run while this one is still being read.
        threads = db.cursor().execute(
            "SELECT dsq_id, link, title, created_at, closed FROM threads"
            " WHERE deleted = 0 AND dsq_id IN (SELECT thread_id FROM posts) ORDER BY seq"
        )
        for dsq_id, link, title, created_at, closed in threads:
            try:
                created = parse_time(created_at)
            except ValueError:
                created = None  # the story's own time is not worth losing its comments over
            story = ImportedStory(
                external_id=str(dsq_id), url=link, title=title or link, created_at=created,
                closed=bool(closed),
            )  # fmt: skip
            posts = db.execute(
                "SELECT dsq_id, parent_id, created_at, message, deleted, spam, name, email,"
                " username, anonymous, line FROM posts WHERE thread_id = ?"
                " ORDER BY created_at, seq",
                (dsq_id,),
            )
            yield ImportThread(story, [_comment(*row) for row in posts])


def _comment(
    dsq_id: str,
    parent_id: str | None,
    created_at: str,
    message: str,
    deleted: int,
    spam: int,
    name: str | None,
    email: str | None,
    username: str | None,
    anonymous: int,
    line: int | None,
) -> ImportedComment:
    status = (
        ImportedStatus.spam
        if spam
        else ImportedStatus.deleted
        if deleted
        else ImportedStatus.visible
    )
    return ImportedComment(
        external_id=dsq_id,
        parent_external_id=parent_id,
        author=_author(name, email, username, bool(anonymous)),
        created_at=dt.datetime.fromisoformat(created_at),
        body=message_markdown(message),
        status=status,
        guest_name=name or "guest",
        line=line,
    )


def _author(
    name: str | None, email: str | None, username: str | None, anonymous: bool
) -> ImportedAuthor | None:
    """A registered Disqus user by username; one without (older exports) by their address's
    hash. An anonymous one is a guest, named as they signed."""
    if anonymous:
        return None
    if username:
        key = f"user:{username}"
    elif email:
        key = "email:" + hashlib.sha256(email.casefold().encode()).hexdigest()[:40]
    else:
        return None
    return ImportedAuthor(
        external_id=key, name=name or username or "", handle=username, email=email
    )
