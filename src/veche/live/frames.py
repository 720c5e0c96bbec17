"""Server-Sent Event frames, encoded once per event and shared by every subscriber.

A frame carries the comment as it is now, in the viewer-independent shape of the thread
(the viewer's own rights come from the overlay), so replaying an old event after an edit or a
deletion shows the edit or the placeholder: a client applies frames by comment id, and a
repeated one changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from veche import i18n
from veche.service import policy
from veche.store.models import Comment, Event, Story
from veche.web.discussion import ANON, DiscussionCtx
from veche.web.templating import env
from veche.web.views import EVERYONE, CommentView, comment_view

# Fields of a comment's JSON that depend on who asks: never in a shared frame.
PER_VIEWER = ("can_edit", "can_delete", "can_reply", "body_markdown", "replies")
RETRY_MS = 3000
# Events that take a published comment out of readers' sight while keeping it held.
WITHDRAWING = frozenset({"comment.flagged", "comment.held"})


@dataclass(frozen=True)
class LiveEvent:
    """One event ready to send: its bytes, and who may receive them."""

    seq: int
    frame: bytes
    author_id: int | None = None
    held: bool = False  # only its author and moderators may see it
    online_author: str | None = None  # the author's handle, if the card shows them online
    # For readers who may not see a held comment: it was published and is now held (the
    # slow scorer flagged it), so their pages must take it away.
    withdrawn: bytes | None = None

    def visible_to(self, who: policy.Who) -> bool:
        if not self.held:
            return True
        return policy.is_moderator(who) or (
            who.user_id is not None and who.user_id == self.author_id
        )


def encode(kind: str, seq: int | None, data: dict[str, Any]) -> bytes:
    lines = [f"id: {seq}"] if seq is not None else []
    lines += [f"event: {kind}", "data: " + json.dumps(data, separators=(",", ":"), default=str)]
    return ("\n".join(lines) + "\n\n").encode()


def comment_json(
    c: Comment, story: Story, quoted: dict[int, Comment], now: dt.datetime, base: str
) -> dict[str, Any]:
    """The comment as JSON, plus its shared HTML (the same bytes the cached thread holds),
    so a page places it without asking the server once per reader."""
    ctx = DiscussionCtx(
        story=story, base=base, csrf="", key="", can_comment=policy.can_comment(story, ANON),
        guest=True,
    )  # fmt: skip
    # In every language, once per event: each page takes the one it speaks (veche.js).
    rendered: dict[str, tuple[CommentView, str]] = {}
    for language in i18n.LANGUAGES:
        with i18n.using(language):
            view = comment_view(c, story, quoted, EVERYONE, now)
            html = env.get_template("fragment_comment.html").render(comment=view, ctx=ctx)
            rendered[language] = (view, html)
    view, html = rendered.get(story.site.language, rendered[i18n.DEFAULT])
    data = view.as_json()
    for key in PER_VIEWER:
        data.pop(key, None)
    data["path"] = c.path
    data["html"] = html  # in the site's language
    data["html_by_language"] = {language: h for language, (_v, h) in rendered.items()}
    return data


def live_event(
    event: Event,
    comment: Comment | None,
    story: Story,
    quoted: dict[int, Comment],
    now: dt.datetime,
    base: str = "",
) -> LiveEvent:
    data: dict[str, Any] = {
        "seq": event.seq,
        "kind": event.kind,
        "story_id": event.story_id,
        "comment_id": event.comment_id,
        "payload": event.payload or {},
        "comment": None,
    }
    held = False
    author = None
    online = None
    if comment is not None:
        shown = data["comment"] = comment_json(comment, story, quoted, now, base)
        held = comment.status in policy.HELD
        author = comment.author_id
        byline = shown.get("author") or {}
        if byline.get("online"):
            online = str(byline["handle"])
    withdrawn = None
    if held and event.kind in WITHDRAWING:
        withdrawn = encode("comment.withdrawn", event.seq, {"comment_id": event.comment_id})
    return LiveEvent(
        event.seq, encode(event.kind, event.seq, data), author, held, online, withdrawn
    )


def reset(seq: int, reason: str) -> bytes:
    """The client missed more than the store still holds: it must fetch the thread again."""
    return encode("reset", seq, {"seq": seq, "reason": reason})


def hello(seq: int, online: list[str]) -> bytes:
    """First frame: how long to wait before reconnecting, where the stream starts, and which
    of the story's authors are online (so a page fixes dots it rendered from a cached copy)."""
    data = {"seq": seq, "online": online}
    return f"retry: {RETRY_MS}\n".encode() + encode("hello", None, data)


def presence(handle: str, online: bool) -> bytes:
    """An author came or went; no id, as it is state rather than an event to replay."""
    return encode("presence", None, {"handle": handle, "online": online})
