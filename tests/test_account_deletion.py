"""Deleting an account erases the person and keeps the thread readable: numbering, replies
and quotes intact; comments become the "deleted" placeholder or stay anonymised."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.account_helpers import csrf_of, sign_in_form
from tests.conftest import PASSWORD, World, bearer, error
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.runtime import Viewer
from veche.service.stories import SiteSettings, Stories
from veche.store.models import AuthSession, Comment, CommentRevision, Event, User
from veche.store.reader_models import AccountToken, OutboxItem


def post(world: World, token: str, body: str, parent: int | None = None) -> int:
    who = Viewer(user=Accounts(world.rt).resolve(token), ip="127.0.0.1", token=token)
    comment, _ = Comments(world.rt).create(world.story.id, Draft(body, parent), who)
    return comment.id


def flat(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in comments:
        out.append(c)
        out.extend(flat(c["replies"]))
    return out


def thread(client: TestClient, world: World) -> dict[int, dict[str, Any]]:
    body = client.get(f"/api/v1/stories/{world.story.id}/comments").json()
    return {c["id"]: c for c in flat(body["comments"])}


def conversation(world: World) -> tuple[str, dict[str, int]]:
    """ann and bob talk; returns ann's token and the comment ids by name."""
    _a, ann = world.user("ann", email="ann@example.org", display_name="Ann Smith")
    _b, bob = world.user("bob")
    ids = {"ann1": post(world, ann, "Ann's first words")}
    ids["bob1"] = post(world, bob, "Bob answers Ann", ids["ann1"])
    ids["ann2"] = post(world, ann, "Ann answers Bob", ids["bob1"])
    ids["bob2"] = post(world, bob, "Bob's own thread")
    Comments(world.rt).edit(
        ids["ann1"], "Ann's first words, edited",
        Viewer(user=Accounts(world.rt).resolve(ann), ip="127.0.0.1", token=ann),
    )  # fmt: skip
    return ann, ids


