"""A Remark42 backup (`remark42 backup`, or the daily `backup-SITE-DATE.gz`): JSON lines,
first the meta (`{"version":1,"users":[...],"posts":[...]}`), then one comment per line.

The file is ordered by post only as it happened to be listed, so comments are spooled to a
temporary SQLite file keyed by page URL and read back one thread at a time: memory holds a
thread, never the backup.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from io import BufferedIOBase
from pathlib import Path
from typing import Any

from veche.importers.model import (
    ImportedAuthor,
    ImportedComment,
    ImportedStatus,
    ImportedStory,
    ImportThread,
    Rejected,
)
from veche.importers.parsing import Skip, html_to_markdown
from veche.importers.sources import SourceError

_VERSIONS = {0, 1}  # what Remark42's own importer accepts
_GONE = "deleted"  # a hard delete sets the user's id and name to this
# A line is read at most this long (the meta of a big site fits): a gzip bomb of one endless
# line would otherwise be read whole into memory.
LINE_MAX = 64 * 1024 * 1024


def _open(path: Path) -> BufferedIOBase:
    raw = path.open("rb")
    if raw.read(2) == b"\x1f\x8b":  # the daily backups are gzipped
        raw.close()
        return gzip.open(path, "rb")
    raw.seek(0)
    return raw


def _lines(f: BufferedIOBase) -> Iterator[bytes | None]:
    """The file's lines, each read up to LINE_MAX; an over-long one is None, skipped to
    its end a chunk at a time."""
    while line := f.readline(LINE_MAX + 1):
        if len(line) <= LINE_MAX or line.endswith(b"\n"):
            yield line
            continue
        while (rest := f.readline(LINE_MAX)) and not rest.endswith(b"\n"):
            pass
        yield None


def _time(value: object) -> dt.datetime | None:
    """RFC 3339 as Go writes it (nanoseconds are cut to micro); Go's zero time is none."""
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None or when.year < 1970:
        return None
    return when.astimezone(dt.UTC)


def _text(record: dict[str, Any], key: str) -> str:
    """A string field as shown: Remark42 stores names, titles and URLs HTML-escaped."""
    value = record.get(key)
    return html.unescape(value).strip() if isinstance(value, str) else ""


