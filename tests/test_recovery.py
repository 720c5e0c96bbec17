"""Verification, password reset and sign-up without enumeration, end to end through the
outbox and the real SMTP server: read the mail, follow the link (API and pages)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.account_helpers import csrf_of, deliver, link_in, sign_in_form, text_of, token_of
from tests.conftest import PASSWORD, MailBox, World, bearer, error
from veche.service.runtime import Runtime
from veche.store.models import User
from veche.store.reader_models import AccountToken

NEW = "lantern over quiet harbour"


def signup(client: TestClient, handle: str, email: str) -> dict[str, object]:
    r = client.post(
        "/api/v1/auth/signup", json={"handle": handle, "password": PASSWORD, "email": email}
    )
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def user_row(rt: Runtime, handle: str) -> User:
    with rt.db.session(write=False) as s:
        user = s.scalars(select(User).where(User.handle == handle)).one()
        s.expunge(user)
        return user


def test_sign_up_mails_a_link_that_verifies_the_address_once(
    client: TestClient, world: World, smtp: MailBox
) -> None:
    signup(client, "ruta", "ruta@example.org")
    assert user_row(world.rt, "ruta").email_verified_at is None
    (mail,) = deliver(world.rt, smtp, 1)
    assert mail["To"] == "ruta@example.org"
    assert mail["Subject"] == "Confirm your email address"
    path = link_in(mail)
    assert path.startswith("/account/verify?token=")
    page = client.get(path)  # the page, as a reader's mail client opens it
    assert page.status_code == 200 and "ruta@example.org is confirmed" in page.text
    assert user_row(world.rt, "ruta").email_verified_at is not None
    again = client.get(path)
    assert again.status_code == 422 and "expired or was already used" in again.text
    err = error(
        client.post("/api/v1/auth/verify", json={"token": token_of(path)}), 422, "invalid_input"
    )
    assert err["field"] == "token"
    with world.rt.db.session(write=False) as s:  # only a hash of the token is stored
        stored = s.scalars(select(AccountToken.token_hash)).all()
    assert token_of(path) not in stored and len(stored) == 1


def test_verification_through_the_api(client: TestClient, world: World, smtp: MailBox) -> None:
    body = signup(client, "ruta", "ruta@example.org")
    token = str(body["token"])
    me = client.get("/api/v1/me", headers=bearer(token)).json()
    assert (me["email"], me["email_verified"]) == ("ruta@example.org", False)
    r = client.post("/api/v1/me/email/verify", headers=bearer(token))  # resend
    assert r.status_code == 200
    first, second = deliver(world.rt, smtp, 2)
    r = client.post("/api/v1/auth/verify", json={"token": token_of(link_in(second))})
    assert r.status_code == 200 and "is confirmed" in r.json()["message"]
    assert client.get("/api/v1/me", headers=bearer(token)).json()["email_verified"] is True
    # The older link was spent with it: only the newest proof counts.
    r = client.post("/api/v1/auth/verify", json={"token": token_of(link_in(first))})
    error(r, 422, "invalid_input")


def test_sign_up_with_a_taken_address_answers_the_same_and_tells_its_owner(
    client: TestClient, world: World, smtp: MailBox
) -> None:
    signup(client, "ruta", "ruta@example.org")
    fresh = client.post(
        "/api/v1/auth/signup",
        json={"handle": "someone", "password": PASSWORD, "email": "new@example.org"},
    )
    taken = client.post(
        "/api/v1/auth/signup",
        json={"handle": "mallory", "password": PASSWORD, "email": "RUTA@example.org"},
    )
    assert fresh.status_code == taken.status_code == 201
    assert set(fresh.json()) == set(taken.json()) == {"token", "user"}
    assert set(fresh.json()["user"]) == set(taken.json()["user"])
    assert "email" not in taken.text and "exists" not in taken.text
    mails = deliver(world.rt, smtp, 3)
    to_ruta = [m for m in mails if m["To"] == "ruta@example.org"]
    assert [m["Subject"] for m in to_ruta] == [
        "Confirm your email address",
        "Someone tried to sign up with your address",
    ]
    assert "handle: ruta" in text_of(to_ruta[1])
    assert "/account/forgot" in text_of(to_ruta[1])
    assert user_row(world.rt, "mallory").email is None  # the address stays ruta's
    assert user_row(world.rt, "ruta").email == "ruta@example.org"
    # Nor does the new account's own page or a sign-in by the address tell (found by
    # review: mallory's page showed no address, someone's showed theirs).
    pages = [
        client.get("/api/v1/me", headers=bearer(str(r.json()["token"]))).json()
        for r in (fresh, taken)
    ]
    assert [(p["email"], p["email_verified"]) for p in pages] == [
        ("new@example.org", False),
        ("ruta@example.org", False),
    ]
    for login in ("new@example.org", "ruta@example.org"):
        error(client.post("/api/v1/auth/signin", json={"login": login, "password": PASSWORD}),
              401, "bad_credentials")  # fmt: skip


def test_password_reset_by_api_answers_alike_and_signs_out_everywhere(
    client: TestClient, world: World, smtp: MailBox
) -> None:
    uid, old_session = world.user("ruta", email="ruta@example.org")
    known = client.post("/api/v1/auth/reset-request", json={"email": "ruta@example.org"})
    unknown = client.post("/api/v1/auth/reset-request", json={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    (mail,) = deliver(world.rt, smtp, 1)
    assert mail["To"] == "ruta@example.org" and mail["Subject"] == "Reset your password"
    token = token_of(link_in(mail))
    weak = client.post("/api/v1/auth/reset", json={"token": token, "password": "Password1!"})
    assert "too weak" in error(weak, 422, "invalid_input")["message"]
    r = client.post("/api/v1/auth/reset", json={"token": token, "password": NEW})
    assert r.status_code == 200, r.text
    fresh = r.json()["token"]
    assert r.json()["user"]["id"] == uid
    error(client.get("/api/v1/me", headers=bearer(old_session)), 401, "auth_required")
    assert client.get("/api/v1/me", headers=bearer(fresh)).status_code == 200
    again = client.post("/api/v1/auth/reset", json={"token": token, "password": NEW + " 2"})
    assert "expired" in error(again, 422, "invalid_input")["message"]
    assert (
        client.post("/api/v1/auth/signin", json={"login": "ruta", "password": NEW}).status_code
        == 200
    )
    error(
        client.post("/api/v1/auth/signin", json={"login": "ruta", "password": PASSWORD}),
        401,
        "bad_credentials",
    )


def test_reset_link_expires(client: TestClient, world: World, smtp: MailBox) -> None:
    world.user("ruta", email="ruta@example.org")
    start = dt.datetime.now(dt.UTC)
    world.rt.clock = lambda: start
    client.post("/api/v1/auth/reset-request", json={"email": "ruta@example.org"})
    (mail,) = deliver(world.rt, smtp, 1)
    world.rt.clock = lambda: start + dt.timedelta(hours=1, seconds=1)
    r = client.post("/api/v1/auth/reset", json={"token": token_of(link_in(mail)), "password": NEW})
    error(r, 422, "invalid_input")
    assert client.get(link_in(mail)).status_code == 410


def test_password_reset_through_the_pages(client: TestClient, world: World, smtp: MailBox) -> None:
    world.user("ruta", email="ruta@example.org")
    assert "Forgot your password?" in client.get("/signin").text
    page = client.get("/account/forgot")
    for address in ("ruta@example.org", "nobody@example.org"):
        r = client.post("/account/forgot", data={"email": address, "csrf": csrf_of(page.text)})
        assert r.status_code == 200 and "If that address belongs to an account" in r.text
    forged = client.post("/account/forgot", data={"email": "ruta@example.org", "csrf": "x"})
    assert forged.status_code == 403
    (mail,) = deliver(world.rt, smtp, 1)
    form = client.get(link_in(mail))
    assert form.status_code == 200 and 'name="token"' in form.text
    data = {"token": token_of(link_in(mail)), "password": NEW, "csrf": csrf_of(form.text)}
    r = client.post("/account/reset", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?done=reset"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    account = client.get(r.headers["location"])
    assert account.status_code == 200 and "Your password is changed" in account.text
    client.cookies.clear()
    assert sign_in_form(client, "ruta", NEW).status_code == 303


def test_a_password_change_spends_the_links_mailed_before(
    client: TestClient, world: World, smtp: MailBox
) -> None:
    """A reset link sent before the owner changed the password (perhaps because someone
    else had the mailbox) no longer works after (found by review)."""
    _uid, session = world.user("ruta", email="ruta@example.org")
    client.post("/api/v1/auth/reset-request", json={"email": "ruta@example.org"})
    (mail,) = deliver(world.rt, smtp, 1)
    r = client.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW},
                    headers=bearer(session))  # fmt: skip
    assert r.status_code == 200, r.text
    late = client.post(
        "/api/v1/auth/reset", json={"token": token_of(link_in(mail)), "password": NEW + " 2"}
    )
    assert "expired" in error(late, 422, "invalid_input")["message"]
