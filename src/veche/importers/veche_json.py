"""veche's own export (docs/export.md) as an import source: `veche import veche FILE`.

The file is parsed as a stream (ijson): one story and its comments at a time, so an export
of any size is read in bounded memory. Members become import identities of the source
"veche", keyed by their id in the exporting instance; guests stay guests. A story or a
comment that cannot be taken is reported by its id and skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from veche.importers.model import (
    ImportedAuthor,
    ImportedComment,
    ImportedQuote,
    ImportedStatus,
    ImportedStory,
    ImportThread,
    Rejected,
)
from veche.importers.sources import SourceError
from veche.service.export import FORMAT, VERSION

# veche's statuses as the import model knows them: what readers could not see stays unseen.
STATUSES = {
    "visible": ImportedStatus.visible,
    "pending": ImportedStatus.pending,
    "rejected": ImportedStatus.spam,
    "shadowed": ImportedStatus.spam,  # readers never saw it; its author is not banned here
    "deleted": ImportedStatus.deleted,
    "removed": ImportedStatus.deleted,
}


class ExportFileError(SourceError):
    """The file is not a veche export this version can read: the whole import stops."""


def _time(value: Any, what: str) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"{what} is missing")
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{what} is not an ISO 8601 time: {value!r}") from exc
    if when.tzinfo is None:
        raise ValueError(f"{what} has no time zone: {value!r}")
    return when.astimezone(dt.UTC)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is missing")
    return value


def _optional(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _id(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value) == "":
        raise ValueError(f"{what} is missing")
    return str(value)


def story_of(raw: dict[str, Any]) -> ImportedStory:
    created = raw.get("created_at")
    return ImportedStory(
        external_id=_id(raw.get("id"), "its id"),
        url=_text(raw.get("url"), "its url"),
        title=_text(raw.get("title"), "its title"),
        created_at=_time(created, "created_at") if created is not None else None,
        closed=raw.get("closed") is True,
        body=_optional(raw.get("body")),
        image_caption=_optional(raw.get("image_caption")),
        photo_credit=_optional(raw.get("photo_credit")),
    )


def author_of(raw: Any) -> ImportedAuthor | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError("its author is not an object")
    handle = _text(raw.get("handle"), "its author's handle")
    name = _optional(raw.get("display_name")) or handle
    return ImportedAuthor(
        external_id=_id(raw.get("id"), "its author's id"), name=name, handle=handle
    )


def quote_of(raw: Any) -> ImportedQuote | None:
    """A quote whose words are gone (its source was deleted) has nothing left to carry."""
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
        return None
    if raw.get("source") == "comment":
        return ImportedQuote(raw["text"], _id(raw.get("comment_id"), "the quoted comment's id"))
    if raw.get("source") == "story":
        return ImportedQuote(raw["text"])
    raise ValueError(f"its quote's source is {raw.get('source')!r}, not story or comment")


def comment_of(raw: dict[str, Any]) -> ImportedComment:
    status = STATUSES.get(str(raw.get("status", "visible")))
    if status is None:
        raise ValueError(f"its status {raw.get('status')!r} is not one veche knows")
    parent = raw.get("parent_id")
    edited = raw.get("edited_at")
    author = author_of(raw.get("author"))
    body = raw.get("body")
    if status is not ImportedStatus.deleted and not isinstance(body, str):
        raise ValueError("its body is missing")
    return ImportedComment(
        external_id=_id(raw.get("id"), "its id"),
        parent_external_id=_id(parent, "its parent's id") if parent is not None else None,
        author=author,
        created_at=_time(raw.get("created_at"), "created_at"),
        body=body if isinstance(body, str) else "",
        status=status,
        guest_name=_optional(raw.get("guest_name")) if author is None else None,
        quote=quote_of(raw.get("quote")),
        edited_at=_time(edited, "edited_at") if edited is not None else None,
    )


class VecheExport:
    """An ImportSource over an export file."""

    name = "veche"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rejected: list[Rejected] = []

    @classmethod
    def open(cls, path: Path) -> VecheExport:
        """Refuses a file that is not an export of this version before anything is read."""
        with path.open("rb") as f:
            try:
                _check_head(ijson.parse(f))
            except ExportFileError as exc:
                raise ExportFileError(f"{path}: {exc}") from exc
        return cls(path)

    @property
    def rejected(self) -> list[Rejected]:
        return self._rejected

    def threads(self) -> Iterator[ImportThread]:
        with self.path.open("rb") as f:
            events = ijson.parse(f, use_float=True)
            _check_head(events)
            number = 0
            try:
                for number, raw in enumerate(ijson.items(events, "stories.item"), 1):
                    thread = self._thread(raw, number)
                    if thread is not None:
                        yield thread
            except ijson.JSONError as exc:
                raise ExportFileError(f"it breaks off after story #{number} ({exc})") from exc

    def _thread(self, raw: Any, number: int) -> ImportThread | None:
        if not isinstance(raw, dict):
            self._rejected.append(Rejected(f"story #{number}", "not an object"))
            return None
        where = f"story {raw.get('id', f'#{number}')}"
        try:
            story = story_of(raw)
        except ValueError as exc:
            self._rejected.append(Rejected(where, str(exc)))
            return None
        thread = ImportThread(story)
        for raw_comment in raw.get("comments") or ():
            cid = raw_comment.get("id", "?") if isinstance(raw_comment, dict) else "?"
            try:
                if not isinstance(raw_comment, dict):
                    raise ValueError("not an object")
                thread.comments.append(comment_of(raw_comment))
            except ValueError as exc:
                self._rejected.append(Rejected(f"{where}, comment {cid}", str(exc)))
        return thread


def _check_head(events: Iterator[tuple[str, str, Any]]) -> None:
    """`format` and `version` come before `stories` (the exporter writes them first), so the
    file is known to be one this version reads before any thread is taken."""
    head: dict[str, Any] = {}
    stories = False
    try:
        for prefix, event, value in events:
            if prefix in ("format", "version") and event in ("string", "number"):
                head[prefix] = value
            elif prefix == "stories" and event == "start_array":
                stories = True
                break
    except ijson.JSONError as exc:
        raise ExportFileError(f"it is not JSON ({exc})") from exc
    if head.get("format") != FORMAT:
        raise ExportFileError(f"it is not a veche export (its format is not “{FORMAT}”)")
    if head.get("version") != VERSION:
        raise ExportFileError(
            f"it is a veche export of version {head.get('version')}; "
            f"this veche reads version {VERSION}"
        )
    if not stories:
        raise ExportFileError("it has no list of stories")
