"""The slow stage: a real e5 model in a real background thread takes abusive comments back
to the queue after they were published, and readers' streams are told to withdraw them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import World, bearer
from veche.moderation.embedding import AbuseClassifier
from veche.service.pipeline import PublishAll
from veche.service.screening import Screening
from veche.store.models import AuditEntry, Comment, Event

ABUSIVE = "You are a worthless subhuman piece of garbage, crawl back under your rock."
FINE = "The council opened the sports hall as a warming centre on Monday."


@pytest.fixture(scope="module")
def classifier() -> AbuseClassifier:
    return AbuseClassifier.load()


@pytest.fixture
def screening(world: World, classifier: AbuseClassifier) -> Iterator[Screening]:
    screening = Screening(world.rt, classifier)
    world.rt.screener = screening
    world.rt.scorer = PublishAll()  # the inline lexicons would hold these first
    screening.start()
    yield screening
    screening.stop()
    world.rt.screener = None


def wait_for(predicate: object, timeout: float = 30.0) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the background stage did not finish in time"
        time.sleep(0.05)


def status_of(world: World, comment_id: int) -> str:
    with world.rt.db.session(write=False) as s:
        c = s.get(Comment, comment_id)
        assert c is not None
        return c.status.value


def test_abusive_comment_is_withdrawn_to_the_queue(
    client: TestClient, world: World, screening: Screening
) -> None:
    _a, alice = world.user("alice")
    url = f"/api/v1/stories/{world.story.id}/comments"
    bad = client.post(url, json={"body": ABUSIVE}, headers=bearer(alice)).json()
    good = client.post(url, json={"body": FINE}, headers=bearer(alice)).json()
    assert bad["status"] == "visible"  # published at once: the write path does not wait
    wait_for(lambda: status_of(world, bad["id"]) == "pending")
    wait_for(lambda: screening.worker.pending == 0)
    time.sleep(0.2)  # the last batch's verdicts are written after it leaves the queue
    assert status_of(world, good["id"]) == "visible"
    with world.rt.db.session(write=False) as s:
        c = s.get(Comment, bad["id"])
        assert c is not None and c.held_by == "scorer"
        assert c.scores is not None and c.scores["abuse_model"] > 0.5
        assert any(f.startswith("abuse model: ") for f in c.flags or [])
        kinds = s.scalars(select(Event.kind).where(Event.comment_id == bad["id"])).all()
        assert "comment.flagged" in kinds
        audit = s.scalars(select(AuditEntry).where(AuditEntry.target_id == bad["id"])).one()
        assert (audit.actor, audit.action, audit.actor_id) == ("auto", "flag", None)
    # Readers no longer see it; the queue's auto-flagged tab does.
    shared = client.get(url).json()["comments"]
    assert [c["id"] for c in shared] == [good["id"]]


def test_a_held_comment_gets_its_score_but_stays_held(world: World, screening: Screening) -> None:
    from veche.service.comments import Comments, Draft
    from veche.service.runtime import Viewer
    from veche.service.stories import SiteSettings, Stories

    Stories(world.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    world.user("bob")
    from veche.service.accounts import Accounts

    user = Accounts(world.rt).sign_in("bob", "correct horse battery", ip="127.0.0.1")[0]
    held, _ = Comments(world.rt).create(world.story.id, Draft(ABUSIVE), Viewer(user, "127.0.0.1"))
    assert held.status.value == "pending"

    def scored() -> bool:
        with world.rt.db.session(write=False) as s:
            c = s.get(Comment, held.id)
            return c is not None and "abuse_model" in (c.scores or {})

    wait_for(scored)
    assert status_of(world, held.id) == "pending"
    assert not screening.judge(held.id, 0.99)  # already held: nothing to take back