class Remark42Source:
    """Threads by `locator.url`, in the order their first comment appears."""

    name = "remark42"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rejected: list[Rejected] = []
        self._closed: set[str] = set()  # posts' read_only flags from the meta
        self._blocked: set[str] = set()  # users' blocked flags from the meta
        self._check_start()

    @property
    def rejected(self) -> list[Rejected]:
        return self._rejected

    def _check_start(self) -> None:
        try:
            with _open(self.path) as f:
                first = f.readline(LINE_MAX + 1)
            if len(first) > LINE_MAX:
                raise ValueError(f"its first line is over {LINE_MAX} bytes")
            record = json.loads(first)
        except (OSError, EOFError, ValueError) as exc:
            raise SourceError(f"{self.path}: not a Remark42 backup ({exc})") from exc
        if not isinstance(record, dict) or ("version" not in record and "id" not in record):
            raise SourceError(f"{self.path}: not a Remark42 backup (no meta on line 1)")
        if "version" in record and record["version"] not in _VERSIONS:
            raise SourceError(f"{self.path}: Remark42 backup version {record['version']!r}")

    def threads(self) -> Iterator[ImportThread]:
        with tempfile.TemporaryDirectory(prefix="veche-remark42-") as tmp:
            spool = sqlite3.connect(Path(tmp) / "spool.db")
            try:
                spool.execute(
                    "CREATE TABLE c (url TEXT NOT NULL, line INTEGER NOT NULL, record TEXT)"
                )
                with spool:
                    self._spool(spool)
                spool.execute("CREATE INDEX c_url ON c (url, line)")
                urls = spool.execute("SELECT url FROM c GROUP BY url ORDER BY MIN(line)")
                for (url,) in urls:
                    rows = spool.execute(
                        "SELECT line, record FROM c WHERE url = ? ORDER BY line", (url,)
                    )
                    thread = self._thread(url, ((n, json.loads(r)) for n, r in rows))
                    if thread.comments:
                        yield thread
            finally:
                spool.close()

    def _spool(self, spool: sqlite3.Connection) -> None:
        with _open(self.path) as f:
            for n, raw in enumerate(_lines(f), 1):
                if raw is None:
                    self._reject(f"line {n}", f"over {LINE_MAX} bytes, not read")
                    continue
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except ValueError as exc:  # bad UTF-8 is a ValueError too
                    self._reject(f"line {n}", f"not JSON: {exc}")
                    continue
                if not isinstance(record, dict):
                    self._reject(f"line {n}", "not a JSON object")
                elif "version" in record and "id" not in record:
                    self._meta(n, record)
                else:
                    locator = record.get("locator")
                    url = _text(locator, "url") if isinstance(locator, dict) else ""
                    if not url.startswith(("http://", "https://")):
                        self._reject(f"line {n}", "a comment without its page's URL")
                        continue
                    spool.execute("INSERT INTO c VALUES (?, ?, ?)", (url, n, raw.decode()))

    def _meta(self, n: int, meta: dict[str, Any]) -> None:
        posts, users = meta.get("posts"), meta.get("users")
        if not isinstance(posts, list | None) or not isinstance(users, list | None):
            self._reject(f"line {n}", "meta whose posts or users are not lists")
            return
        for post in posts or []:
            if isinstance(post, dict) and post.get("read_only"):
                self._closed.add(_text(post, "url"))
        for user in users or []:
            blocked = user.get("blocked") if isinstance(user, dict) else None
            if isinstance(blocked, dict) and blocked.get("status") and _text(user, "id"):
                self._blocked.add(_text(user, "id"))

    def _thread(self, url: str, records: Iterator[tuple[int, Any]]) -> ImportThread:
        thread = ImportThread(ImportedStory(external_id=url, url=url, title=url))
        title = ""
        for n, record in records:
            title = title or _text(record, "title")
            try:
                thread.comments.append(self._comment(n, record))
            except Skip as exc:
                self._reject(f"line {n}", str(exc))
        first = min((c.created_at for c in thread.comments), default=None)
        thread.story = ImportedStory(
            external_id=url, url=url, title=title or url, created_at=first,
            closed=url in self._closed,
        )  # fmt: skip
        return thread

    def _comment(self, n: int, record: dict[str, Any]) -> ImportedComment:
        cid = _text(record, "id")
        if not cid:
            raise Skip("a comment without an id")
        created = _time(record.get("time"))
        if created is None:
            raise Skip(f"comment {cid}: bad time {record.get('time')!r}")
        user = record.get("user")
        user = user if isinstance(user, dict) else {}
        uid, name = _text(user, "id"), _text(user, "name")
        blocked = user.get("block") is True or uid in self._blocked
        status = ImportedStatus.visible
        if blocked:
            status = ImportedStatus.spam  # hidden from readers there, kept for moderators
        elif record.get("delete") is True:
            status = ImportedStatus.deleted
        body = (
            html_to_markdown(record.get("text") or "")
            if isinstance(record.get("text"), str)
            else ""
        )
        if not body and status is not ImportedStatus.deleted:
            raise Skip(f"comment {cid}: empty text")
        author: ImportedAuthor | None = None
        guest: str | None = None
        if uid.startswith("anonymous_") or not uid:
            guest = name or None  # Remark42's anonymous sign-in: a name, no account
        elif uid != _GONE:
            author = ImportedAuthor(external_id=uid, name=name)
        edit = record.get("edit")
        edited = _time(edit.get("time")) if isinstance(edit, dict) else None
        return ImportedComment(
            external_id=cid,
            parent_external_id=_text(record, "pid") or None,
            author=author,
            created_at=created,
            body=body,
            status=status,
            guest_name=guest,
            edited_at=edited,
            line=n,
        )

    def _reject(self, where: str, reason: str) -> None:
        self._rejected.append(Rejected(where, reason))
