"""A page is bounded whatever one comment gathers: statements, rows read and query plans,
measured on SQLite and PostgreSQL against a thread with a 5,000-reply subtree."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from tests import bulk
from tests.bulk import Node
from tests.conftest import World, with_config
from veche.domain.enums import CommentStatus, Role
from veche.service.runtime import Runtime
from veche.store.models import Comment
from veche.web.app import create_app

BIG = 5000


@dataclass
class Reads:
    statements: list[tuple[str, Any]] = field(default_factory=list)
    comments: int = 0  # comment rows turned into objects

    @property
    def selects(self) -> list[tuple[str, Any]]:
        return [(q, p) for q, p in self.statements if q.lstrip().upper().startswith("SELECT")]


@contextmanager
def reads(rt: Runtime) -> Iterator[Reads]:
    """Every statement sent to the database, and every comment row loaded, while inside."""
    seen = Reads()

    def before(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.statements.append((statement, params))

    def loaded(_target: Comment, _ctx: Any) -> None:
        seen.comments += 1

    event.listen(rt.db.engine, "before_cursor_execute", before)
    event.listen(Comment, "load", loaded)
    try:
        yield seen
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", before)
        event.remove(Comment, "load", loaded)


def _pg_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _pg_nodes(child)


def assert_index_plans(rt: Runtime, statements: list[tuple[str, Any]], bound: int) -> None:
    """No statement scans the comments table; on PostgreSQL (EXPLAIN ANALYZE) no scan of it
    returns more than `bound` rows except index-only counts, which touch no comment rows."""
    with rt.db.engine.connect() as conn:
        for sql, params in statements:
            if "comments" not in sql:
                continue
            if rt.db.is_sqlite:
                plan = [r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
                assert not [p for p in plan if re.match(r"SCAN comments\b", p)], (sql, plan)
                assert any("ix_comments_" in p or "PRIMARY KEY" in p for p in plan), plan
                continue
            row = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params).one()
            doc = row[0] if isinstance(row[0], list) else json.loads(row[0])
            for node in _pg_nodes(doc[0]["Plan"]):
                if node.get("Relation Name") != "comments":
                    continue
                assert node["Node Type"] != "Seq Scan", (sql, json.dumps(doc, indent=1))
                touched = node["Actual Rows"] * node["Actual Loops"]
                if touched > bound:
                    assert node["Node Type"] == "Index Only Scan", (sql, node)
                    assert node["Heap Fetches"] == 0, node


def vacuum(rt: Runtime) -> None:
    """Fresh statistics, as autovacuum keeps them; PostgreSQL's index-only scans need it."""
    if rt.db.is_sqlite:
        with rt.db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with rt.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE comments")


def subtree_ids(node: dict[str, Any]) -> list[int]:
    out: list[int] = []
    for r in node["replies"]:
        out += [r["id"], *subtree_ids(r)]
    return out


def test_a_page_is_bounded_whatever_one_subtree_gathers(client: TestClient, world: World) -> None:
    # 100 replies to the first comment with 49 replies each: 5,000 under one comment.
    made = bulk.build(world, [Node(bulk.fan(100, 49)), Node(bulk.fan(3)), Node([])])
    assert len(made) == BIG + 3 + 3
    # Other stories' threads share the table, as in production: plans are made for that.
    bulk.build(world, bulk.fan(300, 99), story_id=world.other_story().id)
    vacuum(world.rt)
    k = world.rt.config.replies_per_root
    bound = 3 + 3 * (k + 1)
    story = world.story.id

    with reads(world.rt) as seen:
        r = client.get(f"/api/v1/stories/{story}/comments")
    assert r.status_code == 200, r.text
    first, second, third = r.json()["comments"]
    shown = subtree_ids(first)
    assert shown == [i for i, _p, _s in made[1 : k + 1]]  # display order, nested as today
    more = first["more_replies"]
    assert more["count"] == BIG - k
    assert more["cursor"] == made[k][1]
    assert (
        more["href"]
        == f"/api/v1/stories/{story}/comments/{first['id']}/replies?after={more['cursor']}"
    )
    assert second["more_replies"] is None and len(second["replies"]) == 3
    assert third["more_replies"] is None
    # The story, the top-level rows, the first replies of each, the count of the rest.
    assert len(seen.selects) <= 4, seen.selects
    assert seen.comments <= bound
    assert_index_plans(world.rt, seen.selects, bound)

    with reads(world.rt) as seen:
        html = client.get(f"/stories/{story}").text
    assert html.count('class="comment level-') == 3 + k + 3
    assert f"{BIG - k} more replies" in html
    assert (
        f'href="/stories/{story}?replies={first["id"]}&amp;after={more["cursor"]}#c{first["id"]}"'
        in html
    )
    # The page adds the Featured tab's label: a count over ix_comments_story_featured.
    assert seen.comments <= bound and len(seen.selects) <= 5, seen.selects
    assert_index_plans(world.rt, seen.selects, bound)

    # The continuation is as bounded: a window, the ancestors it nests under, one count.
    with reads(world.rt) as seen:
        r = client.get(more["href"])
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["more_replies"]["count"] == BIG - 2 * k
    assert seen.comments <= 1 + (k + 1) + 2 + 1  # head, window, ancestors
    assert len(seen.selects) <= 5, seen.selects
    assert_index_plans(world.rt, seen.selects, bound)

    with reads(world.rt) as seen:
        frag = client.get(
            "/fragments/replies",
            params={"story": story, "head": first["id"], "after": more["cursor"]},
        ).text
    assert frag.count('class="comment level-') == k
    assert seen.comments <= 1 + (k + 1) + 2 + 1


