"""Webhooks end to end on SQLite and PostgreSQL: comments change, the events follower queues
deliveries, the outbox worker signs and sends them to a real receiver on loopback."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import replace
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import World, bearer, error
from tests.webhook_helpers import Receiver, receiver
from veche.cli.main import main
from veche.domain.enums import Role
from veche.domain.errors import InvalidInput
from veche.notify.handlers import default_handlers
from veche.notify.worker import OutboxWorker, retry_delay
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories
from veche.service.webhooks import CONSOLE, Webhooks
from veche.store.reader_models import OutboxItem
from veche.web.views import comment_href
from veche.webhooks import delivery, payloads, signing

__all__ = ["receiver"]


@pytest.fixture
def open_rt(rt: Runtime) -> Runtime:
    """The runtime with private targets allowed: the receiver listens on 127.0.0.1."""
    rt.config = replace(rt.config, webhooks_allow_private=True, webhooks_timeout_seconds=5.0)
    return rt


def hooks(site: str = "news") -> str:
    return f"/api/v1/sites/{site}/webhooks"


def add_hook(client: TestClient, admin: str, url: str, **extra: Any) -> dict[str, Any]:
    r = client.post(hooks(), json={"url": url, **extra}, headers=bearer(admin))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def deliver(rt: Runtime) -> int:
    """What a node's loops do after commits: follow the events, then send what is due."""
    delivery.follower(rt).run_once()
    return OutboxWorker(rt, default_handlers(rt)).run_once()


def received_json(receiver: Receiver, secret: str) -> list[dict[str, Any]]:
    out = []
    for got in receiver.received:
        assert signing.verify(secret, got.body, got.headers["Veche-Signature"], now=time.time())
        body: dict[str, Any] = json.loads(got.body)
        assert got.headers["Veche-Event"] == body["type"]
        assert got.headers["Veche-Delivery"].isdigit()
        out.append(body)
    return out


def test_comment_events_arrive_signed(
    client: TestClient, world: World, open_rt: Runtime, receiver: Receiver
) -> None:
    _a, admin = world.user("ada", role=Role.admin, display_name="Ada Admin")
    _r, ruta = world.user("ruta", display_name="Ruta K")
    hook = add_hook(client, admin, receiver.url)
    secret = hook["secret"]
    assert secret.startswith("whsec_") and hook["events"] == list(payloads.TYPES)
    story = f"/api/v1/stories/{world.story.id}/comments"

    first = client.post(story, json={"body": "The road is **closed**."}, headers=bearer(ruta))
    first_id = first.json()["id"]
    reply = client.post(story, json={"body": "Since when?", "parent_id": first_id},
                        headers=bearer(admin)).json()  # fmt: skip
    assert deliver(open_rt) == 2
    r = client.patch(f"/api/v1/comments/{first_id}", json={"body": "The road is open again."},
                     headers=bearer(ruta))  # fmt: skip
    assert r.status_code == 200, r.text
    assert deliver(open_rt) == 1
    r = client.post(f"/api/v1/comments/{first_id}/decision",
                    json={"action": "remove", "reason": "Spam"}, headers=bearer(admin))  # fmt: skip
    assert r.status_code == 200, r.text
    assert deliver(open_rt) == 1
    Stories(open_rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    held = client.post(story, json={"body": "Held for a moderator."}, headers=bearer(ruta)).json()
    assert deliver(open_rt) == 1
    r = client.post(f"/api/v1/comments/{held['id']}/decision", json={"action": "approve"},
                    headers=bearer(admin))  # fmt: skip
    assert r.status_code == 200, r.text
    assert deliver(open_rt) == 1
    assert deliver(open_rt) == 0  # nothing twice

    got = received_json(receiver, secret)
    kinds = [(b["type"], b["comment"]["id"], b["comment"]["status"]) for b in got]
    assert kinds == [
        ("comment.created", first_id, "visible"),
        ("comment.created", reply["id"], "visible"),
        ("comment.edited", first_id, "visible"),
        ("comment.removed", first_id, "removed"),
        ("comment.created", held["id"], "pending"),
        ("comment.approved", held["id"], "visible"),
    ]
    created = got[0]
    assert set(created) == {"id", "type", "created", "site", "story", "comment"}
    assert created["site"] == "news"
    assert created["story"] == {"id": world.story.id, "url": world.story.url,
                                "title": world.story.title}  # fmt: skip
    c = created["comment"]
    assert c["body_html"] == "<p>The road is <strong>closed</strong>.</p>\n"
    assert c["body_text"].startswith("The road is closed.")
    assert c["author"] == {"handle": "ruta", "display_name": "Ruta K", "guest": False}
    assert c["parent_id"] is None and c["number"] == [1]
    assert c["permalink"] == "https://veche.test" + comment_href(world.story.id, first_id)
    assert created["created"].endswith("Z") and created["id"].startswith("evt_")
    assert got[1]["comment"]["parent_id"] == first_id and got[1]["comment"]["number"] == [1, 1]
    assert "open again" in got[2]["comment"]["body_text"]
    assert got[3]["comment"]["body_text"] == "" and got[3]["comment"]["body_html"] == ""
    assert len({b["id"] for b in got}) == len(got)

    log = client.get("/api/v1/sites/news/webhook-deliveries", headers=bearer(admin)).json()
    rows = log["deliveries"]
    assert [d["status"] for d in rows] == ["sent"] * 6
    assert rows[0]["event"] == "comment.approved" and rows[0]["last_status"] == 204
    assert rows[0]["endpoint_id"] == hook["id"] and rows[0]["attempts"] == 1
    deliveries = {int(g.headers["Veche-Delivery"]) for g in receiver.received}
    assert deliveries == {d["id"] for d in rows}


def test_only_subscribed_events_are_sent(
    client: TestClient, world: World, open_rt: Runtime, receiver: Receiver
) -> None:
    _a, admin = world.user("ada", role=Role.admin)
    hook = add_hook(client, admin, receiver.url, events=["comment.removed"])
    assert hook["events"] == ["comment.removed"]
    post = client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "Bye."},
                       headers=bearer(admin)).json()  # fmt: skip
    client.delete(f"/api/v1/comments/{post['id']}", headers=bearer(admin))
    assert deliver(open_rt) == 1
    (body,) = received_json(receiver, hook["secret"])
    assert body["type"] == "comment.removed" and body["comment"]["status"] == "deleted"


