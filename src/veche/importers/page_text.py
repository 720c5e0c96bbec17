"""Parse scraped news pages saved as plain text.

The scraper flattens a page into headline, article, photo credit, sign-in gate
and an indented, numbered comment thread; the importer needs that structure back
without guessing, so malformed input fails loudly with a line number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from difflib import SequenceMatcher


class PageTextError(ValueError):
    """Raised for input the importer must not guess about; names the 1-based line."""


@dataclass(frozen=True, slots=True)
class ParsedQuote:
    """A "Quote: <handle>" block, kept apart so it can be linked to its source."""

    author: str
    text: str


@dataclass(frozen=True, slots=True)
class ParsedComment:
    """One comment; numbers are the page's own path so errors can be traced back."""

    number: tuple[int, ...]
    deleted: bool
    handle: str | None
    real_name: str | None
    online: bool
    created_at: datetime | None
    quote: ParsedQuote | None
    body: str
    replies: tuple[ParsedComment, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """The page split into the parts the importer stores separately."""

    title: str
    body: str
    image_caption: str | None
    photo_credit: str | None
    sign_in_required: bool
    comments: tuple[ParsedComment, ...]


_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
# Hard-coded rather than calendar.month_name, which follows the process locale.
_MONTH_NUMBERS = {key: n for n, name in enumerate(_MONTHS, 1) for key in (name, name[:3])}

_NUMBERED = re.compile(r"^(?P<indent> *)(?P<number>\d+)\.\s+(?P<rest>\S.*)$")
# Both handles must agree, which keeps a numbered list inside a body from
# being mistaken for a new comment.
_HEADER = re.compile(r"^(?P<handle>\S.*?) (?P<status>Offline|Online) (?P=handle)$")
_DELETED = re.compile(r"^the comment was deleted\.?$", re.IGNORECASE)
# The scraper renders times as "22: 12"; also accept the plain "22:12".
_STAMP = re.compile(
    r"^\s*(?P<who>\S.*?) (?P<day>\d{1,2}) (?P<month>[^\W\d_]+) (?P<year>\d{4})"
    r" (?P<hour>\d{1,2}): ?(?P<minute>\d{2})$"
)
_CREDIT = re.compile(r"^\s*(?:[•·*\-]\s*)?photos? used:\s*(?P<credit>.*)$", re.IGNORECASE)
_ATTRIBUTION = re.compile(r"^-\s+(?P<rest>said\b.*)$", re.IGNORECASE)
_QUOTE_HEADER = re.compile(r"^Quote:\s*(?P<author>\S.*)$")
_GATE = "must sign in"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_BLOCKQUOTE_MARK = re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE)
# Short openers ("Exactly!") would otherwise "match" a stray word of the article.
_MIN_QUOTE_WORDS = 4
_MAX_SPAN_SENTENCES = 4


def _squash(text: str) -> str:
    """Collapse whitespace so comparisons ignore line wrapping."""
    return " ".join(text.split())


def _split_lines(text: str) -> list[str]:
    """Split on any line ending so CRLF exports keep the same line numbers."""
    lines = re.split(r"\r\n|\r|\n", unicodedata.normalize("NFC", text).removeprefix("\ufeff"))
    for index, line in enumerate(lines):
        if "\x00" in line:
            raise PageTextError(f"line {index + 1}: NUL byte in page text")
    return [line.rstrip() for line in lines]


def _paragraphs(lines: Iterable[str]) -> list[list[str]]:
    """Group stripped lines into blank-line separated paragraphs."""
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            groups[-1].append(line.strip())
        elif groups[-1]:
            groups.append([])
    return [group for group in groups if group]


def _blockquote(lines: list[str]) -> str:
    return "\n".join(f"> {line}" for line in lines)


def _comment_start(line: str) -> re.Match[str] | None:
    """Only a full header or a deletion notice opens a comment; other numbered lines are text."""
    match = _NUMBERED.match(line)
    if match and (_DELETED.match(match["rest"]) or _HEADER.match(match["rest"])):
        return match
    return None