def held(*children: Node) -> Node:
    return Node(list(children), CommentStatus.pending)


def irregular() -> list[Node]:
    """Wide and deep under one comment, with a held reply whose own replies must stay hidden
    from readers even when the window starts inside them."""
    first = Node([*bulk.fan(6, 3, 2), Node(bulk.chain(12)), held(*bulk.fan(5)), *bulk.fan(4, 1)])
    return [first, Node(bulk.fan(2)), Node([])]


def visible_under(made: list[tuple[int, str, CommentStatus]], head_path: str) -> list[int]:
    hidden = [p for _i, p, s in made if s is CommentStatus.pending]
    return [
        i for i, p, _s in made
        if p.startswith(head_path) and p != head_path and not any(p.startswith(h) for h in hidden)
    ]  # fmt: skip


def test_following_more_replies_reaches_every_reply_once_in_display_order(world: World) -> None:
    made = bulk.build(world, irregular())
    small = with_config(world.rt, replies_per_root=7)
    story = world.story.id
    with TestClient(create_app(small.config, small), base_url="https://veche.test") as c:
        tops = c.get(f"/api/v1/stories/{story}/comments").json()["comments"]
        for top in tops:
            path = next(p for i, p, _s in made if i == top["id"])
            on_screen = {top["id"], *subtree_ids(top)}
            order = subtree_ids(top)
            more = top["more_replies"]
            pages = 0
            while more is not None:
                pages += 1
                assert pages < 50, "the continuation does not advance"
                r = c.get(more["href"] + "&limit=7")
                assert r.status_code == 200, r.text
                for node in r.json()["comments"]:
                    # Each run goes under a comment already on screen.
                    assert node["parent_id"] in on_screen
                    fresh = [node["id"], *subtree_ids(node)]
                    on_screen.update(fresh)
                    order += fresh
                more = r.json()["more_replies"]
            assert order == visible_under(made, path)
            assert len(order) == len(set(order))
            stored = sum(1 for _i, p, _s in made if p.startswith(path) and p != path)
            assert pages == max(0, -(-(stored - 7) // 7))  # windows of 7 stored replies

        # Without JavaScript: the same windows as pages of their own.
        first = tops[0]
        seen = subtree_ids(first)
        link = re.search(
            r'class="load-replies"[^>]*href="([^"]+)"', c.get(f"/stories/{story}").text
        )
        for _ in range(50):
            if link is None:
                break
            html = c.get(link.group(1).replace("&amp;", "&")).text
            assert "Showing part of the discussion." in html
            ids = [int(x) for x in re.findall(r'data-comment-id="(\d+)"', html)]
            assert ids[0] == first["id"]  # the root, then the chain down to the window
            seen += [i for i in ids if i not in seen and i != first["id"]]
            link = re.search(r'class="load-replies"[^>]*href="([^"]+)"', html)
        root_path = next(p for i, p, _s in made if i == first["id"])
        assert seen == visible_under(made, root_path)


def test_held_replies_reach_a_moderator_through_the_overlay(world: World) -> None:
    """The shared body is the same for everyone, moderators too: the held replies (and the
    replies under them) come in the moderator's overlay instead."""
    made = bulk.build(world, irregular())
    _uid, token = world.user("mod", role=Role.moderator)
    small = with_config(world.rt, replies_per_root=7)
    story = world.story.id
    with TestClient(create_app(small.config, small), base_url="https://veche.test") as c:
        headers = {"Authorization": f"Bearer {token}"}
        anonymous = c.get(f"/api/v1/stories/{story}/comments").content
        as_mod = c.get(f"/api/v1/stories/{story}/comments", headers=headers)
        assert as_mod.content == anonymous
        assert as_mod.headers["cache-control"] == "private, no-cache"
        ov = c.get(f"/api/v1/stories/{story}/overlay", headers=headers).json()
    held = [i for i, _p, s in made if s is CommentStatus.pending]
    assert [h["id"] for h in ov["held"]] == held
    assert ov["viewer"]["role"] == "moderator"


def test_bad_continuations_are_refused(client: TestClient, world: World) -> None:
    made = bulk.build(world, [Node(bulk.fan(3)), Node(bulk.fan(2))])
    first, second = made[0], made[4]
    base = f"/api/v1/stories/{world.story.id}/comments"
    assert client.get(f"{base}/{first[0]}/replies", params={"after": second[1]}).status_code == 422
    assert client.get(f"{base}/{first[0]}/replies", params={"after": "00001%"}).status_code == 422
    assert client.get(f"{base}/999999/replies").status_code == 404
    other = world.other_story()
    r = client.get(f"/api/v1/stories/{other.id}/comments/{first[0]}/replies")
    assert r.status_code == 404
    whole = client.get(f"{base}/{first[0]}/replies").json()
    assert [n["id"] for n in whole["comments"]] == [m[0] for m in made[1:4]]
    assert whole["more_replies"] is None


def test_a_card_reads_one_comment_not_its_subtree(client: TestClient, world: World) -> None:
    made = bulk.build(world, [Node(bulk.fan(100, 49))])
    reply = made[1]  # its 49 replies, and the 5,000 under its root, stay unread
    with reads(world.rt) as seen:
        card = client.get(f"/fragments/comments/{reply[0]}/card")
    assert card.status_code == 200
    assert card.text.count('class="comment-card"') == 1 and "<li" not in card.text
    assert seen.comments <= 2  # the comment and its parent
