"""A session that ends is noticed: its writes are refused and its open streams are told.

The embed relies on both to bring its sign-in form back without a reload.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import World, bearer, error
from tests.live_helpers import SSE, Stream, created, post_json, serve_in_thread
from tests.test_live import HoldWord
from veche.domain.enums import Role
from veche.service.accounts import Accounts
from veche.service.stories import SiteSettings, Stories
from veche.store.models import Comment


@pytest.fixture
def base(world: World) -> Iterator[str]:
    with serve_in_thread(world.rt) as url:
        yield url


def ended(e: SSE) -> bool:
    return e.event == "session.ended"


def test_a_write_with_a_revoked_token_is_refused_not_posted_as_a_guest(
    client: TestClient, world: World
) -> None:
    Stories(world.rt).update_site("news", SiteSettings(allow_guests=True, require_sign_in=False))
    user_id, token = world.user("ann")
    Accounts(world.rt).revoke_all(user_id)
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments", json={"body": "hello"}, headers=bearer(token)
    )
    assert "session has ended" in error(r, 401, "auth_required")["message"]
    # Reads still answer, as to an anonymous reader.
    assert client.get("/api/v1/threads", params={"url": world.story.url},
                      headers=bearer(token)).status_code == 200  # fmt: skip
    with world.rt.db.session(write=False) as s:
        assert s.scalars(select(Comment)).all() == []


def test_revoking_sessions_ends_their_open_streams(base: str, world: World) -> None:
    world.rt.scorer = HoldWord()
    mod_id, mod = world.user("maria", role=Role.moderator)
    _same, other_session = Accounts(world.rt).sign_in("maria", "correct horse battery",
                                                      ip="127.0.0.1")  # fmt: skip
    _a, author = world.user("ann")
    path = f"/api/v1/stories/{world.story.id}/events"
    first = Stream(base, path, {"Authorization": f"Bearer {mod}"})
    second = Stream(base, path, {"Authorization": f"Bearer {other_session}"})
    try:
        assert first.next().event == "hello" and second.next().event == "hello"
        # Signing out one session tells only that session's stream.
        Accounts(world.rt).sign_out(mod)
        assert ended(first.until(ended)[-1])
        held = post_json(base, f"/api/v1/stories/{world.story.id}/comments",
                         {"body": "Please hold this one."}, author)["id"]  # fmt: skip
        shown = post_json(base, f"/api/v1/stories/{world.story.id}/comments",
                          {"body": "A fine one."}, author)["id"]  # fmt: skip
        # The ended stream now sees what an anonymous reader sees: no held comment.
        assert [e.data["comment_id"] for e in first.until(created(shown))] == [shown]
        got = [e.data.get("comment_id") for e in second.until(created(shown))]
        assert got == [held, shown]
        Accounts(world.rt).revoke_all(mod_id)
        assert ended(second.until(ended)[-1])
    finally:
        first.close()
        second.close()
