"""Thread responses in two halves: a shared body, the same bytes for every reader (cached per
node, tagged by the story's version, cacheable by browsers and CDNs for anonymous readers),
and a small per-viewer overlay (who I am, what I may do, my held comments, my tokens).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from veche import i18n
from veche.service.threads import Threads
from veche.store.models import Story
from veche.web import hot
from veche.web.cache import Entry, PageCache
from veche.web.discussion import ANON, HeldView, viewer_ctx
from veche.web.i18n import for_site
from veche.web.identity import runtime, viewer
from veche.web.templating import env, render
from veche.web.views import card_view, comment_view

MAX_OVERLAY_IDS = 1000


def page_cache(request: Request) -> PageCache:
    cache: PageCache = request.app.state.page_cache
    return cache


def anonymous(request: Request) -> bool:
    """No session and no token: the reader who gets the public, cacheable response."""
    return viewer(request).user is None


def shared(
    request: Request,
    story: Story,
    kind: str,
    params: tuple[str, ...],
    make: Callable[[], tuple[bytes, str]],
) -> Entry:
    """The shared rendering of `kind` with `params` at the story's current version, from
    this node's cache or made now. The version is read before the thread, so an entry is
    never older than its key says."""
    cache = page_cache(request)
    for_site(story.site.language)
    key = (story.id, story.event_seq, kind, (*params, i18n.current()))
    entry = cache.get(key)
    if entry is None:
        body, media_type = make()
        entry = cache.put(key, body, media_type)
    return entry


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or etag in tags or f"W/{etag}" in tags


def respond(request: Request, entry: Entry, *, vary: str | None = None) -> Response:
    """200 with the body, or 304 for a matching If-None-Match. Anonymous readers may keep it
    (and CDNs share it); a signed-in reader's copy is private and always revalidated."""
    config = runtime(request).config
    if anonymous(request):
        marks: list[hot.Mark] | None = request.scope.get(hot.SCOPE_KEY)
        if marks is not None:  # the hot path may answer the next such request itself
            story_id, seq, _kind, _params = entry.key
            expires = entry.made_at + page_cache(request).ttl
            marks.append(hot.Mark(story_id, seq, entry.etag, expires))
        control = (
            f"public, max-age={config.cache_max_age}, "
            f"stale-while-revalidate={config.cache_stale_while_revalidate}"
        )
    else:
        control = "private, no-cache"
    # The body is in the language Accept-Language picked (the site's default applies alike).
    headers = {"ETag": entry.etag, "Cache-Control": control}
    headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
    if _matches(request.headers.get("if-none-match"), entry.etag):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type=entry.media_type, headers=headers)


def html(request: Request, template: str, **context: Any) -> tuple[bytes, str]:
    """A template rendered for nobody: no viewer, no CSRF token, no cookie set."""
    context.setdefault("base", "")
    text = env.get_template(template).render(request=request, viewer=ANON, csrf="", **context)
    return text.encode(), "text/html; charset=utf-8"


# -- the per-viewer overlay -------------------------------------------------------------------


def parse_ids(raw: str | None) -> list[int]:
    """`ids=1,2,3`: the comments on the reader's screen; junk is dropped, the list capped."""
    out: list[int] = []
    for part in (raw or "").split(",")[:MAX_OVERLAY_IDS]:
        part = part.strip()
        if part.isascii() and part.isdigit() and len(part) <= 10 and int(part) < 2**31:
            out.append(int(part))
    return out


def overlay_context(request: Request, story: Story, ids: list[int], base: str) -> dict[str, Any]:
    """Everything the overlay fragment shows: the viewer's chrome (nav, "commenting as", the
    gate or the comment form with a fresh key), the controls the policy grants on the given
    comments, and the viewer's own held comments (a moderator's: every held one)."""
    rt = runtime(request)
    who = viewer(request)
    for_site(story.site.language)
    now = rt.clock()
    facts = Threads(rt).overlay(story, ids, who, now)
    ctx = viewer_ctx(request, story, base)
    ctx.held = [HeldView(c.id, c.parent_id, c.body_text) for c in facts.held]
    granted = [comment_view(c, story, {}, who, now) for c in facts.granted]
    pending = [
        card_view(c, None, story, facts.quoted, who, now) for c in [*facts.held, *facts.removed]
    ]
    return {
        "story": story, "ctx": ctx, "base": base, "granted": granted,
        "pending": pending, "path": f"/stories/{story.id}", "reacted": sorted(facts.reacted),
    }  # fmt: skip


def overlay_response(request: Request, story: Story, ids: list[int], base: str) -> Response:
    return render(request, "fragment_overlay.html", **overlay_context(request, story, ids, base))


_PIECE = re.compile(r'<template data-piece="(\w+)">(.*?)</template>', re.DOTALL)
_CONTROLS = re.compile(r'<template data-controls="(\d+)">(.*?)</template>', re.DOTALL)
_MARK = "<!--veche:{0}-->"


def compose(shared_html: str, overlay_html: str) -> str:
    """A no-JavaScript reader's page: the shared body with the overlay's pieces put where
    their markers are, as veche.js would put them."""
    pieces = dict(_PIECE.findall(overlay_html))
    out = shared_html
    for name in ("nav", "me", "slot"):
        start, end = _MARK.format(name), f"<!--/veche:{name}-->"
        a, b = out.find(start), out.find(end)
        if a >= 0 and b > a and name in pieces:
            out = out[: a + len(start)] + pieces[name] + out[b:]
    csrf = pieces.get("csrf", "").strip()
    out = out.replace(' data-csrf=""', f' data-csrf="{csrf}"', 1)
    for comment_id, controls in _CONTROLS.findall(overlay_html):
        mark = _MARK.format(f"controls:{comment_id}")
        out = out.replace(mark, mark + controls, 1)
    return compose_reactions(out, csrf, reacted_ids(overlay_html))


# -- reactions: the reader's own, applied on the server ---------------------------------------

_REACTED = re.compile(r'<template data-reacted="([\d,]*)"></template>')
_REACT_FORM = re.compile(r'<form class="react"[^>]*data-react="(\d+)">.*?</form>', re.DOTALL)


def reacted_ids(overlay_html: str) -> set[int]:
    m = _REACTED.search(overlay_html)
    return {int(x) for x in m[1].split(",") if x} if m else set()


def compose_reactions(page: str, csrf: str, reacted: set[int]) -> str:
    """Each reaction form of a shared body, for one signed-in reader without JavaScript:
    their CSRF token in it, and pressed (a click takes it back) where they reacted."""

    def one(m: re.Match[str]) -> str:
        opening = f'data-react="{m[1]}">'
        token = f'<input type="hidden" name="csrf" value="{csrf}">'
        form = m[0].replace(opening, opening + token, 1)
        if int(m[1]) in reacted:
            form = form.replace('name="on" value="true"', 'name="on" value="false"', 1)
            form = form.replace('aria-pressed="false"', 'aria-pressed="true"', 1)
        return form

    return _REACT_FORM.sub(one, page)


def ids_in(body: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-comment-id="(\d+)"', body)][:MAX_OVERLAY_IDS]
