"""OpenID Connect sign-in against a real provider (oidc-provider, run by Node on loopback).

The reader's part at the provider (its login and consent pages) is done over HTTP by the
harness; veche's part goes through the app. Refusals end on a page, never a traceback.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import ORIGIN, World, bearer
from tests.live_helpers import free_port
from tests.oidc.harness import Provider, running
from veche.service import oidc
from veche.service.stories import SiteSettings, Stories
from veche.store.models import User
from veche.store.reader_models import Identity

CALLBACK = "https://veche.test/auth/oidc/news/callback"
ACCOUNTS: dict[str, dict[str, object]] = {
    "denis-1": {
        "preferred_username": "Denis Z", "name": "Denis Zhukov",
        "email": "denis@example.org", "email_verified": True,
    },
    "boss-7": {"preferred_username": "admin", "name": "Moderator"},
}  # fmt: skip


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running(ACCOUNTS) as p:
        yield p


@pytest.fixture
def site(world: World, provider: Provider) -> World:
    client_id, secret = provider.register(CALLBACK)
    auth = {
        "oidc_issuer": provider.issuer, "oidc_client_id": client_id,
        "oidc_client_secret": secret, "oidc_label": "Sign in with Test ID",
    }  # fmt: skip
    Stories(world.rt).update_site("news", SiteSettings(auth=auth))
    return world


def start(client: TestClient, query: str = "next=/stories/1") -> str:
    r = client.get(f"/auth/oidc/news/start?{query}", follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def back(provider: Provider, client: TestClient, login: str, **kw: bool) -> str:
    """Start at veche, sign in at the provider: the callback path veche is sent back to."""
    url = provider.sign_in(start(client), login, **kw)
    assert url.startswith(CALLBACK + "?"), url
    return url.removeprefix("https://veche.test")


def users(world: World) -> int:
    with world.rt.db.session(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(User)) or 0)


def refused(r: Any, status: int, words: str) -> None:
    """A page that says what happened, and no session."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert words in r.text, r.text
    assert "Traceback" not in r.text
    assert "Start again" in r.text
    assert "veche_session=" not in r.headers.get("set-cookie", "")


def test_start_asks_for_code_with_pkce_and_keeps_the_flow_in_a_strict_cookie(
    site: World, client: TestClient, provider: Provider
) -> None:
    r = client.get("/auth/oidc/news/start?next=/stories/1", follow_redirects=False)
    assert r.status_code == 303
    url = urlsplit(r.headers["location"])
    assert f"{url.scheme}://{url.netloc}" == provider.issuer
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert q["response_type"] == "code"
    assert q["code_challenge_method"] == "S256"
    assert len(q["code_challenge"]) == 43  # base64url of a SHA-256
    assert q["redirect_uri"] == CALLBACK
    assert "openid" in q["scope"].split()
    assert q["state"] and q["nonce"] and q["state"] != q["nonce"]
    cookie = SimpleCookie(r.headers["set-cookie"])["veche_oidc"]
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/auth/oidc/"
    assert 0 < int(cookie["max-age"]) <= 600
    # The verifier never leaves for the provider; only its hash does.
    flow = oidc.unseal(site.rt.secret, cookie.value, site.rt.clock().timestamp())
    assert flow is not None and flow.verifier not in r.headers["location"]