def test_a_failing_receiver_is_retried_then_marked_failed(
    client: TestClient, world: World, open_rt: Runtime, receiver: Receiver
) -> None:
    receiver.answer(500, body=b"database is down")
    _a, admin = world.user("ada", role=Role.admin)
    add_hook(client, admin, receiver.url)
    client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "Anyone?"},
                headers=bearer(admin))  # fmt: skip
    now = [open_rt.clock()]
    open_rt.clock = lambda: now[0]
    delivery.follower(open_rt).run_once()
    worker = OutboxWorker(open_rt, default_handlers(open_rt), max_attempts=3)
    assert worker.run_once() == 1
    assert worker.run_once() == 0  # not due again before its backoff
    for attempt in (1, 2):
        now[0] += retry_delay(attempt) + dt.timedelta(seconds=1)
        assert worker.run_once() == 1
    now[0] += dt.timedelta(days=1)
    assert worker.run_once() == 0
    assert len(receiver.received) == 3
    assert len({g.headers["Veche-Delivery"] for g in receiver.received}) == 1
    with open_rt.db.session(write=False) as s:
        row = s.scalars(select(OutboxItem)).one()
        assert (row.status, row.attempts, row.last_status) == ("failed", 3, 500)
        assert row.last_error == "HTTP 500: database is down"


def test_a_refusing_receiver_fails_at_once(
    client: TestClient, world: World, open_rt: Runtime, receiver: Receiver
) -> None:
    """A 4xx other than 408/425/429 is final: the same signed body would be refused again."""
    receiver.answer(401, body=b"bad signature")
    _a, admin = world.user("ada", role=Role.admin)
    add_hook(client, admin, receiver.url)
    client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "Hello."},
                headers=bearer(admin))  # fmt: skip
    assert deliver(open_rt) == 1
    rows = Webhooks(open_rt).deliveries("news", CONSOLE)
    assert [(d.status, d.attempts, d.last_status) for d in rows] == [("failed", 1, 401)]


