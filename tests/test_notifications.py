"""Replies and mentions: one notification and one mail each, however often the feed is
followed; RFC 8058 unsubscribe; held comments wait for approval; digests group."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from tests.conftest import MailBox, World, bearer, error, with_config
from veche.domain.enums import Role
from veche.notify.handlers import default_handlers
from veche.notify.worker import OutboxWorker
from veche.service.digest import Digest
from veche.service.notifications import Notifications
from veche.service.runtime import Runtime
from veche.service.stories import SiteSettings, Stories
from veche.store.models import Comment
from veche.store.reader_models import Notification, OutboxItem


def post(client: TestClient, world: World, token: str, body: str, **kw: Any) -> dict[str, Any]:
    r = client.post(
        f"/api/v1/stories/{kw.pop('story', world.story.id)}/comments",
        json={"body": body, **kw}, headers=bearer(token),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


def follow(rt: Runtime, times: int = 2) -> None:
    """The follower, run as often as a restart or a second node might."""
    for _ in range(times):
        Notifications(rt).follower().run_once()


def deliver(rt: Runtime, smtp: MailBox) -> int:
    mailing = with_config(rt, smtp_url=smtp.url)
    return OutboxWorker(mailing, default_handlers(mailing)).run_once()


def rows(rt: Runtime) -> list[tuple[int, str, int]]:
    with rt.db.session(write=False) as s:
        found = s.execute(
            select(Notification.user_id, Notification.kind, Notification.comment_id).order_by(
                Notification.id
            )
        )
        return [(u, k.value, c) for u, k, c in found]


def mail_count(rt: Runtime) -> int:
    with rt.db.session(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(OutboxItem)) or 0)


def test_a_mention_is_a_safe_profile_link_resolved_at_write(
    client: TestClient, world: World
) -> None:
    bob, _t = world.user("bob")
    denis, _t = world.user("Denis Z")
    _a, alice = world.user("alice")
    body = (
        "Thanks @bob, and @[Denis Z] (also @Denis_Z). Not mail: alice@bob.example, "
        "not code: `@bob`, not a link: [@bob](https://elsewhere.example), "
        'not a ghost: @nobody, not raw: <a data-mention="1" class="mention">x</a>\n\n'
        "```\n@bob in a code block\n```"
    )
    made = post(client, world, alice, body)
    with world.rt.db.session(write=False) as s:
        stored = s.get(Comment, made["id"])
        assert stored is not None
        html, text = stored.body_html, stored.body_text
    links = re.findall(r"<a [^>]*>[^<]*</a>", html)
    assert links[0] == (
        f'<a href="https://veche.test/users/bob" class="mention" data-mention="{bob}" '
        'rel="nofollow ugc noopener noreferrer">@bob</a>'
    )
    assert (
        f'href="https://veche.test/users/Denis%20Z" class="mention" data-mention="{denis}"'
        in (links[1])
    )
    assert links[1] == links[2]  # both spellings name the same member
    assert len(re.findall(r'<a [^>]*class="mention"', html)) == 3
    assert "alice@bob.example" in html and "<code>@bob</code>" in html
    assert "<pre><code>@bob in a code block" in html
    assert (
        '<a href="https://elsewhere.example" rel="nofollow ugc noopener noreferrer">@bob</a>'
        in (html)
    )
    assert "@nobody" in html and "&lt;a data-mention" in html
    assert text.startswith("Thanks @bob, and @Denis Z (also @Denis Z)")
    assert made["body_html"] == html  # the API answers with the stored rendering


def test_mentions_are_limited_per_comment(client: TestClient, world: World) -> None:
    names = [f"reader{i}" for i in range(7)]
    for name in names:
        world.user(name)
    _a, alice = world.user("alice")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if "FROM users" in sql and "handle_key IN" in sql:
            statements.append(sql)

    event.listen(world.rt.db.engine, "before_cursor_execute", seen)
    try:
        made = post(client, world, alice, " ".join(f"@{n}" for n in names))
    finally:
        event.remove(world.rt.db.engine, "before_cursor_execute", seen)
    assert len(statements) == 1  # every candidate handle in one lookup
    with world.rt.db.session(write=False) as s:
        html = s.get(Comment, made["id"]).body_html  # type: ignore[union-attr]
    assert html.count('class="mention"') == 5
    assert "@reader5 @reader6" in html  # left as text
    follow(world.rt)
    assert len(rows(world.rt)) == 5


def test_a_reply_and_a_mention_each_make_one_notification_and_one_mail(
    client: TestClient, world: World, smtp: MailBox
) -> None:
    alice_id, alice = world.user("alice", email="alice@example.org", verified=True)
    carol_id, _c = world.user("carol", email="carol@example.org", verified=True)
    bob_id, bob = world.user("bob", email="bob@example.org", verified=True)
    first = post(client, world, alice, "The road is closed.")
    # Bob answers Alice, mentions Carol, and Alice again, and himself.
    reply = post(
        client, world, bob, "@alice @carol it reopened at noon. — @bob", parent_id=first["id"]
    )
    follow(world.rt, 3)
    assert rows(world.rt) == [(alice_id, "reply", reply["id"]), (carol_id, "mention", reply["id"])]
    assert deliver(world.rt, smtp) == 2
    mails = {m["To"]: m for m in smtp.wait_for(2)}
    assert set(mails) == {"alice@example.org", "carol@example.org"}
    to_alice = mails["alice@example.org"]
    assert to_alice["Subject"].startswith("bob replied to your comment")
    assert to_alice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = to_alice["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith(f"https://veche.test/unsubscribe/{alice_id}/")
    text = to_alice.get_body(("plain",))
    html = to_alice.get_body(("html",))
    assert text is not None and html is not None
    link = f"https://veche.test/stories/{world.story.id}/comments/{reply['id']}#c{reply['id']}"
    assert link in text.get_content() and unsubscribe in text.get_content()
    assert f'href="{link}"' in html.get_content() and "<img" not in html.get_content()
    # Followed again, delivered again: nothing more.
    follow(world.rt)
    assert deliver(world.rt, smtp) == 0 and len(rows(world.rt)) == 2
    # Bob's own page says nothing; Alice's says one unread, linking to the permalink.
    assert client.get("/api/v1/me/notifications", headers=bearer(bob)).json()["unread"] == 0
    page = client.get("/api/v1/me/notifications", headers=bearer(alice)).json()
    assert page["unread"] == 1
    (item,) = page["items"]
    assert (item["kind"], item["actor"], item["url"], item["read"]) == ("reply", "bob", link, False)
    assert bob_id != alice_id


def test_an_address_nobody_proved_gets_no_mail(
    client: TestClient, world: World, smtp: MailBox
) -> None:
    """Anyone may type any address at sign-up: until its link is followed, the page tells
    them, the mail does not."""
    dana_id, dana = world.user("dana", email="dana@example.org")
    _b, bob = world.user("bob")
    first = post(client, world, dana, "Is the ferry running?")
    reply = post(client, world, bob, "Since this morning.", parent_id=first["id"])
    follow(world.rt)
    assert rows(world.rt) == [(dana_id, "reply", reply["id"])]
    assert deliver(world.rt, smtp) == 0 and mail_count(world.rt) == 0
    assert client.get("/api/v1/me/notifications", headers=bearer(dana)).json()["unread"] == 1


def test_an_edit_that_adds_a_mention_tells_once(client: TestClient, world: World) -> None:
    carol_id, _c = world.user("carol")
    _a, alice = world.user("alice")
    made = post(client, world, alice, "Who saw the bridge?")
    follow(world.rt)
    assert rows(world.rt) == []
    for body in ("Who saw the bridge, @carol?", "Who saw the bridge, @carol? Anyone?"):
        r = client.patch(f"/api/v1/comments/{made['id']}", json={"body": body},
                         headers=bearer(alice))  # fmt: skip
        assert r.status_code == 200, r.text
        follow(world.rt)
    assert rows(world.rt) == [(carol_id, "mention", made["id"])]


def test_the_one_click_post_unsubscribes_and_stops_the_mails(
    client: TestClient, world: World, smtp: MailBox
) -> None:
    alice_id, alice = world.user("alice", email="alice@example.org", verified=True)
    _b, bob = world.user("bob")
    first = post(client, world, alice, "Is the ferry running?")
    post(client, world, bob, "Yes.", parent_id=first["id"])
    follow(world.rt)
    deliver(world.rt, smtp)
    (mail,) = smtp.wait_for(1)
    url = mail["List-Unsubscribe"].strip().strip("<>")
    path = url.removeprefix("https://veche.test")
    # A forged link is refused; a GET only asks (link scanners follow every GET).
    assert client.get(path[:-4] + "0000").status_code == 404
    assert client.post(f"/unsubscribe/{alice_id + 1}/{path.rsplit('/', 1)[1]}").status_code == 404
    confirm = client.get(path)
    assert confirm.status_code == 200 and f'action="{path}"' in confirm.text
    assert client.get("/api/v1/me/notification-settings", headers=bearer(alice)).json() == {
        "mail": "immediate", "has_email": True,
    }  # fmt: skip
    # RFC 8058: the mail client POSTs the body, with no cookie and no token.
    fresh = TestClient(client.app, base_url="https://veche.test")
    r = fresh.post(path, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200 and "unsubscribed" in r.text
    assert client.get("/api/v1/me/notification-settings", headers=bearer(alice)).json()["mail"] == (
        "off"
    )
    post(client, world, bob, "And @alice, it is on time.", parent_id=first["id"])
    follow(world.rt)
    assert len(rows(world.rt)) == 2  # still told in the page
    assert deliver(world.rt, smtp) == 0 and mail_count(world.rt) == 1


def test_held_comments_tell_no_one_until_approved(client: TestClient, world: World) -> None:
    alice_id, alice = world.user("alice")
    _b, bob = world.user("bob")
    _m, mod = world.user("maria", role=Role.moderator)
    first = post(client, world, alice, "The council met today.")
    Stories(world.rt).update_site("news", SiteSettings(moderation={"premoderation": "all"}))
    held = post(client, world, bob, "@alice what did they decide?", parent_id=first["id"])
    assert held["status"] == "pending"
    follow(world.rt)
    assert rows(world.rt) == []
    r = client.post(f"/api/v1/comments/{held['id']}/decision",
                    json={"action": "approve"}, headers=bearer(mod))  # fmt: skip
    assert r.status_code == 200, r.text
    follow(world.rt)
    assert rows(world.rt) == [(alice_id, "reply", held["id"])]


def test_banned_members_and_guests_are_not_told(client: TestClient, world: World) -> None:
    _a, alice = world.user("alice")
    _t, troll = world.user("troll")
    _m, mod = world.user("maria", role=Role.moderator)
    r = client.post("/api/v1/users/troll/restrictions", json={"ban": True, "reason": "spam"},
                    headers=bearer(mod))  # fmt: skip
    assert r.status_code == 200, r.text
    post(client, world, alice, "@troll please stop.")
    follow(world.rt)
    assert rows(world.rt) == []
    assert troll


def test_the_list_marks_read_and_needs_a_member(client: TestClient, world: World) -> None:
    _a, alice = world.user("alice")
    _b, bob = world.user("bob")
    first = post(client, world, alice, "First.")
    for n in range(3):
        post(client, world, bob, f"Reply {n}.", parent_id=first["id"])
    follow(world.rt)
    error(client.get("/api/v1/me/notifications"), 401, "auth_required")
    page = client.get("/api/v1/me/notifications?limit=2", headers=bearer(alice)).json()
    assert page["unread"] == 3 and len(page["items"]) == 2 and page["next_before"]
    older = client.get(
        f"/api/v1/me/notifications?before={page['next_before']}", headers=bearer(alice)
    ).json()
    assert len(older["items"]) == 1
    one = page["items"][0]["id"]
    r = client.post("/api/v1/me/notifications/read", json={"ids": [one]}, headers=bearer(alice))
    assert r.json() == {"unread": 2}
    # Bob cannot mark Alice's.
    client.post("/api/v1/me/notifications/read", json={}, headers=bearer(bob))
    r = client.post("/api/v1/me/notifications/read", json={}, headers=bearer(alice))
    assert r.json() == {"unread": 0}
    error(
        client.post("/api/v1/me/notification-settings", json={"mail": "weekly"},
                    headers=bearer(alice)),
        422, "invalid_input",
    )  # fmt: skip


def test_a_daily_digest_groups_what_waited(client: TestClient, world: World, smtp: MailBox) -> None:
    _a, alice = world.user("alice", email="alice@example.org", verified=True)
    _b, bob = world.user("bob")
    r = client.post("/api/v1/me/notification-settings", json={"mail": "digest"},
                    headers=bearer(alice))  # fmt: skip
    assert r.json() == {"mail": "digest", "has_email": True}
    other = world.other_story("bridge")
    first = post(client, world, alice, "Storm first.")
    second = post(client, world, alice, "Bridge first.", story=other.id)
    post(client, world, bob, "Storm reply.", parent_id=first["id"])
    post(client, world, bob, "Bridge reply.", parent_id=second["id"], story=other.id)
    post(client, world, bob, "And @alice again.", story=other.id)
    follow(world.rt)
    assert len(rows(world.rt)) == 3 and mail_count(world.rt) == 0
    clock = [dt.datetime(2025, 12, 5, 7, 0, tzinfo=dt.UTC)]  # past: the worker sends it now
    world.rt.clock = lambda: clock[0]
    digest = Digest(world.rt, hour=8)
    digest.run_once()
    assert mail_count(world.rt) == 0  # not before the hour
    clock[0] = clock[0].replace(hour=9)
    digest.run_once()
    digest.run_once()
    assert deliver(world.rt, smtp) == 1
    (mail,) = smtp.wait_for(1)
    assert mail["Subject"] == "Your veche digest: 3 new (2025-12-05)"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",))
    assert text is not None
    content = text.get_content()
    assert content.index("Storm cuts the coast road") < content.index("Story bridge")
    assert "Storm reply." in content and "Bridge reply." in content and "mentioned you" in content
    # Something new the same day waits for tomorrow's digest.
    post(client, world, bob, "Late reply.", parent_id=first["id"])
    follow(world.rt)
    digest.run_once()
    assert mail_count(world.rt) == 1
    clock[0] += dt.timedelta(days=1)
    digest.run_once()
    assert mail_count(world.rt) == 2


def test_pages_without_javascript(client: TestClient, world: World) -> None:
    """The list and the mail setting's form, with the cookie session and its CSRF token."""
    from tests.test_pages import csrf_of, sign_in_as

    _a, alice = world.user("alice", email="alice@example.org", verified=True)
    _b, bob = world.user("bob")
    assert client.get("/notifications", follow_redirects=False).status_code == 303
    first = post(client, world, alice, "Anyone at the hall?")
    post(client, world, bob, "I am, <b>@alice</b>.", parent_id=first["id"])
    follow(world.rt)
    sign_in_as(client, "alice")
    listed = client.get("/notifications")
    assert "(1 unread)" in listed.text and "<strong>bob</strong> replied" in listed.text
    assert "I am, &lt;b&gt;@alice&lt;/b&gt;." in listed.text  # plain text, escaped
    assert "<b>@alice" not in listed.text
    r = client.post("/notifications/read", data={"csrf": csrf_of(listed.text)},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "unread" not in client.get("/notifications").text
    form = client.get("/account/notifications")
    assert 'value="immediate" checked' in form.text
    # Without its token the form is refused; with it, saved.
    assert client.post("/account/notifications", data={"mail": "off"}).status_code == 403
    r = client.post("/account/notifications", data={"mail": "digest", "csrf": csrf_of(form.text)})
    assert r.status_code == 200 and 'value="digest" checked' in r.text and "Saved." in r.text
    bad = client.post("/account/notifications", data={"mail": "hourly", "csrf": csrf_of(form.text)})
    assert bad.status_code == 422


def test_words_a_moderator_took_down_are_never_mailed(
    client: TestClient, world: World, smtp: MailBox
) -> None:
    """Told while published, removed before the mail went: neither the digest nor a waiting
    immediate mail carries the words (found by review: the digest did)."""
    _a, alice = world.user("alice", email="alice@example.org", verified=True)
    _c, _carol = world.user("carol", email="carol@example.org", verified=True)
    _b, bob = world.user("bob")
    _m, mod = world.user("maria", role=Role.moderator)
    r = client.post("/api/v1/me/notification-settings", json={"mail": "digest"},
                    headers=bearer(alice))  # fmt: skip
    assert r.status_code == 200
    doxx = post(client, world, bob, "@alice @carol you live at 12 Secret Lane")
    kept = post(client, world, bob, "@alice the ferry runs again")
    follow(world.rt)
    assert mail_count(world.rt) == 1  # carol's immediate mail, queued, not yet sent
    r = client.post(f"/api/v1/comments/{doxx['id']}/remove", json={"reason": "Abuse or insult"},
                    headers=bearer(mod))  # fmt: skip
    assert r.status_code == 200, r.text
    assert deliver(world.rt, smtp) == 1  # tried once, refused for good
    with world.rt.db.session(write=False) as s:
        (row,) = s.scalars(select(OutboxItem)).all()
        assert row.status == "failed" and "no longer published" in (row.last_error or "")
    clock = [dt.datetime(2025, 12, 5, 9, 0, tzinfo=dt.UTC)]
    world.rt.clock = lambda: clock[0]
    Digest(world.rt, hour=8).run_once()
    assert deliver(world.rt, smtp) == 1
    (mail,) = smtp.wait_for(1)
    assert mail["To"] == "alice@example.org"
    text = mail.get_body(("plain",))
    assert text is not None
    assert "ferry runs again" in text.get_content() and "Secret Lane" not in text.get_content()
    assert kept["id"] != doxx["id"]