def test_delete_with_placeholders_keeps_numbering_and_replies(
    client: TestClient, world: World
) -> None:
    ann, ids = conversation(world)
    before = thread(client, world)
    error(client.request("DELETE", "/api/v1/me", json={"password": "not it at all"},
                         headers=bearer(ann)), 401, "bad_credentials")  # fmt: skip
    with world.rt.db.session(write=False) as s:
        events_before = s.scalar(select(func.count()).select_from(Event))
    r = client.request("DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=bearer(ann))
    assert r.status_code == 204, r.text
    after = thread(client, world)
    assert set(after) == set(before)
    for cid, c in after.items():
        assert (c["number"], c["parent_id"]) == (before[cid]["number"], before[cid]["parent_id"])
    for name in ("ann1", "ann2"):
        gone = after[ids[name]]
        assert gone["status"] == "deleted" and gone["author"] is None
        assert gone["placeholder"] == "The comment was deleted." and gone["body_html"] is None
    assert after[ids["bob1"]]["body_html"] == before[ids["bob1"]]["body_html"]
    assert after[ids["bob1"]]["parent_id"] == ids["ann1"]
    assert after[ids["ann2"]]["parent_id"] == ids["bob1"]
    with world.rt.db.session(write=False) as s:
        user = s.scalars(select(User).where(User.handle_key == "[deleted]#1")).one()
        assert (user.handle, user.email, user.display_name, user.password_hash) == (
            "[deleted]", None, None, None,
        )  # fmt: skip
        assert user.deleted_at is not None
        assert s.scalars(select(AuthSession).where(AuthSession.user_id == user.id)).all() == []
        assert s.scalars(select(AccountToken).where(AccountToken.user_id == user.id)).all() == []
        words = s.scalars(select(Comment.body_src).where(Comment.author_id == user.id)).all()
        assert words == ["", ""]
        assert s.scalars(select(CommentRevision)).all() == []  # the edit's old words too
        assert s.scalar(select(func.count()).select_from(Event)) == (events_before or 0) + 2
    error(client.get("/api/v1/me", headers=bearer(ann)), 401, "auth_required")
    for login in ("ann", "ann@example.org"):
        r = client.post("/api/v1/auth/signin", json={"login": login, "password": PASSWORD})
        error(r, 401, "bad_credentials")
    assert client.get("/users/ann").status_code == 404
    # The address and the handle are free for someone new.
    r = client.post(
        "/api/v1/auth/signup",
        json={"handle": "ann", "password": PASSWORD, "email": "ann@example.org"},
    )
    assert r.status_code == 201
    page = client.get(f"/stories/{world.story.id}")
    assert page.status_code == 200 and "The comment was deleted." in page.text
    assert "Bob answers Ann" in page.text and "Ann's first words" not in page.text


def test_delete_where_the_site_anonymises(client: TestClient, world: World) -> None:
    Stories(world.rt).update_site(
        "news", SiteSettings(moderation={"deleted_accounts": "anonymise"})
    )
    ann, ids = conversation(world)
    before = thread(client, world)
    r = client.request("DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=bearer(ann))
    assert r.status_code == 204
    after = thread(client, world)
    for name in ("ann1", "ann2"):
        kept = after[ids[name]]
        assert kept["status"] == "visible" and kept["body_html"] == before[ids[name]]["body_html"]
        assert kept["author"]["handle"] == "[deleted]"
        assert kept["author"]["display_name"] is None and kept["author"]["online"] is False
        assert kept["number"] == before[ids[name]]["number"]
    assert "Ann Smith" not in client.get(f"/stories/{world.story.id}").text


def test_delete_from_the_account_page(client: TestClient, world: World) -> None:
    _a, ann = world.user("ann", email="ann@example.org")
    post(world, ann, "Words to erase")
    assert sign_in_form(client, "ann", PASSWORD).status_code == 303
    csrf = csrf_of(client.get("/account").text)
    forged = client.post("/account/delete", data={"password": PASSWORD, "csrf": "nope"})
    assert forged.status_code == 403
    wrong = client.post("/account/delete", data={"password": "wrong wrong", "csrf": csrf})
    assert wrong.status_code == 401 and "not your current password" in wrong.text
    r = client.post("/account/delete", data={"password": PASSWORD, "csrf": csrf})
    assert r.status_code == 200 and "Your account is deleted" in r.text
    assert 'veche_session=""' in r.headers["set-cookie"]
    assert "Signed in as" not in r.text
    client.cookies.clear()
    assert "Words to erase" not in client.get(f"/stories/{world.story.id}").text


def test_the_site_setting_is_declared_once(cli: CliRunner, world: World) -> None:
    from veche.cli.main import main

    out = cli.invoke(main, ["site", "update", "news", "--deleted-accounts", "anonymise"])
    assert out.exit_code == 0, out.output
    bad = cli.invoke(main, ["site", "update", "news", "--deleted-accounts", "vanish"])
    assert bad.exit_code != 0 and "placeholder, anonymise" in bad.output


def test_delete_takes_their_notifications_and_their_name_from_others(
    client: TestClient, world: World
) -> None:
    """Ann was told of Bob's reply and Bob of Ann's: afterwards Ann's list is gone and
    Bob's names nobody."""
    from veche.service.notifications import Notifications
    from veche.store.reader_models import Notification

    ann, ids = conversation(world)
    Notifications(world.rt).follower().run_once()
    with world.rt.db.session(write=False) as s:
        before = {(n.actor, n.comment_id) for n in s.scalars(select(Notification))}
    assert ("bob", ids["bob1"]) in before and ("ann", ids["ann2"]) in before
    from veche.notify.mail import Mail, queue_mail

    with world.rt.db.session() as s:  # a reset mail with its link, and an SSO avatar
        queue_mail(s, Mail(to="ann@example.org", subject="Reset", text="https://x/r?t=1"),
                   now=world.rt.clock())  # fmt: skip
        ann_row = s.get(User, _uid_of(world, "ann"))
        assert ann_row is not None
        ann_row.avatar_url = "https://cdn.news.example/ann.png"
    r = client.request("DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=bearer(ann))
    assert r.status_code in (200, 204), r.text
    with world.rt.db.session(write=False) as s:
        after = {(n.actor, n.actor_id, n.comment_id) for n in s.scalars(select(Notification))}
    assert after == {("[deleted]", None, ids["ann2"])}
    with world.rt.db.session(write=False) as s:
        gone = s.get(User, _uid_of(world, "[deleted]"))
        assert gone is not None and gone.avatar_url is None and gone.email is None
        assert not s.scalars(select(OutboxItem).where(OutboxItem.target == "ann@example.org")).all()


def _uid_of(world: World, handle: str) -> int:
    with world.rt.db.session(write=False) as s:
        uid = s.scalar(select(User.id).where(User.handle == handle))
    assert uid is not None
    return uid
