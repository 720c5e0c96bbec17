"""What a webhook says: the event types publishers subscribe to, and each one's JSON body.

The `events` table has finer kinds than a publisher needs; they map onto four types:

    comment.created   ← comment.created (any status: check `comment.status`)
    comment.edited    ← comment.edited
    comment.removed   ← comment.removed (a moderator), comment.deleted (its author),
                        comment.rejected (refused while held)
    comment.approved  ← comment.approved, comment.restored (a moderator published it)

A body shows the comment as it is when the event is queued (a moment after the change).
A deleted or removed comment's text is left out: the publisher learns that it is gone, not
what it said.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from veche.domain import paths
from veche.domain.enums import CommentStatus
from veche.store.models import Comment, Event, Story

TYPES = ("comment.created", "comment.edited", "comment.removed", "comment.approved")
FROM_KIND = {
    "comment.created": "comment.created",
    "comment.edited": "comment.edited",
    "comment.removed": "comment.removed",
    "comment.deleted": "comment.removed",
    "comment.rejected": "comment.removed",
    "comment.approved": "comment.approved",
    "comment.restored": "comment.approved",
}
WITHOUT_TEXT = frozenset({CommentStatus.deleted, CommentStatus.removed})


def event_id(event: Event) -> str:
    """Stable and never reused: a story's seq only grows (a row id might come back on
    SQLite once pruning empties the table), so receivers may dedupe on it."""
    return f"evt_{event.story_id}_{event.seq}"


def comment_path(story_id: int, comment_id: int) -> str:
    """The permalink's path, as web.views.comment_href builds it (a test keeps them equal)."""
    return f"/stories/{story_id}/comments/{comment_id}#c{comment_id}"


def _iso(at: dt.datetime | None) -> str | None:
    return None if at is None else at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def author(c: Comment) -> dict[str, Any]:
    if c.author is None:
        return {"handle": c.guest_name or "guest", "display_name": None, "guest": True}
    return {"handle": c.author.handle, "display_name": c.author.display_name, "guest": False}


def body(
    kind: str, event: Event, comment: Comment, story: Story, *, base_url: str
) -> dict[str, Any]:
    """The JSON a receiver gets for one event."""
    text_gone = comment.status in WITHOUT_TEXT
    return {
        "id": event_id(event),
        "type": kind,
        "created": _iso(event.created_at),
        "site": story.site.name,
        "story": {"id": story.id, "url": story.url, "title": story.title},
        "comment": {
            "id": comment.id,
            "parent_id": comment.parent_id,
            "number": list(paths.ordinals(comment.path)),
            "author": author(comment),
            "body_html": "" if text_gone else comment.body_html,
            "body_text": "" if text_gone else comment.body_text,
            "status": comment.status.value,
            "created_at": _iso(comment.created_at),
            "edited_at": _iso(comment.edited_at),
            "permalink": base_url + comment_path(story.id, comment.id),
        },
    }