def test_private_targets_are_refused_when_added_and_when_sent(
    client: TestClient, world: World, rt: Runtime, receiver: Receiver
) -> None:
    _a, admin = world.user("ada", role=Role.admin)
    r = client.post(hooks(), json={"url": receiver.url}, headers=bearer(admin))
    assert "loopback" in error(r, 422, "invalid_input")["message"]
    # Added while the instance allowed private targets, then the setting was turned off:
    # the send checks again and refuses, for good, without connecting.
    allowed = replace(rt.config, webhooks_allow_private=True)
    Webhooks(Runtime(allowed, rt.db, rt.limiter)).add("news", receiver.url, CONSOLE)
    client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "Hi."},
                headers=bearer(admin))  # fmt: skip
    assert deliver(rt) == 1
    assert receiver.received == []
    (row,) = Webhooks(rt).deliveries("news", CONSOLE)
    assert row.status == "failed" and row.attempts == 1
    assert row.last_error is not None and "loopback address" in row.last_error


def test_only_admins_manage_webhooks(client: TestClient, world: World, open_rt: Runtime) -> None:
    _m, mod = world.user("maria", role=Role.moderator)
    _a, admin = world.user("ada", role=Role.admin)
    url = "https://93.184.215.14/hook"
    error(client.get(hooks()), 401, "auth_required")
    for token in (mod,):
        error(client.get(hooks(), headers=bearer(token)), 403, "forbidden")
        r = client.post(hooks(), json={"url": url}, headers=bearer(token))
        error(r, 403, "forbidden")
        error(client.get("/api/v1/sites/news/webhook-deliveries", headers=bearer(token)), 403,
              "forbidden")  # fmt: skip
    hook = add_hook(client, admin, url)
    error(client.delete(f"{hooks()}/{hook['id']}", headers=bearer(mod)), 403,
          "forbidden")  # fmt: skip
    listed = client.get(hooks(), headers=bearer(admin)).json()["webhooks"]
    assert [h["id"] for h in listed] == [hook["id"]]
    assert listed[0]["secret"] is None  # shown once, at creation
    r = client.post(hooks(), json={"url": url, "events": ["comment.liked"]},
                    headers=bearer(admin))  # fmt: skip
    error(r, 422, "invalid_input")
    error(client.get(hooks("nowhere"), headers=bearer(admin)), 404, "not_found")
    Stories(open_rt).create_site("other", SiteSettings())
    r = client.delete(f"{hooks('other')}/{hook['id']}", headers=bearer(admin))
    error(r, 404, "not_found")
    patch = f"{hooks()}/{hook['id']}"
    error(client.patch(patch, json={"active": False}, headers=bearer(mod)), 403, "forbidden")
    r = client.patch(patch, json={"active": False}, headers=bearer(admin))
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["secret"] is None
    r = client.delete(f"{hooks()}/{hook['id']}", headers=bearer(admin))
    assert r.json() == {"id": hook["id"], "removed": True, "dropped_deliveries": 0}
    assert client.get(hooks(), headers=bearer(admin)).json()["webhooks"] == []


def test_a_paused_webhook_gets_nothing_until_resumed(
    client: TestClient, world: World, open_rt: Runtime, receiver: Receiver
) -> None:
    svc = Webhooks(open_rt)
    hook = svc.add("news", receiver.url, CONSOLE)
    _a, admin = world.user("ada", role=Role.admin)
    story = f"/api/v1/stories/{world.story.id}/comments"
    client.post(story, json={"body": "Queued, then paused."}, headers=bearer(admin))
    delivery.follower(open_rt).run_once()
    assert svc.set_active(hook.id, False, CONSOLE).active is False
    client.post(story, json={"body": "While paused."}, headers=bearer(admin))
    assert deliver(open_rt) == 1
    assert receiver.received == []
    (row,) = svc.deliveries("news", CONSOLE)
    assert (row.status, row.last_error) == ("failed", "endpoint disabled")
    svc.set_active(hook.id, True, CONSOLE)
    client.post(story, json={"body": "Resumed."}, headers=bearer(admin))
    assert deliver(open_rt) == 1
    (body,) = received_json(receiver, str(hook.secret))
    assert body["comment"]["body_text"].startswith("Resumed.")


