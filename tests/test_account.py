"""The account page and /api/v1/me: name, email, password, sessions, presence, export,
and the public profile."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.account_helpers import csrf_of, deliver, link_in, sign_in_form, token_of
from tests.conftest import PASSWORD, MailBox, World, bearer, error
from veche.domain.enums import CommentStatus
from veche.service.accounts import Accounts
from veche.service.comments import Comments, Draft
from veche.service.runtime import Viewer
from veche.store.models import Comment, User

NEW = "lantern over quiet harbour"


def post(world: World, token: str, body: str, parent: int | None = None) -> int:
    """A comment through the real write path, as the member holding `token`."""
    who = Viewer(user=Accounts(world.rt).resolve(token), ip="127.0.0.1", token=token)
    comment, _ = Comments(world.rt).create(world.story.id, Draft(body, parent), who)
    return comment.id


def test_weak_passwords_are_refused_with_a_reason(client: TestClient, world: World) -> None:
    for weak in ("Password1!", "qwerty1234", "iloveyou12"):
        r = client.post("/api/v1/auth/signup", json={"handle": "ruta", "password": weak})
        err = error(r, 422, "invalid_input")
        assert err["field"] == "password" and err["message"].startswith("The password is too weak:")
        assert "common" in err["message"]
    r = client.post("/api/v1/auth/signup", json={"handle": "ruta", "password": PASSWORD})
    assert r.status_code == 201


def test_me_api_name_presence_password_and_sessions(client: TestClient, world: World) -> None:
    uid, token = world.user("ruta", email="ruta@example.org")
    _u, other = world.user("bob")
    second = client.post("/api/v1/auth/signin", json={"login": "ruta", "password": PASSWORD})
    laptop = second.json()["token"]
    me = client.get("/api/v1/me", headers=bearer(token)).json()
    assert (me["id"], me["email"], me["hide_presence"]) == (uid, "ruta@example.org", False)
    assert me["profile_url"] == "https://veche.test/users/ruta"
    error(client.get("/api/v1/me"), 401, "auth_required")
    r = client.patch(
        "/api/v1/me", json={"display_name": "Ruta K", "hide_presence": True}, headers=bearer(token)
    )
    assert r.status_code == 200 and r.json()["display_name"] == "Ruta K"
    assert r.json()["hide_presence"] is True
    err = error(
        client.patch("/api/v1/me", json={"display_name": "<b>"}, headers=bearer(token)),
        422,
        "invalid_input",
    )
    assert err["field"] == "display_name"
    sessions = client.get("/api/v1/me/sessions", headers=bearer(token)).json()
    assert len(sessions) == 2 and [s["current"] for s in sessions].count(True) == 1
    assert all("token" not in s and "token_hash" not in s for s in sessions)
    # The password needs the current one, and signs the other sessions out.
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "not my password", "new_password": NEW},
        headers=bearer(token),
    )
    assert error(wrong, 401, "bad_credentials")["field"] == "current_password"
    weak = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "qwerty1234"},
        headers=bearer(token),
    )
    error(weak, 422, "invalid_input")
    r = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW},
        headers=bearer(token),
    )
    assert r.status_code == 200 and r.json() == {"signed_out": 1}
    error(client.get("/api/v1/me", headers=bearer(laptop)), 401, "auth_required")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200  # bob's own
    # One session at a time, and only one's own.
    third = client.post("/api/v1/auth/signin", json={"login": "ruta", "password": NEW}).json()
    listed = client.get("/api/v1/me/sessions", headers=bearer(token)).json()
    theirs = next(s["id"] for s in listed if not s["current"])
    error(client.delete(f"/api/v1/me/sessions/{theirs}", headers=bearer(other)), 404, "not_found")
    assert client.delete(f"/api/v1/me/sessions/{theirs}", headers=bearer(token)).status_code == 204
    error(client.get("/api/v1/me", headers=bearer(third["token"])), 401, "auth_required")


def test_hidden_presence_is_never_shown_online(client: TestClient, world: World) -> None:
    _uid, token = world.user("ruta")
    world.rt.clock = lambda: dt.datetime.now(dt.UTC)
    post(world, token, "hello")
    thread = f"/api/v1/stories/{world.story.id}/comments"
    client.get("/api/v1/me", headers=bearer(token))
    assert client.get(thread).json()["comments"][0]["author"]["online"] is True
    client.patch("/api/v1/me", json={"hide_presence": True}, headers=bearer(token))
    from veche.store import presence

    with world.rt.db.session(write=False) as s:
        since = world.rt.clock() - dt.timedelta(minutes=5)
        assert presence.online_users(s, since) == {}
        assert presence.online_authors(s, world.story.id, since) == {}
    # Shared renderings keep their dots for at most page_cache_ttl, as when one goes offline.
    now = world.rt.clock()
    world.rt.clock = lambda: now + dt.timedelta(seconds=world.rt.config.page_cache_ttl + 1)
    fresh = client.get(thread).json()
    assert fresh["comments"][0]["author"]["online"] is False


def test_change_email_needs_the_link_and_names_no_owner(
    client: TestClient, world: World, smtp: MailBox
) -> None:
    _uid, token = world.user("ruta", email="ruta@example.org")
    world.user("bob", email="bob@example.org")
    r = client.post(
        "/api/v1/me/email",
        json={"email": "ruta@new.example", "password": PASSWORD},
        headers=bearer(token),
    )
    taken = client.post(
        "/api/v1/me/email",
        json={"email": "bob@example.org", "password": PASSWORD},
        headers=bearer(token),
    )
    assert r.status_code == taken.status_code == 200
    assert client.get("/api/v1/me", headers=bearer(token)).json()["email"] == "ruta@example.org"
    mails = deliver(world.rt, smtp, 2)
    by_to = {m["To"]: m for m in mails}
    assert by_to["bob@example.org"]["Subject"] == "Someone tried to sign up with your address"
    verify = by_to["ruta@new.example"]
    assert client.get(link_in(verify)).status_code == 200
    me = client.get("/api/v1/me", headers=bearer(token)).json()
    assert (me["email"], me["email_verified"]) == ("ruta@new.example", True)
    wrong = client.post(
        "/api/v1/me/email", json={"email": "x@example.org", "password": "nope nope"},
        headers=bearer(token),
    )  # fmt: skip
    error(wrong, 401, "bad_credentials")
    assert token_of(link_in(verify))


def test_export_has_profile_comments_and_sessions_without_tokens(
    client: TestClient, world: World
) -> None:
    _uid, token = world.user("ruta", email="ruta@example.org")
    first = post(world, token, "My first comment")
    r = client.get("/api/v1/me/export", headers=bearer(token))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["profile"]["email"] == "ruta@example.org"
    assert [c["id"] for c in data["comments"]] == [first]
    assert data["comments"][0]["body_markdown"] == "My first comment"
    assert len(data["sessions"]) == 1 and token not in r.text
    with world.rt.db.session(write=False) as s:
        hashes = s.scalars(select(User.password_hash)).all()
    assert all(h not in r.text for h in hashes if h)


def test_account_page_forms_work_without_javascript(client: TestClient, world: World) -> None:
    world.user("ruta", email="ruta@example.org")
    assert client.get("/account", follow_redirects=False).headers["location"] == (
        "/signin?next=/account"
    )
    assert sign_in_form(client, "ruta", PASSWORD).status_code == 303
    page = client.get("/account")
    assert page.status_code == 200 and "ruta@example.org" in page.text
    csrf = csrf_of(page.text)
    r = client.post(
        "/account/name", data={"display_name": "Ruta K", "csrf": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/account?done=name"
    assert 'value="Ruta K"' in client.get("/account").text
    forged = client.post("/account/name", data={"display_name": "Evil", "csrf": "nope"})
    assert forged.status_code == 403
    cross = client.post(
        "/account/name", data={"display_name": "Evil", "csrf": csrf},
        headers={"Origin": "https://evil.example"},
    )  # fmt: skip
    assert cross.status_code == 403
    r = client.post("/account/presence", data={"hide": "1", "csrf": csrf})
    assert r.status_code == 200 and "checked" in r.text
    bad = client.post(
        "/account/password",
        data={"current_password": "wrong one here", "new_password": NEW, "csrf": csrf},
    )
    assert bad.status_code == 401 and "not your current password" in bad.text
    export = client.get("/account/export")
    assert export.status_code == 200 and export.json()["profile"]["handle"] == "ruta"
    r = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": NEW, "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "other sessions are signed out" in client.get(r.headers["location"]).text


def test_public_profile_shows_only_visible_comments_paged(client: TestClient, world: World) -> None:
    _uid, token = world.user("Ruta K", display_name="Ruta Kalnina")
    ids = [post(world, token, f"comment number {n}") for n in range(25)]
    with world.rt.db.session() as s:
        for cid, status in zip(
            ids[-3:],
            (CommentStatus.pending, CommentStatus.removed, CommentStatus.shadowed),
            strict=True,
        ):
            s.get(Comment, cid).status = status  # type: ignore[union-attr]
    page = client.get("/users/Ruta%20K")
    assert page.status_code == 200 and "Ruta Kalnina" in page.text
    assert f'href="/stories/{world.story.id}/comments/{ids[21]}#c{ids[21]}"' in page.text
    for hidden in ids[-3:]:
        assert f'#c{hidden}"' not in page.text
    api = client.get("/api/v1/users/ruta k").json()
    visible = ids[:22]
    assert [c["id"] for c in api["comments"]] == visible[::-1][:20]
    assert api["next_before"] == visible[2]
    assert f'href="?before={visible[2]}"' in page.text
    older = client.get(f"/api/v1/users/Ruta K?before={api['next_before']}").json()
    assert [c["id"] for c in older["comments"]] == [visible[1], visible[0]]
    assert older["next_before"] is None
    assert client.get("/users/nobody").status_code == 404
    error(client.get("/api/v1/users/nobody"), 404, "not_found")


def test_a_member_without_a_password_proves_a_recent_sign_in_for_risky_changes(
    client: TestClient, world: World
) -> None:
    """An SSO member has no password to give: an old session token (one a script on the
    publisher's page could have read) may not change the address or delete the account; a
    sign-in of the last minutes may (found by review: any password was accepted)."""
    from tests.test_sso import SECRET, sign
    from veche.service.stories import SiteSettings, Stories

    Stories(world.rt).update_site("news", SiteSettings(auth={"sso_secret": SECRET}))
    r = client.post("/api/v1/auth/sso", json={"site": "news", "token": sign(SECRET)})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    later = world.rt.clock() + dt.timedelta(minutes=11)
    world.rt.clock = lambda: later
    change = {"email": "attacker@evil.example", "password": ""}
    err = error(client.post("/api/v1/me/email", json=change, headers=bearer(token)), 403,
                "forbidden")  # fmt: skip
    assert "sign in again" in err["message"]
    error(client.request("DELETE", "/api/v1/me", json={"password": ""}, headers=bearer(token)),
          403, "forbidden")  # fmt: skip
    # A fresh sign-in through the publisher is the proof.
    r = client.post("/api/v1/auth/sso", json={"site": "news", "token": sign(SECRET)})
    fresh = r.json()["token"]
    assert client.post("/api/v1/me/email", json=change, headers=bearer(fresh)).status_code == 200
