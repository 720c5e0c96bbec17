"""How refusals look: forged forms echo nothing; wrong passwords are 401; input is strict."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import ORIGIN, PASSWORD, World, bearer, error
from tests.test_pages import csrf_of, sign_in
from veche.domain import validation

ATTACK = "Vote for the attacker's candidate ATTACKTEXT"


def test_a_cross_origin_form_post_echoes_nothing(client: TestClient, world: World) -> None:
    sign_in(client, world, "ann")
    url = f"/stories/{world.story.id}/comments"
    token = csrf_of(client.get(f"/stories/{world.story.id}").text)
    for headers, data in (
        ({"Origin": "https://evil.example"}, {"body": ATTACK, "csrf": token}),
        ({}, {"body": ATTACK, "csrf": "forged"}),
        ({}, {"body": ATTACK}),
    ):
        r = client.post(url, data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403, r.text
        assert "ATTACKTEXT" not in r.text
        assert 'name="csrf"' not in r.text and "<textarea" not in r.text
        assert "came from" in r.text  # says why, in words
    for path, fields in (
        ("/signin", {"login": "ATTACKTEXT", "password": "x"}),
        ("/signup", {"handle": "ATTACKTEXT", "password": PASSWORD}),
    ):
        r = client.post(path, data={**fields, "csrf": "forged"}, follow_redirects=False)
        assert r.status_code == 403 and "ATTACKTEXT" not in r.text and 'name="csrf"' not in r.text
    assert "ATTACKTEXT" not in client.get(f"/stories/{world.story.id}").text


def test_a_signed_out_form_from_our_own_origin_survives_a_replaced_cookie(
    client: TestClient, world: World
) -> None:
    """Signed out, a token bound to an anonymous cookie that a late response in another tab
    replaced must not lose the reader's sign-in: the browser's Origin says it is ours. With
    no Origin, or another site's, the token is still required."""
    world.user("ann")
    form = {"login": "ann", "password": PASSWORD, "csrf": "stale-token", "next": "/"}
    for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"}):
        r = client.post("/signin", data=form, headers=headers, follow_redirects=False)
        assert r.status_code == 403, headers
    r = client.post(
        "/signin", data=form, headers={"Origin": "https://veche.test"}, follow_redirects=False
    )
    assert r.status_code == 303 and "veche_session" in r.headers["set-cookie"]
    # Signed in, the session is ambient authority: a same-origin form still needs the token.
    r = client.post(
        f"/stories/{world.story.id}/comments",
        data={"body": ATTACK, "csrf": "stale-token"},
        headers={"Origin": "https://veche.test"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "ATTACKTEXT" not in r.text


def test_other_form_refusals_keep_the_readers_text(client: TestClient, world: World) -> None:
    sign_in(client, world, "ann")
    token = csrf_of(client.get(f"/stories/{world.story.id}").text)
    r = client.post(
        f"/stories/{world.story.id}/comments",
        data={"body": "My own words " + "x" * 6000, "csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "My own words" in r.text and 'name="csrf"' in r.text


def test_the_api_refuses_forgery_as_json(client: TestClient, world: World) -> None:
    sign_in(client, world, "ann")
    r = client.post(
        f"/api/v1/stories/{world.story.id}/comments",
        json={"body": ATTACK},
        headers={"Origin": "https://evil.example"},
    )
    error(r, 403, "forbidden")


def test_a_wrong_password_is_401(client: TestClient, world: World) -> None:
    world.user("ann")
    r = client.post("/api/v1/auth/signin", json={"login": "ann", "password": "not the password"})
    err = error(r, 401, "bad_credentials")
    assert err["message"] == "Wrong handle, email or password."
    unknown = client.post("/api/v1/auth/signin", json={"login": "nobody", "password": "x" * 12})
    error(unknown, 401, "bad_credentials")
    empty = client.post("/api/v1/auth/signin", json={"login": "", "password": ""})
    error(empty, 422, "invalid_input")
    token = csrf_of(client.get("/signin").text)
    page = client.post("/signin", data={"login": "ann", "password": "nope", "csrf": token})
    assert page.status_code == 401 and "Wrong handle, email or password." in page.text
    assert 'value="ann"' in page.text  # their login stays in the box


def test_json_ids_and_strings_are_strict(client: TestClient, world: World) -> None:
    _u, token = world.user("ann")
    url = f"/api/v1/stories/{world.story.id}/comments"
    first = client.post(url, json={"body": "first"}, headers=bearer(token)).json()
    for bad in (
        {"body": "reply", "parent_id": True},
        {"body": "reply", "parent_id": str(first["id"])},
        {"body": "reply", "parent_id": first["id"] + 0.5},
        {"body": 12345},
        {"body": "x", "quote": {"source": "comment", "comment_id": True, "text": "first"}},
        {"body": "x", "idempotency_key": 123456789},
    ):
        r = client.post(url, json=bad, headers=bearer(token))
        error(r, 422, "invalid_input")
    for bad_auth in ({"login": 1234, "password": PASSWORD}, {"login": True, "password": "x"}):
        error(client.post("/api/v1/auth/signin", json=bad_auth), 422, "invalid_input")
    ok = client.post(url, json={"body": "reply", "parent_id": first["id"]}, headers=bearer(token))
    assert ok.status_code == 201 and ok.json()["parent_id"] == first["id"]


def test_undecodable_urls_are_refused(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/threads?url=https://news.example/%FF")
    err = error(r, 422, "invalid_input")
    assert err["field"] == "url"
    assert client.get("/embed/discussion?url=https://news.example/%C3%28").status_code == 422
    # A well-formed escape decodes (GETs never create, so the embed's POST opens it first).
    opened = client.post(
        "/api/v1/threads", json={"url": f"{ORIGIN}/été"}, headers={"Origin": ORIGIN}
    )
    assert opened.status_code in (200, 201), opened.text
    ok = client.get("/api/v1/threads?url=https://news.example/%C3%A9t%C3%A9")
    assert ok.status_code == 200 and ok.json()["story"]["url"] == f"{ORIGIN}/été"


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_controls_are_stripped_everywhere(client: TestClient, world: World) -> None:
    """One rule for bodies, names and titles: explicit direction controls are removed."""
    _u, token = world.user("ann")
    url = f"/api/v1/stories/{world.story.id}/comments"
    r = client.post(url, json={"body": f"pay \u202eevil\u202c now {BIDI}"}, headers=bearer(token))
    assert r.status_code == 201
    made = r.json()
    assert not set(BIDI) & set(made["body_markdown"] + made["body_html"])
    assert made["body_markdown"] == "pay evil now"
    edited = client.patch(
        f"/api/v1/comments/{made['id']}", json={"body": "\u2067edit\u2069"}, headers=bearer(token)
    )
    assert edited.json()["body_markdown"] == "edit"
    error(client.post(url, json={"body": BIDI}, headers=bearer(token)), 422, "invalid_input")
    assert validation.handle("an\u202en") == "ann"
    assert validation.display_name("Ann \u2066Lee\u2069") == "Ann Lee"
    assert validation.title("Storm \u202ecuts") == "Storm cuts"
    assert validation.comment_body("\u05e9\u05dc\u05d5\u05dd \u200fok", 100) == (
        "\u05e9\u05dc\u05d5\u05dd \u200fok"  # right-to-left text and plain marks stay
    )