def test_first_sign_in_makes_a_member_the_next_finds_them(
    site: World, client: TestClient, provider: Provider
) -> None:
    before = users(site)
    r = client.get(back(provider, client, "ruta-42"), follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/stories/1"
    me = client.get("/api/v1/auth/me").json()
    assert me["handle"] == "ruta-42"  # preferred_username, read from the userinfo endpoint
    assert users(site) == before + 1

    client.cookies.clear()
    r = client.get(back(provider, client, "ruta-42"), follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/v1/auth/me").json()["id"] == me["id"]
    assert users(site) == before + 1
    with site.rt.db.session(write=False) as s:
        ident = s.scalars(select(Identity)).one()
    assert (ident.provider, ident.subject, ident.user_id) == ("oidc", "ruta-42", me["id"])
    assert ident.site_id == site.story.site_id


def test_a_taken_or_look_alike_handle_gets_a_number(
    site: World, client: TestClient, provider: Provider
) -> None:
    site.user("D\u0435nis_Z")  # a Cyrillic e: it reads as "Denis Z"
    r = client.get(back(provider, client, "denis-1"), follow_redirects=False)
    assert r.status_code == 303, r.text
    me = client.get("/api/v1/auth/me").json()
    assert me["handle"] == "Denis Z-2"
    assert me["display_name"] == "Denis Zhukov"
    with site.rt.db.session(write=False) as s:
        assert s.get(User, me["id"]).email == "denis@example.org"  # type: ignore[union-attr]

    client.cookies.clear()
    client.get(back(provider, client, "boss-7"), follow_redirects=False)
    me = client.get("/api/v1/auth/me").json()
    assert me["handle"].startswith("member-")  # no staff title, as handle or as name
    assert me["display_name"] is None
    assert me["role"] == "reader"


def test_a_state_that_does_not_match_is_refused(
    site: World, client: TestClient, provider: Provider
) -> None:
    path = back(provider, client, "ruta-42")
    forged = re.sub(r"state=[^&]+", "state=someone-elses-state", path)
    refused(client.get(forged), 400, "does not match the one you started")
    client.cookies.clear()  # another browser: no flow cookie at all
    refused(client.get(path), 400, "expired or was started in another browser")
    # RFC 9207: the answer names its provider, and it must be the site's.
    path = back(provider, client, "ruta-42")
    assert "iss=" in path
    mixed = re.sub(r"iss=[^&]+", "iss=https%3A%2F%2Fid.example.com", path)
    refused(client.get(mixed), 400, "came from another sign-in provider")
    assert users(site) == 0


def test_a_replayed_code_is_refused_by_the_provider(
    site: World, client: TestClient, provider: Provider
) -> None:
    path = back(provider, client, "ruta-42")
    flow_cookie = client.cookies.get("veche_oidc")
    assert flow_cookie
    assert client.get(path, follow_redirects=False).status_code == 303
    assert users(site) == 1
    # The callback is replayed, flow cookie and all (as someone who copied both would): the
    # state still matches, so it is the provider that refuses the used code.
    client.cookies.clear()
    client.cookies.set("veche_oidc", flow_cookie, domain="veche.test", path="/auth/oidc/")
    refused(client.get(path), 400, "did not accept this sign-in")
    assert users(site) == 1


def test_an_id_token_for_another_nonce_or_a_wrong_verifier_is_refused(
    site: World, client: TestClient, provider: Provider
) -> None:
    """The code is genuine; the flow cookie is re-sealed with the server's own key, so only
    the nonce (or the PKCE verifier) differs: the ID token (or the provider) must refuse."""
    secret = site.rt.secret
    for change, words in (
        ({"nonce": "a-nonce-from-another-sign-in"}, "could not be verified"),
        ({"verifier": "v" * 64}, "did not accept this sign-in"),
    ):
        client.cookies.clear()
        path = back(provider, client, "ruta-42")
        now = site.rt.clock().timestamp()
        flow = oidc.unseal(secret, client.cookies.get("veche_oidc"), now)
        assert flow is not None
        client.cookies.set(
            "veche_oidc", oidc.seal(secret, replace(flow, **change)),  # type: ignore[arg-type]
            domain="veche.test", path="/auth/oidc/",
        )  # fmt: skip
        refused(client.get(path), 400, words)
    assert users(site) == 0


def test_cancelled_consent_is_a_clear_page(
    site: World, client: TestClient, provider: Provider
) -> None:
    refused(client.get(back(provider, client, "ruta-42", consent=False)), 400, "cancelled")
    assert users(site) == 0


def test_a_provider_that_does_not_answer_is_a_clear_page(world: World, client: TestClient) -> None:
    auth = {"oidc_issuer": f"http://127.0.0.1:{free_port()}", "oidc_client_id": "veche"}
    Stories(world.rt).update_site("news", SiteSettings(auth=auth))
    refused(client.get("/auth/oidc/news/start?next=/stories/1"), 502, "did not answer")


def test_a_provider_gone_before_the_code_is_exchanged_is_a_clear_page(
    world: World, client: TestClient
) -> None:
    with running() as gone:
        client_id, secret = gone.register(CALLBACK)
        auth = {
            "oidc_issuer": gone.issuer, "oidc_client_id": client_id,
            "oidc_client_secret": secret,
        }  # fmt: skip
        Stories(world.rt).update_site("news", SiteSettings(auth=auth))
        path = back(gone, client, "ruta-42")
    # The provider has stopped between the reader's consent and veche's token request.
    refused(client.get(path), 502, "did not answer")
    assert users(world) == 0


def test_a_site_without_provider_has_no_oidc(world: World, client: TestClient) -> None:
    r = client.get("/auth/oidc/news/start")
    assert r.status_code == 404
    assert "no sign-in provider" in r.text
    assert client.get("/auth/oidc/nowhere/callback?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/signin?next=/stories/1").text


def test_the_popup_hands_the_session_to_an_allowed_origin_only(
    site: World, client: TestClient, provider: Provider
) -> None:
    refused(client.get("/auth/oidc/news/start?origin=https://evil.example"), 400, "may not sign in")
    url = provider.sign_in(start(client, f"origin={ORIGIN}"), "ruta-42")
    r = client.get(url.removeprefix("https://veche.test"))
    assert r.status_code == 200, r.text
    assert "veche_session=" not in r.headers.get("set-cookie", "")
    data = json.loads(re.search(r'id="veche-oidc">(.*?)</script>', r.text).group(1))  # type: ignore[union-attr]
    assert data["origin"] == ORIGIN
    assert data["user"]["handle"] == "ruta-42"
    assert '<script src="/static/oidc-popup.js"' in r.text
    me = client.get("/api/v1/auth/me", headers=bearer(data["token"]))
    assert me.json()["handle"] == "ruta-42"


def test_sign_in_pages_and_the_gate_offer_the_provider(site: World, client: TestClient) -> None:
    page = client.get(f"/signin?next=/stories/{site.story.id}").text
    assert 'href="/auth/oidc/news/start?next=/stories/' in page
    assert "Sign in with Test ID" in page
    story = client.get(f"/stories/{site.story.id}").text
    assert 'class="oidc-signin button"' in story
    # What embed.js puts in the publisher's page: links to veche's origin (a popup there).
    thread = client.get(f"/fragments/thread?story={site.story.id}").text
    overlay = client.get(f"/fragments/overlay?story={site.story.id}").text
    assert 'href="https://veche.test/auth/oidc/news/start?next=/stories/' in thread + overlay


class _Discovery(http.server.BaseHTTPRequestHandler):
    """A provider's discovery document on loopback: counted, slow, or naming another issuer."""

    hits: list[str] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        host = f"http://{self.headers['host']}"
        issuer = host + self.path.split("/.well-known/")[0]
        if self.path.startswith("/slow/"):
            time.sleep(1.0)
        if self.path.startswith("/other/"):
            issuer = "https://id.example.com"
        doc = {
            "issuer": issuer, "authorization_endpoint": f"{issuer}/auth",
            "token_endpoint": f"{issuer}/token", "jwks_uri": f"{issuer}/jwks",
        }  # fmt: skip
        body = json.dumps(doc).encode()
        with suppress(OSError):  # veche gave up on the slow one already
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def discovery() -> Iterator[tuple[str, list[str]]]:
    """The server's address, and the paths it was asked for."""
    hits: list[str] = []
    handler = type("Handler", (_Discovery,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_discovery_is_cached_bounded_in_time_and_must_name_its_issuer(
    discovery: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, hits = discovery
    metadata = oidc._Metadata()
    doc = metadata.discovery(f"{base}/fast")
    assert doc["token_endpoint"] == f"{base}/fast/token"
    assert metadata.discovery(f"{base}/fast") == doc
    assert hits == ["/fast/.well-known/openid-configuration"]  # asked once

    monkeypatch.setattr(oidc, "TIMEOUT", 0.2)
    with pytest.raises(oidc.ProviderDown, match="did not answer"):
        metadata.discovery(f"{base}/slow")
    with pytest.raises(oidc.ProviderDown, match="another issuer"):
        metadata.discovery(f"{base}/other")
