"""Permalinks show the comment wherever the thread cuts: its root, ancestors and itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests import bulk
from tests.bulk import Node
from tests.conftest import World
from tests.test_bounded_reads import reads, subtree_ids
from tests.test_pages import csrf_of, sign_in


def ids_in(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-comment-id="(\d+)"', html)]


def test_a_comment_deep_in_a_cut_subtree_has_a_page(client: TestClient, world: World) -> None:
    # 30 replies with 2 replies each under the first comment: 90, cut after 20.
    made = bulk.build(world, [Node(bulk.fan(30, 2)), Node([])])
    root, deep = made[0], made[41]  # 1.14.1: the first comment's 41st reply, past the cut
    parent = next(m for m in made if m[1] == deep[1][:-5])
    k = world.rt.config.replies_per_root
    assert deep[0] not in ids_in(client.get(f"/stories/{world.story.id}").text)

    with reads(world.rt) as seen:
        r = client.get(f"/stories/{world.story.id}/comments/{deep[0]}")
    assert r.status_code == 200
    shown = ids_in(r.text)
    assert shown[:3] == [root[0], parent[0], deep[0]]  # root, ancestors, the comment
    after = [m[0] for m in made if m[1] > deep[1] and m[1].startswith(root[1])]
    assert shown[3:] == after[: k - 1]  # and the continuation around it
    assert "Showing part of the discussion." in r.text
    assert f'data-after="{made[41 + k - 1][1]}"' in r.text
    # (+1: the Featured tab's label in the discussion head, a count on ix_comments_story_featured.)
    assert seen.comments <= 2 * (k + 1) + 3 + 1 and len(seen.selects) <= 8

    api = client.get(f"/api/v1/stories/{world.story.id}/comments/{deep[0]}").json()
    assert api["comment_id"] == deep[0]
    [top] = api["comments"]
    assert top["id"] == root[0] and top["replies"][0]["id"] == parent[0]
    assert top["replies"][0]["replies"][0]["id"] == deep[0]
    assert subtree_ids(top)[2:] == after[: k - 1]
    assert top["more_replies"]["count"] == len(after) - (k - 1)

    # A comment among its root's first replies shows in its root's usual block.
    early = made[3]
    r = client.get(f"/stories/{world.story.id}/comments/{early[0]}")
    assert ids_in(r.text) == [m[0] for m in made[: k + 1]]
    # The old address keeps working; other stories' comments are not found here.
    assert client.get(f"/api/v1/comments/{deep[0]}").json()["comment"]["id"] == deep[0]
    other = world.other_story()
    assert client.get(f"/stories/{other.id}/comments/{deep[0]}").status_code == 404
    assert client.get(f"/api/v1/stories/{other.id}/comments/{deep[0]}").status_code == 404


def test_links_and_redirects_use_permalinks(client: TestClient, world: World) -> None:
    made = bulk.build(world, [Node(bulk.fan(25))])
    sign_in(client, world, "ann")
    story = world.story.id
    page = client.get(f"/stories/{story}")
    last = made[-1][0]  # past the cut: replying to it without JavaScript still works
    form = client.get(f"/stories/{story}/comments/{last}?reply={last}").text
    assert f'<input type="hidden" name="parent_id" value="{last}">' in form
    data = {"csrf": csrf_of(page.text), "idempotency_key": "permalink-key-1", "body": "Late!",
            "parent_id": str(last)}  # fmt: skip
    r = client.post(f"/stories/{story}/comments", data=data, follow_redirects=False)
    assert r.status_code == 303
    location = r.headers["location"]
    new_id = int(location.rsplit("#c", 1)[1])
    assert location == f"/stories/{story}/comments/{new_id}#c{new_id}"
    shown = client.get(location.split("#")[0]).text
    assert f'id="c{new_id}"' in shown and "Late!" in shown
    assert f'class="permalink" href="/stories/{story}/comments/{new_id}#c{new_id}"' in shown
    quoted = client.post(
        f"/api/v1/stories/{story}/comments",
        json={"body": "So.", "quote": {"source": "comment", "comment_id": last, "text": "comment"}},
        headers={"X-CSRF-Token": csrf_of(page.text)},
    )
    assert quoted.json()["quote"]["href"] == f"/stories/{story}/comments/{last}#c{last}"


def test_the_embed_reads_a_comments_block_as_a_fragment(client: TestClient, world: World) -> None:
    """`/fragments/thread?comment=` is the permalink page's block for embed.js: the comment
    on the thread's second page, with its root, and nothing of other stories."""
    page_size = world.rt.config.page_size
    made = bulk.build(world, [Node([]) for _ in range(page_size + 3)])
    late = made[page_size + 1][0]
    first = client.get("/fragments/thread", params={"url": world.story.url}).text
    assert late not in ids_in(first)
    r = client.get("/fragments/thread", params={"url": world.story.url, "comment": late})
    assert r.status_code == 200
    assert ids_in(r.text) == [late]
    assert "Showing part of the discussion." in r.text and "data-veche-discussion" in r.text
    by_id = client.get("/fragments/thread", params={"story": world.story.id, "comment": late})
    assert ids_in(by_id.text) == [late]
    other = world.other_story()
    gone = client.get("/fragments/thread", params={"story": other.id, "comment": late})
    assert gone.status_code == 404
