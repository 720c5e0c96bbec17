"""`@handle` mentions: a markdown-it inline rule, so a mention is a link the pipeline made.

Two spellings, because handles may hold spaces (domain/validation.py):

- `@Cetron`, `@denis.z`, `@Denis_Z`: letters, digits, `_ . ' -`, ending in a letter or a
  digit (so `@Cetron,` and `@Cetron.` end before the punctuation). An underscore also
  stands for a space: `@Denis_Z` finds "Denis_Z", else "Denis Z".
- `@[Denis Z]`: any handle, spaces included, between square brackets.

The `@` must not follow a letter, digit or `_ . + - @ /`, so `a@b.c` stays an address. Code
spans, code blocks and link texts are never searched (markdown-it hands them to no inline
rule, or `linkLevel` says we are inside a link). Only handles that exist when the comment is
written become links (the service resolves every candidate in one query first), and only the
first MAX_LINKED distinct members; the rest stay text. The link is absolute (the embed
shows it on another site) and carries `data-mention="<user id>"`, which no reader's markdown
can produce (raw HTML is off): that attribute is the write-time record of who was mentioned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from veche.domain.validation import HANDLE_MAX, handle_key

MAX_LINKED = 5  # distinct members linked and notified per comment
MAX_CANDIDATES = 20  # handle keys looked up per comment: the one query stays small
_BARE = re.compile(r"[^\W_][\w.'\-]*")
_BRACKET = re.compile(rf"\[([^\]\n]{{1,{HANDLE_MAX + 10}}})\]")
_NOT_BEFORE = frozenset("_.+-@/")
_MARK = re.compile(r"<a\s[^>]*\bdata-mention=\"(\d+)\"")
COLLECT = "veche_mention_keys"
RESOLVED = "veche_mentions"


@dataclass(frozen=True)
class Member:
    id: int
    handle: str


@dataclass
class Mentions:
    """Handles that exist (handle key → member) and where profile pages live."""

    base: str
    members: Mapping[str, Member] = field(default_factory=dict)
    linked: list[int] = field(default_factory=list)  # filled while rendering, in order


def _spelt(src: str, pos: int) -> tuple[list[str], int] | None:
    """The handle keys an `@` at `pos` may mean, most literal first, and where it ends."""
    if pos > 0:
        before = src[pos - 1]
        if before.isalnum() or before in _NOT_BEFORE:
            return None
    bracket = _BRACKET.match(src, pos + 1)
    if bracket is not None:
        name = " ".join(bracket.group(1).split())
        return ([handle_key(name)], bracket.end()) if name else None
    bare = _BARE.match(src, pos + 1)
    if bare is None:
        return None
    word = bare.group(0)
    while word and not word[-1].isalnum():  # `@Cetron.` ends at the n
        word = word[:-1]
    if not word or len(word) > HANDLE_MAX:
        return None
    keys = [handle_key(word)]
    if "_" in word:
        keys.append(handle_key(word.replace("_", " ")))
    return keys, pos + 1 + len(word)


def _rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@" or state.linkLevel > 0:
        return False
    found = _spelt(state.src, state.pos)
    if found is None:
        return False
    keys, end = found
    collect = state.env.get(COLLECT)
    if isinstance(collect, list):
        if not silent:
            for key in keys:
                if key not in collect and len(collect) < MAX_CANDIDATES:
                    collect.append(key)
        return False  # collecting only: the text renders as it would without this rule
    mentions = state.env.get(RESOLVED)
    if not isinstance(mentions, Mentions):
        return False
    member = next((mentions.members[k] for k in keys if k in mentions.members), None)
    if member is None:
        return False
    if member.id not in mentions.linked and len(mentions.linked) >= MAX_LINKED:
        return False
    if not silent:
        if member.id not in mentions.linked:
            mentions.linked.append(member.id)
        href = f"{mentions.base}/users/{quote(member.handle, safe='')}"
        opening = state.push("link_open", "a", 1)
        opening.attrs = {"href": href, "class": "mention", "data-mention": str(member.id)}
        text = state.push("text", "", 0)
        text.content = "@" + member.handle
        state.push("link_close", "a", -1)
    state.pos = end
    return True


def plugin(md: MarkdownIt) -> None:
    """Before emphasis, so `_` inside a handle is part of it, not an emphasis mark."""
    md.inline.ruler.before("emphasis", "mention", _rule)


def candidates(md: MarkdownIt, source: str) -> list[str]:
    """Every handle key the source may mention, in order, at most MAX_CANDIDATES."""
    if "@" not in source:
        return []
    env: dict[str, Any] = {COLLECT: []}
    md.parse(source, env)
    keys: list[str] = env[COLLECT]
    return keys


def mentioned_ids(body_html: str) -> list[int]:
    """Who a stored comment mentions: the links the pipeline made when it was written."""
    seen: list[int] = []
    for match in _MARK.finditer(body_html):
        uid = int(match.group(1))
        if uid not in seen:
            seen.append(uid)
    return seen[:MAX_LINKED]
