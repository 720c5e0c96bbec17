"""A first end-to-end pass through the API on both engines."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World, bearer


def test_comment_and_reply(client: TestClient, world: World) -> None:
    _uid, token = world.user("Denis Z", display_name="Denis Z")
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "First!", "idempotency_key": "key-00000001"},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    parent = r.json()["id"]
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": "A reply", "parent_id": parent},
        headers=bearer(token),
    )
    assert r.status_code == 201, r.text
    assert r.json()["number"] == [1, 1]
    thread = client.get(f"/api/v1/stories/{world.story.id}/comments").json()
    assert [c["number"] for c in thread["comments"]] == [[1]]
    assert thread["comments"][0]["replies"][0]["body_html"] == "<p>A reply</p>\n"
