"""Import sources by name: `veche import NAME FILE` opens FILE with the opener named here.
A new source is one parser module and one entry in SOURCES."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from veche.importers.model import ImportSource


class SourceError(ValueError):
    """A file the source cannot read at all (not one bad record: those are reported)."""


@dataclass(frozen=True)
class Opening:
    """What a command knows beyond the file: the story URL a page-text file lacks, and
    the base URL such a page is hosted under otherwise."""

    base_url: str
    url: str | None = None


Opener = Callable[[Path, Opening], ImportSource]


def _page_text(path: Path, opening: Opening) -> ImportSource:
    from veche.importers.page_text import PageTextError, parse_page_text
    from veche.importers.page_text_source import PageTextSource, default_url

    try:
        page = parse_page_text(path.read_text(encoding="utf-8"))
    except (PageTextError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: {exc}") from exc
    return PageTextSource(page, opening.url or default_url(opening.base_url, page))


def _wordpress(path: Path, opening: Opening) -> ImportSource:
    from veche.importers.wordpress import WordPressSource

    return WordPressSource(path)


def _isso(path: Path, opening: Opening) -> ImportSource:
    from veche.importers.isso import IssoSource

    return IssoSource(path, opening.url)


def _remark42(path: Path, opening: Opening) -> ImportSource:
    from veche.importers.remark42 import Remark42Source

    return Remark42Source(path)


def _veche(path: Path, opening: Opening) -> ImportSource:
    from veche.importers.veche_json import VecheExport

    return VecheExport.open(path)


@dataclass(frozen=True)
class Source:
    open: Opener
    help: str  # the command's help: what the file is
    takes_url: bool = False  # a file that does not say its story's URL: --url gives it
    url_help: str = "The story's canonical URL."


def _disqus(path: Path, opening: Opening) -> ImportSource:
    from veche.importers.disqus import DisqusSource

    return DisqusSource(path)


SOURCES: dict[str, Source] = {
    "page-text": Source(
        _page_text, "Import a scraped page (its story and numbered thread).", takes_url=True
    ),
    "disqus": Source(_disqus, "Import a Disqus export (XML), streamed thread by thread."),
    "wordpress": Source(
        _wordpress,
        "Import a WordPress export (WXR): its posts and pages with their threaded comments.",
    ),
    "isso": Source(
        _isso,
        "Import an Isso SQLite database (read-only): its threads and comments.",
        takes_url=True,
        url_help="The site's address, which Isso's page paths are under (https://news.example).",
    ),
    "remark42": Source(
        _remark42,
        "Import a Remark42 backup (JSON lines, or the daily .gz): comments by page URL.",
    ),
    "veche": Source(_veche, "Import a `veche export` file (docs/export.md)."),
}