def _parse_article(lines: list[str], title: str) -> tuple[str, str | None, str | None, bool]:
    """Return body, caption, credit and whether the sign-in gate closes the article."""
    credits = [m["credit"].strip() for line in lines if (m := _CREDIT.match(line))]
    kept = [line for line in lines if not _CREDIT.match(line)]
    while kept and not kept[-1].strip():
        kept.pop()
    gate = bool(kept) and _GATE in kept[-1].casefold()
    if gate:
        kept.pop()
    caption: str | None = None
    out: list[tuple[str, str]] = []  # (kind, markdown) with kind in text/quote/said
    for para in _paragraphs(kept):
        if _squash(" ".join(para)) == title:
            caption = title
            continue
        pending: list[str] = []
        for line in para:
            said = _ATTRIBUTION.match(line)
            if said is None:
                pending.append(line)
                continue
            if pending:
                out.append(("quote", _blockquote(pending)))
            elif out and out[-1][0] == "text":
                out[-1] = ("quote", _blockquote(out[-1][1].split("\n")))
            out.append(("said", f"— {said['rest']}"))
            pending = []
        if pending:
            out.append(("text", "\n".join(pending)))
    body = "\n\n".join(markdown for _, markdown in out)
    return body, caption, "; ".join(c for c in credits if c) or None, gate


@dataclass(slots=True)
class _Builder:
    """Mutable comment under construction; frozen once its replies are complete."""

    number: tuple[int, ...]
    deleted: bool
    handle: str | None = None
    real_name: str | None = None
    online: bool = False
    created_at: datetime | None = None
    body: list[tuple[int, str]] = field(default_factory=list)
    replies: list[ParsedComment] = field(default_factory=list)


def _parse_stamp(line: str, lineno: int, handle: str) -> tuple[str | None, datetime]:
    """Read the "<handle> (<real name>) D Month YYYY HH: MM" line under a header."""
    match = _STAMP.match(line)
    if match is None:
        raise PageTextError(f"line {lineno - 1}: header for {handle!r} has no timestamp line")
    who = match["who"]
    real_name: str | None = None
    if who != handle:
        prefix = f"{handle} ("
        if not (who.startswith(prefix) and who.endswith(")") and len(who) > len(prefix) + 1):
            raise PageTextError(
                f"line {lineno}: timestamp line names {who!r} but the header names {handle!r}"
            )
        real_name = who[len(prefix) : -1].strip()
    month = _MONTH_NUMBERS.get(match["month"].casefold())
    if month is None:
        raise PageTextError(f"line {lineno}: unknown month {match['month']!r}")
    try:
        created = datetime(
            int(match["year"]), month, int(match["day"]),
            int(match["hour"]), int(match["minute"]), tzinfo=UTC,
        )  # fmt: skip
    except ValueError as exc:
        raise PageTextError(f"line {lineno}: invalid timestamp: {exc}") from None
    return real_name, created


def _finish(stack: list[_Builder], roots: list[ParsedComment]) -> None:
    """Freeze the innermost open comment; children always close before parents."""
    item = stack.pop()
    quote: ParsedQuote | None = None
    stray = [lineno for lineno, text in item.body if text.strip()]
    if item.deleted and stray:
        raise PageTextError(f"line {stray[0]}: text under a deleted comment")
    paragraphs = _paragraphs(text for _, text in item.body)
    if paragraphs and len(paragraphs[0]) > 1:
        header = _QUOTE_HEADER.match(paragraphs[0][0])
        if header:
            quote = ParsedQuote(header["author"].strip(), _squash(" ".join(paragraphs[0][1:])))
            paragraphs = paragraphs[1:]
    comment = ParsedComment(
        number=item.number,
        deleted=item.deleted,
        handle=item.handle,
        real_name=item.real_name,
        online=item.online,
        created_at=item.created_at,
        quote=quote,
        body="\n\n".join("\n".join(para) for para in paragraphs),
        replies=tuple(item.replies),
    )
    (stack[-1].replies if stack else roots).append(comment)


