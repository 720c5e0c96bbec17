"""Publisher SSO through POST /api/v1/auth/sso, on SQLite and PostgreSQL.

Tokens are signed here with PyJWT as a publisher's backend would: an HS256 secret, an RSA
key pasted into the site's settings, and an Ed25519 key published in a JWKS that a loopback
HTTP server serves.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import PASSWORD, World, bearer, error
from veche.cli.main import main as cli_main
from veche.domain import site_auth
from veche.domain.errors import InvalidInput
from veche.service.stories import SiteSettings, Stories
from veche.store.models import Site, User
from veche.store.reader_models import Identity, UsedSsoToken

SECRET = "publisher-shared-secret-0123456789-abcdef"


def public_pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(key: Any, alg: str = "HS256", headers: dict[str, Any] | None = None, **claims: Any) -> str:
    """A token as the publisher's backend makes it; a claim given as None is left out."""
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": "42", "handle": "Aigerim", "name": "Aigerim S.", "email": "aigerim@news.example",
        "aud": "news", "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex,
    }  # fmt: skip
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


def forge_hs256(secret: bytes, **claims: Any) -> str:
    """An HS256 token made by hand with any bytes as the secret (PyJWT will not use a PEM):
    the old algorithm-confusion attack on a site that has only a public key."""
    from jwt.utils import base64url_encode

    header = base64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    unsigned = jwt.decode(sign(SECRET, **claims), options={"verify_signature": False})
    body = base64url_encode(json.dumps(unsigned).encode())
    mac = hmac.new(secret, header + b"." + body, hashlib.sha256).digest()
    return (header + b"." + body + b"." + base64url_encode(mac)).decode()


def exchange(client: TestClient, token: str, site: str = "news") -> Any:
    return client.post("/api/v1/auth/sso", json={"site": site, "token": token})


def set_auth(world: World, **changes: object) -> None:
    Stories(world.rt).update_site("news", SiteSettings(auth=changes))


@pytest.fixture
def hs(world: World) -> World:
    set_auth(world, sso_secret=SECRET)
    return world


def test_hs256_token_opens_a_session_keyed_by_site_and_subject(
    client: TestClient, hs: World
) -> None:
    r = exchange(client, sign(SECRET))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["handle"] == "Aigerim"
    assert body["user"]["display_name"] == "Aigerim S." and body["user"]["role"] == "reader"
    me = client.get("/api/v1/auth/me", headers=bearer(body["token"]))
    assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]
    with hs.rt.db.session(write=False) as s:
        ident = s.scalars(select(Identity)).one()
        user = s.get(User, body["user"]["id"])
        assert user is not None
        assert (ident.provider, ident.subject, ident.user_id) == ("sso", "42", user.id)
        assert user.email == "aigerim@news.example" and user.password_hash is None


def test_rs256_with_a_pasted_key(client: TestClient, world: World) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    set_auth(world, sso_public_key=public_pem(key))
    r = exchange(client, sign(key, "RS256", sub="rsa-1", handle="Marat"))
    assert r.status_code == 200, r.text
    assert r.json()["user"]["handle"] == "Marat"
    # The public key is no HMAC secret: a token "signed" with it as one is refused.
    forged = forge_hs256(public_pem(key).encode(), sub="rsa-1")
    error(exchange(client, forged), 401, "sso_bad_signature")


