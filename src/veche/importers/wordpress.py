"""WordPress's WXR export: RSS 2.0 whose `<item>`s are posts carrying their `<wp:comment>`s.

Items are parsed one at a time (iterparse, each freed once read), so an export of any size
is read in bounded memory. Threading is WordPress's own: `comment_parent`, 0 for the top.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from veche.importers.model import (
    ImportedAuthor,
    ImportedComment,
    ImportedStatus,
    ImportedStory,
    ImportThread,
    Rejected,
)
from veche.importers.parsing import Skip, autop, email_key, html_to_markdown, web_url
from veche.importers.sources import SourceError

_WP = "{http://wordpress.org/export/"  # then 1.0/, 1.1/ or 1.2/ by the exporter's version
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_STORIES = {"post", "page"}
_PUBLIC = {"publish", ""}  # drafts, private, trashed and scheduled posts are no stories
_STATUSES = {
    "1": ImportedStatus.visible,
    "0": ImportedStatus.pending,
    "spam": ImportedStatus.spam,
    "trash": ImportedStatus.deleted,
    "post-trashed": ImportedStatus.deleted,  # the post went to the trash, taking it along
}
_COMMENT_TYPES = {"", "comment"}
_HEAD = 64 * 1024  # the namespace is declared on <rss>, after WordPress's comment block
# Control characters XML 1.0 forbids; pasted text brings them into real exports, and one
# would end the parse. None is a byte of a multi-byte UTF-8 sequence.
_FORBIDDEN = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


class _Clean:
    """The file with XML's forbidden control bytes dropped, read as lxml asks."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        return self._raw.read(size).translate(None, _FORBIDDEN)


def _local(tag: object) -> str:
    """A wp: element's name whatever the export's version; other names stay qualified."""
    name = str(tag)
    return name.split("}", 1)[1] if name.startswith(_WP) else name


def _fields(el: etree._Element) -> dict[str, str]:
    return {_local(child.tag): (child.text or "").strip() for child in el}


def _gmt(value: str) -> dt.datetime | None:
    """WordPress writes "0000-00-00 00:00:00" for a time it never had."""
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


class WordPressSource:
    """Stories from published posts and pages; comments from their `<wp:comment>`s."""

    name = "wordpress"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rejected: list[Rejected] = []
        self._logins: dict[str, str] = {}  # wp:author_id -> login, for members' handles
        with path.open("rb") as f:
            head = f.read(_HEAD)
        if _WP[1:].encode() not in head:
            raise SourceError(f"{path}: not a WordPress export (no WXR namespace at its start)")

    @property
    def rejected(self) -> list[Rejected]:
        return self._rejected

    def threads(self) -> Iterator[ImportThread]:
        with self.path.open("rb") as raw:
            # No DTD, no entities beyond XML's own, no network: an export is foreign input.
            items = etree.iterparse(
                _Clean(raw), events=("end",), resolve_entities=False, no_network=True,
                load_dtd=False, remove_comments=True, remove_pis=True,
            )  # fmt: skip
            try:
                for _, el in items:
                    tag = el.tag
                    if tag == "item":
                        thread = self._thread(el)
                        if thread is not None:
                            yield thread
                    elif isinstance(tag, str) and _local(tag) == "author" and tag.startswith(_WP):
                        f = _fields(el)
                        if f.get("author_id") and f.get("author_login"):
                            self._logins[f["author_id"]] = f["author_login"]
                    else:
                        continue
                    # Bounded memory: the read item and everything before it go.
                    el.clear()
                    parent = el.getparent()
                    while parent is not None and el.getprevious() is not None:
                        del parent[0]
            except etree.XMLSyntaxError as exc:
                raise SourceError(
                    f"line {exc.lineno}: not well-formed XML, the rest is unread ({exc.msg})"
                ) from exc

    def _thread(self, item: etree._Element) -> ImportThread | None:
        f = _fields(item)
        post_id = f.get("post_id", "")
        where = f"post {post_id or '?'} (line {item.sourceline})"
        if f.get("post_type", "post") not in _STORIES:
            return None  # attachments, menus, revisions: not discussions
        comment_els = [c for c in item if _local(c.tag) == "comment"]
        status = f.get("status", "")
        if status not in _PUBLIC:
            if comment_els:  # their readers' words are not thrown away unsaid
                self._rejected.append(
                    Rejected(where, f"a {status} post: its {len(comment_els)} comment(s) skipped")
                )
            return None
        url = f.get("link") or f.get("guid", "")
        if not post_id or not url.startswith(("http://", "https://")):
            self._rejected.append(Rejected(where, "a post without its id or link"))
            return None
        body_html = next((c.text or "" for c in item if c.tag == _CONTENT), "")
        story = ImportedStory(
            external_id=post_id,
            url=url,
            title=html.unescape(f.get("title", "")) or url,
            created_at=_gmt(f.get("post_date_gmt", "")),
            closed=f.get("comment_status") == "closed",
            body=html_to_markdown(autop(body_html)) or None,
        )
        thread = ImportThread(story)
        for el in comment_els:
            line = el.sourceline if isinstance(el.sourceline, int) else None
            # comment_content is kept raw: its line breaks are its paragraphs.
            raw = {_local(c.tag): c.text or "" for c in el}
            try:
                thread.comments.append(self._comment(raw, line))
            except Skip as exc:
                cid = raw.get("comment_id", "").strip() or "?"
                self._rejected.append(Rejected(f"comment {cid} (line {line})", str(exc)))
        return thread

    def _comment(self, raw: dict[str, str], line: int | None) -> ImportedComment:
        f = {k: v.strip() for k, v in raw.items()}
        cid = f.get("comment_id", "")
        kind = f.get("comment_type", "")
        if not cid.isdigit():
            raise Skip("a comment without a numeric comment_id")
        if kind not in _COMMENT_TYPES:
            raise Skip(f"a {kind}, not a reader's comment")
        status = _STATUSES.get(f.get("comment_approved", ""))
        if status is None:
            raise Skip(f"unknown comment_approved {f.get('comment_approved')!r}")
        created = _gmt(f.get("comment_date_gmt", ""))
        if created is None:
            raise Skip(f"bad comment_date_gmt {f.get('comment_date_gmt')!r}")
        body = html_to_markdown(autop(raw.get("comment_content", "")))
        if not body and status is not ImportedStatus.deleted:
            raise Skip("an empty comment")
        parent = f.get("comment_parent", "0")
        name = html.unescape(f.get("comment_author", ""))  # WordPress stores it escaped
        email = f.get("comment_author_email") or None
        user_id = f.get("comment_user_id", "0")
        author: ImportedAuthor | None = None
        if user_id not in {"", "0"}:
            author = ImportedAuthor(
                external_id=f"user:{user_id}", name=name or self._logins.get(user_id, ""),
                handle=self._logins.get(user_id), email=email,
                url=web_url(f.get("comment_author_url")),
            )  # fmt: skip
        elif email:
            author = ImportedAuthor(
                external_id=email_key(email), name=name, email=email,
                url=web_url(f.get("comment_author_url")),
            )  # fmt: skip
        return ImportedComment(
            external_id=cid,
            parent_external_id=None if parent in {"", "0"} else parent,
            author=author,
            created_at=created,
            body=body,
            status=status,
            guest_name=None if author else name or None,
            line=line,
        )
