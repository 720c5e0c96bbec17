"""A scraped page (importers/page_text.py) as an import source: one thread, its authors
keyed by handle, deleted comments kept in place, quotes linked to whom they name."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from veche.domain.markup import html_to_text, render_markdown
from veche.importers.loader import load
from veche.importers.model import (
    ImportedAuthor,
    ImportedComment,
    ImportedQuote,
    ImportedStatus,
    ImportedStory,
    ImportThread,
    Rejected,
)
from veche.importers.page_text import ParsedComment, ParsedPage, find_article_quote, iter_comments
from veche.service.runtime import Runtime
from veche.service.stories import Stories
from veche.store.models import Story

NAME = "page-text"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "story"


def default_url(base_url: str, page: ParsedPage) -> str:
    """Where a page imported without its own URL is hosted."""
    return f"{base_url.rstrip('/')}/imported/{slugify(page.title)}"


def _key(number: tuple[int, ...]) -> str:
    return ".".join(map(str, number))


def _quoted(c: ParsedComment, earlier: list[ParsedComment]) -> str | None:
    """The quoted comment: the parent when it is theirs, else their latest before this."""
    assert c.quote is not None
    wanted = c.quote.author.casefold()
    for other in reversed(earlier):
        if other.number == c.number[:-1] and (other.handle or "").casefold() == wanted:
            return _key(other.number)
    for other in reversed(earlier):
        if not other.deleted and (other.handle or "").casefold() == wanted:
            return _key(other.number)
    return None


@dataclass
class PageTextSource:
    page: ParsedPage
    url: str
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    name: str = NAME
    rejected: list[Rejected] = field(default_factory=list)
    _article: str = field(default="", init=False, repr=False)

    def threads(self) -> Iterator[ImportThread]:
        page = self.page
        story = ImportedStory(
            external_id=self.url, url=self.url, title=page.title, body=page.body,
            image_caption=page.image_caption, photo_credit=page.photo_credit,
        )  # fmt: skip
        # Quotes of the article are found in its text as the story page shows it.
        self._article = html_to_text(render_markdown(page.body)) if page.body.strip() else ""
        flat = list(iter_comments(page.comments))
        comments: list[ImportedComment] = []
        for i, c in enumerate(flat):
            # A deleted comment shows no time: it takes the next one's, as it came before it.
            when = c.created_at or next((x.created_at for x in flat[i:] if x.created_at), self.now)
            comments.append(self._comment(c, when, flat[:i]))
        yield ImportThread(story, comments)

    def _comment(
        self, c: ParsedComment, when: dt.datetime, earlier: list[ParsedComment]
    ) -> ImportedComment:
        author = None
        if not c.deleted and c.handle not in (None, "guest"):
            assert c.handle is not None
            author = ImportedAuthor(external_id=c.handle, name=c.real_name or "", handle=c.handle)
        body, quote = c.body, None
        if c.quote is not None:
            quoted = _quoted(c, earlier)
            if quoted is not None:
                quote = ImportedQuote(c.quote.text, quoted, author_name=c.quote.author)
            else:  # nobody on the page to link it to: keep it as text, not lose it
                body = f"> Quote: {c.quote.author}\n>\n> {c.quote.text}\n\n{body}"
        elif not c.deleted and self._article:
            found = find_article_quote(c.body, self._article)
            if found is not None:
                quote, body = ImportedQuote(found[0]), found[1]
        return ImportedComment(
            external_id=_key(c.number),
            parent_external_id=_key(c.number[:-1]) or None,
            author=author,
            created_at=when,
            body="" if c.deleted else body,
            status=ImportedStatus.deleted if c.deleted else ImportedStatus.visible,
            guest_name="guest" if author is None and not c.deleted else None,
            quote=quote,
        )


def import_page(rt: Runtime, page: ParsedPage, *, site_name: str, url: str | None = None) -> Story:
    """One page through the loader; its story as it now is. Records it cannot take fail it
    (a page is one thread: all or nothing, as `--strict`)."""
    source = PageTextSource(page, url or default_url(rt.config.base_url, page))
    report = load(rt, source, site_name=site_name, strict=True)
    return Stories(rt).get(report.story_ids[0])