def _parse_thread(lines: list[str], start: int) -> tuple[ParsedComment, ...]:
    """Build the reply tree iteratively so deep threads cannot exhaust the stack."""
    roots: list[ParsedComment] = []
    stack: list[_Builder] = []
    base: int | None = None
    index = start
    while index < len(lines):
        line, lineno = lines[index], index + 1
        match = _comment_start(line)
        if match is None:
            stack[-1].body.append((lineno, line))
            index += 1
            continue
        indent = len(match["indent"])
        base = indent if base is None else base
        if indent < base or (indent - base) % 2:
            raise PageTextError(
                f"line {lineno}: indentation of {indent} spaces is not a 2-space step"
                f" from the top-level comments at {base}"
            )
        level = (indent - base) // 2
        if level > len(stack):
            raise PageTextError(
                f"line {lineno}: reply is indented {level - len(stack) + 1} levels"
                " deeper than its parent (expected exactly 1)"
            )
        while len(stack) > level:
            _finish(stack, roots)
        parent = stack[-1].number if stack else ()
        expected = len(stack[-1].replies if stack else roots) + 1
        number = int(match["number"])
        if number != expected:
            where = ".".join(map(str, parent)) or "the top level"
            raise PageTextError(
                f"line {lineno}: expected comment number {expected} under {where}, found {number}"
            )
        header = _HEADER.match(match["rest"])
        if header is None:
            stack.append(_Builder((*parent, number), deleted=True))
            index += 1
            continue
        stamp_line = lines[index + 1] if index + 1 < len(lines) else ""
        real_name, created = _parse_stamp(stamp_line, lineno + 1, header["handle"])
        online = header["status"] == "Online"
        stack.append(
            _Builder((*parent, number), False, header["handle"], real_name, online, created)
        )
        index += 2
    while stack:
        _finish(stack, roots)
    return tuple(roots)


def parse_page_text(text: str) -> ParsedPage:
    """Turn one scraped page into its article and comment tree."""
    lines = _split_lines(text)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise PageTextError("line 1: the page is empty")
    title = _squash(lines[first])
    start = next((i for i in range(first + 1, len(lines)) if _comment_start(lines[i])), len(lines))
    body, caption, credit, gate = _parse_article(lines[first + 1 : start], title)
    return ParsedPage(title, body, caption, credit, gate, _parse_thread(lines, start))


def iter_comments(comments: Iterable[ParsedComment]) -> Iterator[ParsedComment]:
    """Yield parents before replies so foreign keys can be filled in order."""
    stack = list(reversed(tuple(comments)))
    while stack:
        comment = stack.pop()
        yield comment
        stack.extend(reversed(comment.replies))


def _reaches(needle: str, candidate: str, threshold: float) -> bool:
    """Check the cheap upper bounds first; full ratios dominate the cost on long articles."""
    matcher = SequenceMatcher(None, needle, candidate, autojunk=False)
    return (
        matcher.real_quick_ratio() >= threshold
        and matcher.quick_ratio() >= threshold
        and matcher.ratio() >= threshold
    )


def _window_ratio(needle: str, haystack: str) -> float:
    """Score a clause quoted from the middle of a long sentence."""
    # autojunk would discard every common letter once haystack exceeds 200 characters.
    matcher = SequenceMatcher(None, needle, haystack, autojunk=False)
    block = matcher.find_longest_match(0, len(needle), 0, len(haystack))
    if block.size == 0:
        return 0.0
    start = max(0, block.b - block.a)
    end = min(len(haystack), start + len(needle))
    start = haystack.rfind(" ", 0, start) + 1
    stop = haystack.find(" ", end)
    end = len(haystack) if stop == -1 else stop
    return SequenceMatcher(None, needle, haystack[start:end], autojunk=False).ratio()


def find_article_quote(body: str, article: str, threshold: float = 0.8) -> tuple[str, str] | None:
    """Detect a comment that opens by pasting article text without a "Quote:" header.

    Returns the opening paragraph whitespace-normalised (like ParsedQuote.text)
    and the rest of the body, or None when the opening is not close enough.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    body = unicodedata.normalize("NFC", body).strip()
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(body) if p.strip()]
    if len(paragraphs) < 2:
        return None
    quoted = _squash(paragraphs[0])
    needle = quoted.casefold()
    if len(needle.split()) < _MIN_QUOTE_WORDS:
        return None
    rest = "\n\n".join(paragraphs[1:])
    plain = _BLOCKQUOTE_MARK.sub("", unicodedata.normalize("NFC", article))
    blocks: list[list[str]] = []
    for para in _PARAGRAPH_BREAK.split(plain):
        sentences = [_squash(s).casefold() for s in _SENTENCE_END.split(para) if s.strip()]
        blocks.append(sentences)
        for i in range(len(sentences)):
            for j in range(i + 1, min(i + _MAX_SPAN_SENTENCES, len(sentences)) + 1):
                span = " ".join(sentences[i:j])
                if _reaches(needle, span, threshold):
                    return quoted, rest
                if len(span) > 2 * len(needle):
                    break
    haystack = " ".join(s for sentences in blocks for s in sentences)
    return (quoted, rest) if _window_ratio(needle, haystack) >= threshold else None
