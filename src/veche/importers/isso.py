"""An Isso database: its `threads` (one per page URI) and their `comments`.

The file is opened read-only, so a running Isso can keep using it. Isso flattens replies to
one level when they are written; the parent is taken as stored, so threads look as they did.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

from veche.importers.model import (
    ImportedAuthor,
    ImportedComment,
    ImportedStatus,
    ImportedStory,
    ImportThread,
    Rejected,
)
from veche.importers.parsing import Skip, email_key, web_url
from veche.importers.sources import SourceError

# Isso's `mode`: 1 accepted, 2 waiting in the moderation queue, 4 deleted with replies kept.
_MODES = {1: ImportedStatus.visible, 2: ImportedStatus.pending, 4: ImportedStatus.deleted}
_COMMENTS = """
    SELECT id, parent, created, modified, mode, text, author, email, website
    FROM comments WHERE tid = ? ORDER BY id
"""


def _time(value: object) -> dt.datetime | None:
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        return None
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


class IssoSource:
    """Threads by URI, each read with its comments alone, so memory holds one thread."""

    name = "isso"

    def __init__(self, path: Path, base_url: str | None) -> None:
        self.path = path
        self.base_url = base_url  # Isso keys threads by path: the site they are under
        self._rejected: list[Rejected] = []
        self._db = self._open()

    @property
    def rejected(self) -> list[Rejected]:
        return self._rejected

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.DatabaseError as exc:
            db.close()
            raise SourceError(f"{self.path}: not an SQLite database ({exc})") from exc
        if not {"threads", "comments"} <= names:
            db.close()
            raise SourceError(f"{self.path}: no Isso `threads` and `comments` tables")
        paths = db.execute("SELECT 1 FROM threads WHERE uri NOT LIKE 'http%' LIMIT 1").fetchone()
        if paths and not self.base_url:
            db.close()
            raise SourceError(
                f"{self.path}: Isso keys pages by path; give the site's address with --url"
            )
        return db

    def threads(self) -> Iterator[ImportThread]:
        try:
            for row in self._db.execute(
                "SELECT tid, id FROM comments WHERE tid NOT IN (SELECT id FROM threads)"
            ):
                self._rejected.append(Rejected(f"comment {row[1]}", f"thread {row[0]} is missing"))
            for tid, uri, title in self._db.execute(
                "SELECT id, uri, title FROM threads ORDER BY id"
            ):
                thread = self._thread(tid, uri, title)
                if thread is not None:
                    yield thread
        finally:
            self._db.close()

    def _thread(self, tid: int, uri: object, title: object) -> ImportThread | None:
        if not isinstance(uri, str) or not uri.strip():
            self._rejected.append(Rejected(f"thread {tid}", "a thread without a URI"))
            return None
        url = urljoin(self.base_url or "", uri.strip())
        rows = self._db.execute(_COMMENTS, (tid,)).fetchall()
        first = min((t for r in rows if (t := _time(r[2])) is not None), default=None)
        story = ImportedStory(
            external_id=uri.strip(),
            url=url,
            title=title.strip() if isinstance(title, str) and title.strip() else url,
            created_at=first,
        )
        thread = ImportThread(story)
        for row in rows:
            try:
                thread.comments.append(self._comment(row))
            except Skip as exc:
                self._rejected.append(Rejected(f"comment {row[0]} (thread {tid})", str(exc)))
        return thread

    def _comment(self, row: tuple[object, ...]) -> ImportedComment:
        cid, parent, created, modified, mode, text, author, email, website = row
        status = _MODES.get(mode) if isinstance(mode, int) else None
        if status is None:
            raise Skip(f"unknown mode {mode!r}")
        created_at = _time(created)
        if created_at is None:
            raise Skip(f"bad created time {created!r}")
        body = text.strip() if isinstance(text, str) else ""
        if not body and status is not ImportedStatus.deleted:
            raise Skip("an empty comment")
        name = author.strip() if isinstance(author, str) else ""
        mail = email.strip() if isinstance(email, str) else ""
        # Isso has no accounts: an address is the one thing that ties comments to a person.
        who = None
        if mail and status is not ImportedStatus.deleted:  # Isso unnames what it deletes
            site = web_url(website if isinstance(website, str) else None)
            who = ImportedAuthor(external_id=email_key(mail), name=name, email=mail, url=site)
        return ImportedComment(
            external_id=str(cid),
            parent_external_id=None if parent is None else str(parent),
            author=who,
            created_at=created_at,
            body=body,
            status=status,
            guest_name=None if who else name or None,
            edited_at=_time(modified),
        )
