"""Big threads built fast: rows with correct paths inserted directly, in one transaction.

The write path makes one comment per transaction; a 5,000-reply subtree made that way would
take minutes. These rows are exactly what it would store (paths, depths, ordinals, counts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from tests.conftest import World
from veche.domain import paths
from veche.domain.enums import CommentStatus
from veche.store.models import Comment, Story


@dataclass
class Node:
    """A comment to insert: its children, and optionally a status other than visible."""

    children: list[Node]
    status: CommentStatus = CommentStatus.visible


def fan(width: int, *levels: int) -> list[Node]:
    """`width` nodes, each with `levels[0]` children, each with `levels[1]`, and so on."""
    return [Node(fan(levels[0], *levels[1:]) if levels else []) for _ in range(width)]


def chain(length: int) -> list[Node]:
    return [Node(chain(length - 1))] if length > 0 else []


def build(
    world: World, tops: list[Node], story_id: int | None = None
) -> list[tuple[int, str, CommentStatus]]:
    """Insert `tops` into an empty story (the world's by default); returns (id, path,
    status) of every comment, in display order."""
    story_id = story_id or world.story.id
    now = dt.datetime(2026, 11, 26, 22, 12, tzinfo=dt.UTC)
    made: list[tuple[int, str, CommentStatus]] = []
    with world.rt.db.session() as s:
        level: list[tuple[int | None, str, list[Node]]] = [(None, "", tops)]
        while level:
            rows: list[dict[str, Any]] = []
            kids: list[list[Node]] = []
            for parent_id, parent_path, nodes in level:
                for ordinal, node in enumerate(nodes, start=1):
                    path = paths.child_path(parent_path, ordinal)
                    rows.append(_row(story_id, parent_id, path, ordinal, node, now))
                    kids.append(node.children)
            if not rows:
                break
            ids = _insert(s, rows)
            made += [(i, r["path"], r["status"]) for i, r in zip(ids, rows, strict=True)]
            level = [(i, r["path"], k) for i, r, k in zip(ids, rows, kids, strict=True) if k]
        s.execute(
            update(Story)
            .where(Story.id == story_id)
            .values(comment_count=len(made), child_count=len(tops))
        )
    return sorted(made, key=lambda m: m[1])


def _row(
    story_id: int, parent_id: int | None, path: str, ordinal: int, node: Node, now: dt.datetime
) -> dict[str, Any]:
    text = f"comment {'.'.join(str(o) for o in paths.ordinals(path))}"
    return {
        "story_id": story_id, "parent_id": parent_id, "path": path,
        "depth": paths.depth_of(path), "ordinal": ordinal, "child_count": len(node.children),
        "guest_name": "bulk", "body_src": text, "body_html": f"<p>{text}</p>\n",
        "body_text": text, "status": node.status, "created_at": now,
    }  # fmt: skip


def _insert(s: Session, rows: list[dict[str, Any]]) -> list[int]:
    result = s.execute(insert(Comment).returning(Comment.id, Comment.path), rows)
    by_path = {str(row[1]): int(row[0]) for row in result}
    return [by_path[r["path"]] for r in rows]