def test_removing_a_webhook_drops_its_waiting_deliveries(
    client: TestClient, world: World, open_rt: Runtime
) -> None:
    svc = Webhooks(open_rt)
    hook = svc.add("news", "https://93.184.215.14/hook", CONSOLE)
    _a, admin = world.user("ada", role=Role.admin)
    client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "Hi."},
                headers=bearer(admin))  # fmt: skip
    delivery.follower(open_rt).run_once()
    assert svc.remove(hook.id, CONSOLE) == 1
    (row,) = svc.deliveries("news", CONSOLE)
    assert (row.status, row.last_error, row.attempts) == ("failed", "endpoint removed", 0)
    assert OutboxWorker(open_rt, default_handlers(open_rt)).run_once() == 0
    with pytest.raises(InvalidInput, match="liked"):
        svc.add("news", "https://93.184.215.14/hook", CONSOLE, events=["comment.liked"])


def test_the_cli_manages_webhooks(
    cli: CliRunner, client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch,
    receiver: Receiver,
) -> None:  # fmt: skip
    refused = cli.invoke(main, ["webhook", "add", "news", receiver.url])
    assert refused.exit_code == 1 and "loopback" in refused.output
    assert "Traceback" not in refused.output
    monkeypatch.setenv("VECHE_WEBHOOKS_ALLOW_PRIVATE", "true")
    added = cli.invoke(main, ["webhook", "add", "news", receiver.url, "--event",
                              "comment.created", "--event", "comment.edited"])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "events: comment.created, comment.edited" in added.output
    secret = added.output.split("secret: ")[1].split()[0]
    assert secret.startswith("whsec_")
    listed = cli.invoke(main, ["webhook", "list", "news"])
    assert receiver.url in listed.output and secret not in listed.output
    assert "No webhook deliveries" in cli.invoke(main, ["webhook", "deliveries", "news"]).output
    _a, admin = world.user("ada", role=Role.admin)
    r = client.post(f"/api/v1/stories/{world.story.id}/comments",
                    json={"body": "Through the CLI."}, headers=bearer(admin))  # fmt: skip
    assert r.status_code == 201, r.text
    rt = replace_allowing(world.rt)
    assert deliver(rt) == 1
    log = cli.invoke(main, ["webhook", "deliveries", "news"])
    assert "comment.created\tsent\t1\t204" in log.output, log.output
    (body,) = received_json(receiver, secret)
    assert body["comment"]["body_text"].startswith("Through the CLI.")
    hook_id = added.output.split("Added webhook ")[1].split()[0]
    paused = cli.invoke(main, ["webhook", "disable", hook_id])
    assert paused.exit_code == 0 and "is paused" in paused.output
    assert "inactive" in cli.invoke(main, ["webhook", "list", "news"]).output
    assert "is active" in cli.invoke(main, ["webhook", "enable", hook_id]).output
    removed = cli.invoke(main, ["webhook", "remove", hook_id])
    assert removed.exit_code == 0 and f"Removed webhook {hook_id}" in removed.output
    again = cli.invoke(main, ["webhook", "remove", hook_id])
    assert again.exit_code == 1 and "There is no webhook" in again.output
    missing = cli.invoke(main, ["webhook", "list", "nowhere"])
    assert missing.exit_code == 1 and "no site named" in missing.output


def replace_allowing(rt: Runtime) -> Runtime:
    return Runtime(replace(rt.config, webhooks_allow_private=True), rt.db, rt.limiter)


def test_a_replayed_batch_queues_nothing_twice(
    client: TestClient, world: World, open_rt: Runtime
) -> None:
    Webhooks(open_rt).add("news", "https://93.184.215.14/hook", CONSOLE)
    Webhooks(open_rt).add("news", "https://93.184.215.15/hook", CONSOLE)
    _a, admin = world.user("ada", role=Role.admin)
    client.post(f"/api/v1/stories/{world.story.id}/comments", json={"body": "Once."},
                headers=bearer(admin))  # fmt: skip
    from veche.store.models import Event

    with open_rt.db.session() as s:
        events = list(s.scalars(select(Event)))
        now = open_rt.clock()
        assert delivery.queue_events(s, events, base_url="https://x", now=now) == 2
        assert delivery.queue_events(s, events, base_url="https://x", now=now) == 0


def test_permalinks_match_the_pages() -> None:
    assert payloads.comment_path(7, 42) == comment_href(7, 42)