class _Jwks(BaseHTTPRequestHandler):
    body = b"{}"
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, type[_Jwks]]]:
    handler = type("Jwks", (_Jwks,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json", handler
    server.shutdown()
    server.server_close()
    thread.join()


def test_eddsa_key_from_a_jwks_url(
    client: TestClient, world: World, jwks_server: tuple[str, type[_Jwks]]
) -> None:
    url, handler = jwks_server
    key = ed25519.Ed25519PrivateKey.generate()
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
    handler.body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig"}]}).encode()
    set_auth(world, sso_jwks_url=url)
    r = exchange(client, sign(key, "EdDSA", headers={"kid": "k1"}, sub="ed-1", handle="Dana"))
    assert r.status_code == 200, r.text
    assert r.json()["user"]["handle"] == "Dana"
    # Another key the set does not hold, and a kid it does not know: bad signatures.
    other = ed25519.Ed25519PrivateKey.generate()
    error(exchange(client, sign(other, "EdDSA", headers={"kid": "k1"})), 401, "sso_bad_signature")
    error(exchange(client, sign(key, "EdDSA", headers={"kid": "k9"})), 401, "sso_bad_signature")


def test_an_unreachable_jwks_is_a_503_to_retry(client: TestClient, world: World) -> None:
    from tests.live_helpers import free_port

    set_auth(world, sso_jwks_url=f"http://127.0.0.1:{free_port()}/jwks.json")  # nobody there
    key = ed25519.Ed25519PrivateKey.generate()
    r = exchange(client, sign(key, "EdDSA", headers={"kid": "k1"}))
    error(r, 503, "sso_keys_unavailable")
    assert int(r.headers["retry-after"]) > 0


def test_expired_bad_signature_other_site_and_replayed(client: TestClient, hs: World) -> None:
    now = int(time.time())
    err = error(exchange(client, sign(SECRET, iat=now - 400, exp=now - 100)), 401, "sso_expired")
    assert "expired" in err["message"]
    error(exchange(client, sign("another-secret-" + "x" * 32)), 401, "sso_bad_signature")
    err = error(exchange(client, sign(SECRET, aud="elsewhere")), 401, "sso_wrong_site")
    assert err["field"] == "aud"
    # Another site on the same instance with its own secret: its token is not this site's.
    Stories(hs.rt).create_site("elsewhere", SiteSettings(auth={"sso_secret": "e" * 40}))
    error(exchange(client, sign("e" * 40, aud="elsewhere")), 401, "sso_wrong_site")
    error(exchange(client, sign("e" * 40), site="elsewhere"), 401, "sso_wrong_site")
    token = sign(SECRET)
    assert exchange(client, token).status_code == 200
    err = error(exchange(client, token), 401, "sso_replayed")
    assert "used already" in err["message"]
    with hs.rt.db.session(write=False) as s:
        assert len(s.scalars(select(UsedSsoToken)).all()) == 1
    error(exchange(client, "not.a.jwt"), 401, "sso_malformed")


def test_missing_and_bad_claims(client: TestClient, hs: World) -> None:
    for claim in ("sub", "handle", "jti", "aud", "exp", "iat"):
        left_out: dict[str, Any] = {claim: None}  # as **claims (Any), never alg or headers
        err = error(exchange(client, sign(SECRET, **left_out)), 401, "sso_invalid_claims")
        assert err["field"] == claim, err
    now = int(time.time())
    err = error(exchange(client, sign(SECRET, iat=now, exp=now + 3600)), 401, "sso_invalid_claims")
    assert "at most 600" in err["message"]
    err = error(exchange(client, sign(SECRET, role="admin")), 401, "sso_invalid_claims")
    assert err["field"] == "role"
    avatar = "http://cdn.news.example/a.png"
    err = error(exchange(client, sign(SECRET, avatar=avatar)), 401, "sso_invalid_claims")
    assert err["field"] == "avatar"
    error(exchange(client, sign(SECRET, email="not-an-address")), 401, "sso_invalid_claims")
    with hs.rt.db.session(write=False) as s:
        assert s.scalars(select(User)).all() == []


def test_site_without_sso_and_unknown_site(client: TestClient, world: World) -> None:
    error(exchange(client, sign(SECRET)), 401, "sso_disabled")
    error(exchange(client, sign(SECRET), site="nowhere"), 404, "not_found")


def test_handle_change_follows_the_account(client: TestClient, hs: World) -> None:
    first = exchange(client, sign(SECRET, handle="Aigerim")).json()["user"]
    again = exchange(client, sign(SECRET, handle="Aigerim Sultan", name="A. Sultan"))
    assert again.status_code == 200, again.text
    user = again.json()["user"]
    assert user["id"] == first["id"]
    assert (user["handle"], user["display_name"]) == ("Aigerim Sultan", "A. Sultan")
    with hs.rt.db.session(write=False) as s:
        assert len(s.scalars(select(User)).all()) == 1


def test_handle_clash_and_look_alike_get_derived_handles(client: TestClient, hs: World) -> None:
    member_id, _token = hs.user("Cetron", email="cetron@news.example")
    clash = exchange(client, sign(SECRET, sub="7", handle="cetron", email="cetron@news.example"))
    assert clash.status_code == 200, clash.text
    user = clash.json()["user"]
    assert user["id"] != member_id and user["handle"] == "cetron-2"
    # "Cetron" with a Cyrillic e (U+0435) reads as the member's handle: derived too.
    alike = exchange(client, sign(SECRET, sub="8", handle="C\u0435tron")).json()["user"]
    assert alike["handle"] not in ("C\u0435tron", "cetron-2") and alike["id"] != member_id
    staff = exchange(client, sign(SECRET, sub="9", handle="Moderator")).json()["user"]
    assert "oderator" not in staff["handle"].lower()
    with hs.rt.db.session(write=False) as s:
        derived = s.get(User, user["id"])
        member = s.get(User, member_id)
        assert derived is not None and member is not None
        assert derived.email is None  # another member's address is never merged in
        assert member.password_hash is not None
    # The member still signs in with their password, as themself.
    r = client.post("/api/v1/auth/signin", json={"login": "Cetron", "password": PASSWORD})
    assert r.json()["user"]["id"] == member_id


def test_role_is_honoured_only_when_the_site_allows_it(client: TestClient, hs: World) -> None:
    r = exchange(client, sign(SECRET, role="moderator", avatar="https://cdn.news.example/a.png"))
    assert r.json()["user"]["role"] == "reader"
    set_auth(hs, sso_moderators="yes")
    r = exchange(client, sign(SECRET, role="moderator"))
    assert r.json()["user"]["role"] == "moderator"
    r = exchange(client, sign(SECRET, role="reader"))
    assert r.json()["user"]["role"] == "reader"
    with hs.rt.db.session(write=False) as s:
        user = s.scalars(select(User)).one()
        assert user.avatar_url is None  # the last token named none


def test_sso_is_rate_limited_like_sign_in(client: TestClient, hs: World) -> None:
    from tests.conftest import with_config
    from veche.web.app import create_app

    rt = with_config(hs.rt, rate_limit_auth="2/minute")
    with TestClient(create_app(rt.config, rt), base_url="https://veche.test") as limited:
        for _ in range(2):
            exchange(limited, sign(SECRET))
        error(exchange(limited, sign(SECRET)), 429, "rate_limited")


def test_settings_parse_and_hide_secrets(world: World) -> None:
    with pytest.raises(InvalidInput, match="at least 32 bytes"):
        site_auth.updated({}, {"sso_secret": "short"})
    with pytest.raises(InvalidInput, match="https"):
        site_auth.updated({}, {"sso_jwks_url": "http://keys.news.example/jwks.json"})
    with pytest.raises(InvalidInput, match="PEM"):
        site_auth.updated({}, {"sso_public_key": "-----BEGIN PUBLIC KEY-----\nnope\n"})
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505  (the weak key it must refuse)
    with pytest.raises(InvalidInput, match="2048"):
        site_auth.updated({}, {"sso_public_key": public_pem(small)})
    stored = site_auth.updated({}, {"sso_secret": SECRET, "oidc_client_secret": "c" * 20})
    shown = site_auth.SiteAuth.from_stored(stored).shown()
    assert shown["sso_secret"] == "set" and shown["oidc_client_secret"] == "set"
    assert SECRET not in json.dumps(shown)
    assert site_auth.updated(stored, {"sso_secret": None}) == {"oidc_client_secret": "c" * 20}


def test_cli_sets_and_clears_sign_in_settings(cli: CliRunner, world: World, tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = tmp_path / "publisher.pub"
    pem.write_text(public_pem(key))
    r = cli.invoke(
        cli_main,
        ["site", "update", "news", "--sso-secret", SECRET, "--sso-public-key", str(pem),
         "--oidc-issuer", "https://id.news.example", "--oidc-label", "News account"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert SECRET not in r.output
    assert "sso_secret=set" in r.output and "sso_public_key=Ed25519 key set" in r.output
    r = cli.invoke(cli_main, ["site", "update", "news", "--clear", "sso-secret"])
    assert r.exit_code == 0 and "sso_secret=not set" in r.output, r.output
    r = cli.invoke(cli_main, ["site", "update", "news", "--sso-secret", "-"], input=SECRET + "\n")
    assert r.exit_code == 0 and "sso_secret=set" in r.output, r.output
    r = cli.invoke(cli_main, ["site", "update", "news", "--sso-secret", "too short"])
    assert r.exit_code != 0 and "at least 32 bytes" in r.output
    with world.rt.db.session(write=False) as s:
        site = s.scalars(select(Site).where(Site.name == "news")).one()
        assert site.auth["sso_secret"] == SECRET
        assert site.auth["oidc_label"] == "News account"


def test_readme_documents_every_sign_in_setting() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert site_auth.docs_table() in readme
