"""Moderators' actions through the API, on SQLite and PostgreSQL: decisions with reasons,
undo, exactly-once decisions, bans, shadow bans, pre-moderation, features, reports, the queue
and the audit log."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from tests.conftest import World, bearer, error
from veche.domain.enums import Role
from veche.service.stories import SiteSettings, Stories
from veche.store.models import AuditEntry


def post(client: TestClient, world: World, token: str, body: str, **kw: Any) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments", json={"body": body, **kw},
        headers=bearer(token),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def decide(client: TestClient, token: str, comment_id: int, action: str, **kw: Any) -> Any:
    return client.post(
        f"/api/v1/comments/{comment_id}/decision", json={"action": action, **kw},
        headers=bearer(token),
    )  # fmt: skip


def thread_ids(client: TestClient, world: World, token: str | None = None) -> list[int]:
    headers = bearer(token) if token else {}
    r = client.get(f"/api/v1/stories/{world.story.id}/comments", headers=headers)
    assert r.status_code == 200, r.text
    out = []
    stack = list(r.json()["comments"])
    while stack:
        c = stack.pop()
        if c["placeholder"] is None:
            out.append(c["id"])
        stack.extend(c["replies"])
    return sorted(out)


def overlay_held(client: TestClient, world: World, token: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/stories/{world.story.id}/overlay", headers=bearer(token))
    assert r.status_code == 200, r.text
    held: list[dict[str, Any]] = r.json()["held"]
    return held


def settings(world: World, **changes: object) -> None:
    Stories(world.rt).update_site(world.site_name, SiteSettings(moderation=changes))


@pytest.fixture
def mod(world: World) -> str:
    return world.user("maria", role=Role.moderator)[1]


def test_remove_with_reason_then_restore(client: TestClient, world: World, mod: str) -> None:
    _a, alice = world.user("alice")
    c = post(client, world, alice, "The mayor's plan for the bridge is a costly mistake.")
    err = error(decide(client, mod, c["id"], "remove"), 422, "invalid_input")
    assert "reason" in err["message"].lower()
    err = error(decide(client, mod, c["id"], "remove", reason="Made up"), 422, "invalid_input")
    r = decide(client, mod, c["id"], "remove", reason="Abuse or insult", note="name-calling")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "removed"
    # Readers see the placeholder; the author sees why; the moderator sees the words, marked.
    shared = client.get(f"/api/v1/stories/{world.story.id}/comments").json()["comments"][0]
    assert shared["placeholder"] == "The comment was removed by a moderator."
    assert shared["body_html"] is None and shared["mod_reason"] is None
    mine = client.get(f"/api/v1/comments/{c['id']}",
                      headers=bearer(alice)).json()["comment"]  # fmt: skip
    assert mine["mod_reason"] == "Abuse or insult: name-calling"
    theirs = client.get(f"/api/v1/comments/{c['id']}",
                        headers=bearer(mod)).json()["comment"]  # fmt: skip
    assert "costly mistake" in theirs["body_html"] and theirs["status"] == "removed"
    # Undo.
    r = decide(client, mod, c["id"], "restore")
    assert r.status_code == 200 and r.json()["status"] == "visible"
    assert c["id"] in thread_ids(client, world)
    error(decide(client, mod, c["id"], "restore"), 409, "already_decided")


def test_only_moderators_decide(client: TestClient, world: World) -> None:
    _a, alice = world.user("alice")
    _b, bob = world.user("bob")
    c = post(client, world, alice, "A comment.")
    error(decide(client, bob, c["id"], "remove", reason="Spam"), 403, "forbidden")
    r = client.post(f"/api/v1/comments/{c['id']}/decision", json={"action": "remove"})
    assert r.status_code in (401, 403)


def test_premoderation_of_new_users_then_approve(
    client: TestClient, world: World, mod: str
) -> None:
    settings(world, premoderation="new", premod_approved=2)
    _a, alice = world.user("alice")
    first = post(client, world, alice, "My first comment here.")
    assert first["status"] == "pending"
    assert first["id"] not in thread_ids(client, world)
    assert [h["id"] for h in overlay_held(client, world, alice)] == [first["id"]]
    q = client.get("/api/v1/moderation/queue?site=news&tab=pending", headers=bearer(mod)).json()
    assert [i["id"] for i in q["items"]] == [first["id"]]
    item = q["items"][0]
    assert "pre-moderation: new author" in item["flags"]
    assert item["history"]["approved"] == 0 and item["story_title"] == world.story.title
    assert decide(client, mod, first["id"], "approve").json()["status"] == "visible"
    assert first["id"] in thread_ids(client, world)
    second = post(client, world, alice, "My second comment.")
    assert second["status"] == "pending"
    decide(client, mod, second["id"], "approve")
    third = post(client, world, alice, "Now I am trusted.")
    assert third["status"] == "visible"
    # The moderator's own comments are never held.
    assert post(client, world, mod, "Staff note.")["status"] == "visible"


def test_reject_tells_the_author_why(client: TestClient, world: World, mod: str) -> None:
    settings(world, premoderation="all")
    _a, alice = world.user("alice")
    c = post(client, world, alice, "Buy cheap watches")
    r = decide(client, mod, c["id"], "reject", reason="Spam")
    assert r.json()["status"] == "rejected"
    held = overlay_held(client, world, alice)
    assert held[0]["status"] == "rejected" and held[0]["mod_reason"] == "Spam"
    assert c["id"] not in thread_ids(client, world)
    # Undo puts it back where it was: in the queue.
    assert decide(client, mod, c["id"], "restore").json()["status"] == "pending"


def test_two_moderators_one_decision(client: TestClient, world: World, mod: str) -> None:
    settings(world, premoderation="all")
    _o, other = world.user("oleg", role=Role.moderator)
    _a, alice = world.user("alice")
    items = [post(client, world, alice, f"Comment number {n}.")["id"] for n in range(6)]
    results: list[tuple[str, int, int]] = []
    lock = threading.Lock()

    def run(token: str, name: str, action: str) -> None:
        for cid in items:
            kw: dict[str, Any] = {"reason": "Spam"} if action == "reject" else {}
            r = decide(client, token, cid, action, version=0, **kw)
            with lock:
                results.append((name, cid, r.status_code))

    threads = [
        threading.Thread(target=run, args=(mod, "maria", "approve")),
        threading.Thread(target=run, args=(other, "oleg", "reject")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for cid in items:
        codes = sorted(code for _n, c, code in results if c == cid)
        assert codes == [200, 409], (cid, codes)
    with world.rt.db.session(write=False) as s:
        n = s.scalar(text("SELECT count(*) FROM audit_log WHERE target_kind = 'comment'"))
    assert n == len(items)
    # The loser is told who decided.
    r = decide(client, mod, items[0], "approve", version=0)
    assert r.status_code == 409
    assert "maria" in r.json()["error"]["message"] or "oleg" in r.json()["error"]["message"]


def test_ban_is_explained_and_lifted(client: TestClient, world: World, mod: str) -> None:
    _a, alice = world.user("alice")
    r = client.post("/api/v1/users/alice/restrictions", json={"ban": True, "days": 3},
                    headers=bearer(mod))  # fmt: skip
    error(r, 422, "invalid_input")  # a ban needs a reason
    r = client.post(
        "/api/v1/users/alice/restrictions",
        json={"ban": True, "days": 3, "reason": "Threats against other readers"},
        headers=bearer(mod),
    )
    assert r.status_code == 200, r.text
    assert r.json()["banned"] and r.json()["banned_until"]
    r = client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "hello"},
                    headers=bearer(alice))  # fmt: skip
    err = error(r, 403, "banned")
    assert "until" in err["message"] and "Threats against other readers" in err["message"]
    r = client.post("/api/v1/users/alice/restrictions", json={"ban": False}, headers=bearer(mod))
    assert r.status_code == 200 and not r.json()["banned"]
    assert post(client, world, alice, "I am back.")["status"] == "visible"


def test_permanent_ban_and_staff_protection(client: TestClient, world: World, mod: str) -> None:
    world.user("alice")
    world.user("oleg", role=Role.moderator)
    r = client.post("/api/v1/users/alice/restrictions",
                    json={"ban": True, "reason": "Spam bot"}, headers=bearer(mod))  # fmt: skip
    assert r.json()["banned"] and r.json()["banned_until"] is None
    r = client.post("/api/v1/users/oleg/restrictions",
                    json={"ban": True, "reason": "x"}, headers=bearer(mod))  # fmt: skip
    error(r, 403, "forbidden")
    r = client.post("/api/v1/users/maria/restrictions",
                    json={"premoderate": True}, headers=bearer(mod))  # fmt: skip
    error(r, 403, "forbidden")
    r = client.post("/api/v1/users/nobody/restrictions",
                    json={"premoderate": True}, headers=bearer(mod))  # fmt: skip
    error(r, 422, "invalid_input")


def test_shadow_ban_visible_only_to_author(client: TestClient, world: World, mod: str) -> None:
    _t, troll = world.user("troll")
    _b, bob = world.user("bob")
    client.post("/api/v1/users/troll/restrictions", json={"shadow": True, "reason": "flooding"},
                headers=bearer(mod))  # fmt: skip
    c = post(client, world, troll, "Blow it to hell!")
    assert c["status"] == "visible"  # the author is not told
    assert c["id"] not in thread_ids(client, world)
    assert c["id"] not in thread_ids(client, world, bob)
    held = overlay_held(client, world, troll)
    assert [h["id"] for h in held] == [c["id"]] and held[0]["status"] == "visible"
    mine = client.get(f"/api/v1/comments/{c['id']}",
                      headers=bearer(troll)).json()["comment"]  # fmt: skip
    assert mine["status"] == "visible"
    r = client.get(f"/api/v1/comments/{c['id']}", headers=bearer(bob))
    assert r.status_code == 404
    theirs = client.get(f"/api/v1/comments/{c['id']}",
                        headers=bearer(mod)).json()["comment"]  # fmt: skip
    assert theirs["status"] == "shadowed" and "shadow-banned author" in theirs["flags"]


def test_reports_once_each_then_reported_tab(client: TestClient, world: World, mod: str) -> None:
    settings(world, report_threshold=2)
    _a, alice = world.user("alice")
    c = post(client, world, alice, "Wind farms are the answer to the power cuts.")
    readers = [world.user(f"reader{n}")[1] for n in range(3)]

    def report(token: str, reason: str = "abuse") -> Any:
        return client.post(f"/api/v1/comments/{c['id']}/reports", json={"reason": reason},
                           headers=bearer(token))  # fmt: skip

    assert report(readers[0]).status_code == 201
    error(report(readers[0], "spam"), 409, "conflict")
    error(report(alice), 409, "conflict")  # not one's own
    error(client.post(f"/api/v1/comments/{c['id']}/reports", json={"reason": "abuse"}), 401,
          "auth_required")  # fmt: skip
    error(report(readers[1], "nonsense"), 422, "invalid_input")
    q = client.get("/api/v1/moderation/queue?site=news&tab=reported", headers=bearer(mod)).json()
    assert q["items"] == []
    assert report(readers[1], "spam").status_code == 201
    q = client.get("/api/v1/moderation/queue?site=news&tab=reported", headers=bearer(mod)).json()
    assert [i["id"] for i in q["items"]] == [c["id"]]
    assert q["items"][0]["reports"] == {"abuse": 1, "spam": 1}
    assert q["counts"]["reported"] == 1
    # Approving dismisses the reports; a second approval is already decided.
    assert decide(client, mod, c["id"], "approve").status_code == 200
    error(decide(client, mod, c["id"], "approve"), 409, "already_decided")
    q = client.get("/api/v1/moderation/queue?site=news&tab=reported", headers=bearer(mod)).json()
    assert q["items"] == []
    assert report(readers[2]).status_code == 201  # a new report after a decision counts


def test_feature_and_close(client: TestClient, world: World, mod: str) -> None:
    _a, alice = world.user("alice")
    c = post(client, world, alice, "A thoughtful comment.")
    r = client.post(f"/api/v1/comments/{c['id']}/feature", json={"featured": True},
                    headers=bearer(mod))  # fmt: skip
    assert r.status_code == 200 and r.json()["featured"] is True
    shared = client.get(f"/api/v1/stories/{world.story.id}/comments").json()["comments"][0]
    assert shared["featured"] is True
    r = client.post(f"/api/v1/stories/{world.story.id}/open", json={"open": False},
                    headers=bearer(mod))  # fmt: skip
    assert r.json() == {"id": world.story.id, "is_open": False}
    r = client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "late"},
                    headers=bearer(alice))  # fmt: skip
    error(r, 409, "conflict")
    r = client.post(f"/api/v1/stories/{world.story.id}/open", json={"open": True},
                    headers=bearer(alice))  # fmt: skip
    error(r, 403, "forbidden")


def test_bulk_decisions(client: TestClient, world: World, mod: str) -> None:
    settings(world, premoderation="all")
    _a, alice = world.user("alice")
    ids = [post(client, world, alice, f"Flood {n}")["id"] for n in range(5)]
    decide(client, mod, ids[0], "approve")
    r = client.post("/api/v1/moderation/decisions",
                    json={"ids": [*ids, 999999], "action": "reject", "reason": "Spam"},
                    headers=bearer(mod))  # fmt: skip
    assert r.status_code == 200, r.text
    by_id = {x["id"]: x for x in r.json()["results"]}
    assert by_id[ids[0]]["status"] == "removed"  # it was published: taken down
    assert all(by_id[i]["status"] == "rejected" for i in ids[1:])
    assert by_id[999999]["code"] == "not_found"


def test_audit_log_records_and_cannot_be_edited(client: TestClient, world: World, mod: str) -> None:
    _a, alice = world.user("alice")
    _x, admin = world.user("root", role=Role.admin)
    c = post(client, world, alice, "Abuse here.")
    decide(client, mod, c["id"], "remove", reason="Spam")
    decide(client, mod, c["id"], "restore")
    client.post("/api/v1/users/alice/restrictions", json={"premoderate": True},
                headers=bearer(mod))  # fmt: skip
    error(client.get("/api/v1/moderation/audit", headers=bearer(mod)), 403, "forbidden")
    r = client.get("/api/v1/moderation/audit", headers=bearer(admin))
    entries = r.json()["entries"]
    assert [e["action"] for e in entries] == ["premoderate", "restore", "remove"]
    removal = entries[2]
    assert removal["actor"] == "maria" and removal["reason"] == "Spam"
    assert removal["before"]["status"] == "visible" and removal["after"]["status"] == "removed"
    r = client.get("/api/v1/moderation/audit?action=restore", headers=bearer(admin))
    assert [e["action"] for e in r.json()["entries"]] == ["restore"]
    # No route edits or deletes it, and the database refuses to.
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)("/api/v1/moderation/audit").status_code == 405
    for stmt in (update(AuditEntry).values(reason="rewritten"), delete(AuditEntry)):
        with pytest.raises(DBAPIError, match="append-only"), world.rt.db.session() as s:
            s.execute(stmt)


def test_banned_and_suspect_words_see_through_disguises(
    client: TestClient, world: World, mod: str
) -> None:
    settings(world, banned_words="scumbag*\nwhore", suspect_words="traitor, foreign agent")
    _a, alice = world.user("alice")
    cases = {
        "You scumbags will pay": "rejected",
        "s c u m b a g": "rejected",
        "a $cumb@g of a mayor": "rejected",
        "sсumbag with a Cyrillic letter": "rejected",  # the с is Cyrillic
        "He is a traitor to the region": "pending",
        "a F0REIGN   AGENT if ever there was one": "pending",
        "The scumbling technique in the painting": "visible",  # no word boundary match
        "Traitors' Gate is in London": "visible",
    }
    for body, expected in cases.items():
        c = post(client, world, alice, body)
        with world.rt.db.session(write=False) as s:
            status, flags = s.execute(
                text("SELECT status, flags FROM comments WHERE id = :i"), {"i": c["id"]}
            ).one()
        assert status == expected, (body, status, flags)
    q = client.get("/api/v1/moderation/queue?site=news&tab=flagged", headers=bearer(mod)).json()
    assert {i["flags"][0] for i in q["items"]} == {"suspect word: traitor",
                                                   "suspect word: foreign agent"}  # fmt: skip


def test_an_approval_can_be_undone(client: TestClient, world: World, mod: str) -> None:
    settings(world, premoderation="all")
    _a, alice = world.user("alice")
    c = post(client, world, alice, "Waiting for a moderator.")
    assert decide(client, mod, c["id"], "approve").json()["status"] == "visible"
    assert decide(client, mod, c["id"], "restore").json()["status"] == "pending"
    assert c["id"] not in thread_ids(client, world)
    error(decide(client, mod, c["id"], "restore"), 409, "already_decided")
