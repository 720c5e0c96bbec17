"""The moderation queue page and its no-JavaScript forms, and the live queue stream."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World, bearer
from tests.test_pages import csrf_of, sign_in_as
from veche.domain.enums import Role
from veche.service.stories import SiteSettings, Stories


def held(client: TestClient, world: World, token: str, body: str) -> dict[str, Any]:
    r = client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": body},
                    headers=bearer(token))  # fmt: skip
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_queue_page_decides_by_form(client: TestClient, world: World) -> None:
    Stories(world.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    world.user("maria", role=Role.moderator)
    _a, alice = world.user("alice", display_name="Alice")
    first = held(client, world, alice, "I think the <b>council</b> is wrong.")
    second = held(client, world, alice, "Second thought.")
    r = client.get("/moderation?tab=pending", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/signin?next=%2Fmoderation%3Ftab%3Dpending"
    sign_in_as(client, "maria")
    page = client.get("/moderation")
    assert page.status_code == 200
    html = page.text
    assert html.count('class="q-item') == 2
    assert "pre-moderation: every comment" in html
    assert "&lt;b&gt;council" in html or "<b>" not in html  # sanitised body, no raw tag
    assert 'data-count="pending">2<' in html
    csrf = csrf_of(html)
    r = client.post(
        "/moderation/decide",
        data={"csrf": csrf, "site": "news", "tab": "pending", "action": "approve",
              "items": [f"{first['id']}:0"]},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and "approve" in r.headers["location"]
    # The same item again, with the version the page showed: already decided.
    r = client.post(
        "/moderation/decide",
        data={"csrf": csrf, "site": "news", "tab": "pending", "action": "reject",
              "reason": "Spam", "items": [f"{first['id']}:0", f"{second['id']}:0"]},
        follow_redirects=True,
    )  # fmt: skip
    assert "1 comment: reject." in r.text and "Already decided" in r.text
    decided = client.get("/moderation?tab=decided").text
    assert decided.count('class="q-item') == 2 and "by maria" in decided
    # No CSRF token: refused.
    r = client.post("/moderation/decide", data={"action": "approve", "items": ["1:0"]})
    assert r.status_code == 403


def test_queue_page_restricts_authors(client: TestClient, world: World) -> None:
    world.user("maria", role=Role.moderator)
    world.user("troll")
    sign_in_as(client, "maria")
    csrf = csrf_of(client.get("/moderation").text)
    r = client.post(
        "/moderation/restrict",
        data={"csrf": csrf, "site": "news", "handle": "troll", "what": "ban", "days": "7",
              "reason": "Threats"},
        follow_redirects=True,
    )  # fmt: skip
    assert r.status_code == 200 and "troll: ban done." in r.text
    r = client.post(
        "/moderation/restrict",
        data={"csrf": csrf, "site": "news", "handle": "troll", "what": "ban", "reason": ""},
    )  # fmt: skip
    assert r.status_code == 422 and "reason" in r.text


def test_readers_get_no_queue(client: TestClient, world: World) -> None:
    world.user("alice")
    sign_in_as(client, "alice")
    assert client.get("/moderation").status_code == 403
    _a, token = world.user("bob")
    r = client.get("/api/v1/moderation/queue?site=news", headers=bearer(token))
    assert r.status_code == 403
    r = client.get("/api/v1/moderation/stream?site=news", headers=bearer(token))
    assert r.status_code == 403


def test_queue_stream_reports_decisions_from_its_cursor(client: TestClient, world: World) -> None:
    Stories(world.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    _m, mod = world.user("maria", role=Role.moderator)
    _a, alice = world.user("alice")
    c = held(client, world, alice, "Waiting here.")
    client.post(f"/api/v1/comments/{c['id']}/decision", json={"action": "approve"},
                headers=bearer(mod))  # fmt: skip
    # From the start of the log, the decision is replayed with its audit id.
    frames: list[tuple[str, dict[str, Any], str | None]] = []
    with client.stream("GET", "/api/v1/moderation/stream?site=news&after=0",
                       headers=bearer(mod)) as r:  # fmt: skip
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        kind, ident = "", None
        for line in r.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("id: "):
                ident = line[4:]
            elif line.startswith("data: "):
                frames.append((kind, json.loads(line[6:]), ident))
                ident = None
            if any(k == "decided" for k, _d, _i in frames):
                break
    assert frames[0][0] == "counts" and frames[0][1]["counts"]["pending"] == 0
    kind, data, ident = frames[1]
    assert kind == "decided" and data["comment_id"] == c["id"] and data["actor"] == "maria"
    assert data["status"] == "visible" and ident == str(data["audit_id"])


def test_dashboard_counts_and_charts(client: TestClient, world: World) -> None:
    Stories(world.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    _m, mod = world.user("maria", role=Role.moderator)
    _a, alice = world.user("alice")
    _b, bob = world.user("bob")
    ids = [held(client, world, alice, f"Comment {n}")["id"] for n in range(3)]
    client.post(f"/api/v1/comments/{ids[0]}/decision", json={"action": "approve"},
                headers=bearer(mod))  # fmt: skip
    client.post(f"/api/v1/comments/{ids[1]}/decision",
                json={"action": "reject", "reason": "Spam"}, headers=bearer(mod))  # fmt: skip
    client.post(f"/api/v1/comments/{ids[0]}/reports", json={"reason": "abuse"},
                headers=bearer(bob))  # fmt: skip
    sign_in_as(client, "maria")
    page = client.get("/moderation/dashboard?hours=24")
    assert page.status_code == 200, page.text
    html = page.text
    assert "<dd>3</dd>" in html  # comments in the window
    assert html.count("<svg") == 5
    assert "<td>approve</td><td>1</td>" in html and "<td>reject</td><td>1</td>" in html
    assert "<td>pending</td><td>1</td>" in html
    assert f"<td>{world.story.title}</td><td>1</td>" in html
    assert "comments</title>" in html
    assert client.get("/moderation/dashboard?hours=0").status_code == 422


def test_admins_browse_and_filter_the_audit_log(client: TestClient, world: World) -> None:
    _m, mod = world.user("maria", role=Role.moderator)
    world.user("root", role=Role.admin)
    _a, alice = world.user("alice")
    c = held(client, world, alice, "A comment to take down.")
    client.post(f"/api/v1/comments/{c['id']}/remove", json={"reason": "Spam"},
                headers=bearer(mod))  # fmt: skip
    client.post("/api/v1/users/alice/restrictions", json={"premoderate": True},
                headers=bearer(mod))  # fmt: skip
    sign_in_as(client, "maria")
    assert client.get("/moderation/audit").status_code == 403  # moderators act, admins audit
    client.cookies.clear()
    sign_in_as(client, "root")
    html = client.get("/moderation/audit").text
    assert html.count("<tr>") == 3  # the head and two entries
    assert "premoderate" in html and "remove" in html and "Spam" in html
    only = client.get("/moderation/audit?action=remove&target_kind=comment").text
    assert only.count("<tr>") == 2 and "premoderate" not in only
    assert "&#34;status&#34;: &#34;removed&#34;" in only or '"status": "removed"' in only
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/moderation/audit").status_code == 405
