"""OpenID Connect sign-in: authorization code with PKCE, through Authlib.

What a sign-in needs between its start and the provider's callback (state, nonce, PKCE
verifier, where to go back) travels in a `Flow`, sealed with an HMAC of the server's secret
and kept by the browser in a short-lived HttpOnly cookie: nothing is stored, any node can
finish what another began, and a callback without the cookie that began it is refused (the
state check is what stops a forged login). The ID token is checked against the provider's
own discovery document and keys: signature, issuer, audience, expiry and nonce. A code is
single use at the provider, so a replayed callback is refused there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from veche.domain.errors import NotFound, VecheError
from veche.domain.site_auth import SiteAuth
from veche.i18n import gettext as _
from veche.security.ratelimit import client_bucket
from veche.service.runtime import Runtime
from veche.service.stories import Stories
from veche.store import stories as store_stories
from veche.store.models import Story

TIMEOUT = 5.0  # seconds for each call to the provider
METADATA_TTL = 3600.0  # a provider's discovery document and keys, cached per process
FLOW_SECONDS = 600  # a sign-in must come back within ten minutes
SCOPE = "openid profile email"
LEEWAY = 60  # seconds of clock skew allowed on the ID token's times


class SignInFailed(VecheError):
    """The sign-in could not be completed; the message says why and what to do."""

    status = 400
    code = "sign_in_failed"


class ProviderDown(SignInFailed):
    """The identity provider did not answer (or answered nonsense): try again later."""

    status = 502
    code = "provider_unavailable"


@dataclass(frozen=True)
class Flow:
    """One sign-in in progress, as the browser carries it (sealed) to the callback."""

    site: str
    state: str
    nonce: str
    verifier: str
    next: str  # a local path to land on (hosted pages)
    origin: str | None  # the embed's page origin: the popup posts the session there
    expires: int  # unix time


@dataclass(frozen=True)
class Claims:
    """Who the provider says signed in: `sub` is the stable key, the rest is a suggestion."""

    subject: str
    username: str | None
    name: str | None
    email: str | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> str:
    key = hashlib.sha256(b"veche-oidc-flow:" + secret.encode()).digest()
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def seal(secret: str, flow: Flow) -> str:
    body = _b64(json.dumps(asdict(flow), separators=(",", ":")).encode())
    return f"{body}.{_mac(secret, body)}"


def unseal(secret: str, sealed: str | None, now: float) -> Flow | None:
    """The flow if the cookie is ours, whole and fresh; None for anything else."""
    if not sealed or len(sealed) > 4096 or "." not in sealed:
        return None
    body, _, mac = sealed.rpartition(".")
    if not hmac.compare_digest(mac, _mac(secret, body)):
        return None
    try:
        flow = Flow(**json.loads(_unb64(body)))
    except (ValueError, TypeError):
        return None
    return flow if flow.expires >= now else None


class _Metadata:
    """Discovery documents and key sets, per issuer, fetched with a timeout and kept an hour."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._docs: dict[str, tuple[float, dict[str, Any]]] = {}
        self._keys: dict[str, tuple[float, dict[str, Any]]] = {}

    @staticmethod
    def _get(url: str) -> dict[str, Any]:
        try:
            r = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
            r.raise_for_status()
            data = r.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderDown(
                "The sign-in provider did not answer. Please try again in a few minutes."
            ) from exc
        if not isinstance(data, dict):
            raise ProviderDown("The sign-in provider answered with something unexpected.")
        return data

    def discovery(self, issuer: str) -> dict[str, Any]:
        with self._lock:
            hit = self._docs.get(issuer)
        if hit and time.monotonic() - hit[0] < METADATA_TTL:
            return hit[1]
        doc = self._get(issuer.rstrip("/") + "/.well-known/openid-configuration")
        # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was asked for.
        if doc.get("issuer") != issuer:
            raise ProviderDown("The sign-in provider's settings name another issuer.")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(doc.get(key), str):
                raise ProviderDown(f"The sign-in provider's settings lack {key}.")
        with self._lock:
            self._docs[issuer] = (time.monotonic(), doc)
        return doc

    def keys(self, jwks_uri: str, *, fresh: bool = False) -> KeySet:
        with self._lock:
            hit = self._keys.get(jwks_uri)
        if fresh or hit is None or time.monotonic() - hit[0] >= METADATA_TTL:
            hit = (time.monotonic(), self._get(jwks_uri))
            with self._lock:
                self._keys[jwks_uri] = hit
        try:
            return KeySet.import_key_set(hit[1])  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise ProviderDown("The sign-in provider's keys could not be read.") from exc


METADATA = _Metadata()


def redirect_uri(base_url: str, site: str) -> str:
    """What the site's client registers at the provider."""
    return f"{base_url.rstrip('/')}/auth/oidc/{quote(site, safe='')}/callback"


class OidcClient:
    """One site's relying party: the authorization URL, then the code's exchange."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def settings(self, site_name: str) -> tuple[SiteAuth, list[str]]:
        """The site's provider and allowed origins; a 404 when the site has none."""
        try:
            site = Stories(self.rt).site(site_name)
        except NotFound:
            raise NotFound(_("There is no such site.")) from None
        auth = SiteAuth.from_stored(site.auth)
        if not auth.oidc_enabled:
            raise NotFound(_("This site has no sign-in provider."))
        return auth, list(site.allowed_origins)

    def _session(self, auth: SiteAuth, doc: Mapping[str, Any], site: str) -> OAuth2Session:
        methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if not auth.oidc_client_secret:
            method = "none"  # a public client: PKCE alone binds the code to us
        elif "client_secret_basic" in methods or "client_secret_post" not in methods:
            method = "client_secret_basic"
        else:
            method = "client_secret_post"
        return OAuth2Session(
            client_id=auth.oidc_client_id,
            client_secret=auth.oidc_client_secret,
            scope=SCOPE,
            redirect_uri=redirect_uri(self.rt.config.base_url, site),
            code_challenge_method="S256",
            token_endpoint_auth_method=method,
            default_timeout=TIMEOUT,
        )

    def begin(self, site: str, *, next_path: str, origin: str | None, ip: str) -> tuple[str, Flow]:
        """The provider's authorization URL, and the flow the browser keeps until it is back."""
        self.rt.limiter.hit(self.rt.config.rate_limit_auth, "oidc", client_bucket(ip))
        auth, origins = self.settings(site)
        if origin is not None and origin not in origins:
            raise SignInFailed(_("This page may not sign in to this site's discussions."))
        assert auth.oidc_issuer is not None
        doc = METADATA.discovery(auth.oidc_issuer)
        flow = Flow(
            site=site,
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),  # 64 characters, within RFC 7636's 43..128
            next=next_path,
            origin=origin,
            expires=int(self.rt.clock().timestamp()) + FLOW_SECONDS,
        )
        with self._session(auth, doc, site) as session:
            url, _state = session.create_authorization_url(
                doc["authorization_endpoint"],
                state=flow.state,
                code_verifier=flow.verifier,
                nonce=flow.nonce,
            )
        return str(url), flow

    def finish(self, site: str, flow: Flow | None, params: Mapping[str, str]) -> Claims:
        """Check the provider's answer against the flow, exchange the code, check the token."""
        auth, _origins = self.settings(site)
        assert auth.oidc_issuer is not None and auth.oidc_client_id is not None
        if flow is None or flow.site != site:
            raise SignInFailed(
                _("This sign-in expired or was started in another browser. Please start again.")
            )
        state = params.get("state", "")
        if not state or not hmac.compare_digest(state, flow.state):
            raise SignInFailed(
                _("This sign-in does not match the one you started. Please start again.")
            )
        if params.get("error"):
            if params["error"] == "access_denied":
                raise SignInFailed(_("Sign-in was cancelled at the provider; nothing was changed."))
            raise SignInFailed(_("The sign-in provider refused this sign-in. Please try again."))
        doc = METADATA.discovery(auth.oidc_issuer)
        # RFC 9207: a provider that names itself in its answers must be the one we asked.
        named = doc.get("authorization_response_iss_parameter_supported") is True
        if ("iss" in params or named) and params.get("iss") != auth.oidc_issuer:
            raise SignInFailed(_("This answer came from another sign-in provider."))
        code = params.get("code", "")
        if not code or len(code) > 2048:
            raise SignInFailed(_("The sign-in provider's answer had no code. Please start again."))
        with self._session(auth, doc, site) as session:
            try:
                token = session.fetch_token(
                    doc["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=flow.verifier,
                )
            except OAuthError as exc:
                raise SignInFailed(
                    _(
                        "The sign-in provider did not accept this sign-in (it may have been used "
                        "already, or taken too long). Please start again."
                    )
                ) from exc
            except (requests.RequestException, ValueError) as exc:
                raise ProviderDown(
                    "The sign-in provider did not answer. Please try again in a few minutes."
                ) from exc
        claims = self._id_token(auth, doc, token, flow.nonce)
        info = self._userinfo(doc, token, claims) if "preferred_username" not in claims else {}
        merged = {**info, **claims}

        def text(key: str) -> str | None:
            value = merged.get(key)
            return value if isinstance(value, str) and value.strip() else None

        email = text("email") if merged.get("email_verified") is True else None
        return Claims(str(claims["sub"]), text("preferred_username"), text("name"), email)

    def _id_token(
        self, auth: SiteAuth, doc: Mapping[str, Any], token: Mapping[str, Any], nonce: str
    ) -> dict[str, Any]:
        raw = token.get("id_token")
        if not isinstance(raw, str):
            raise SignInFailed(_("The sign-in provider sent no ID token."))
        # Keys come from the provider's JWKS, so only public-key algorithms: never "none",
        # and never an HMAC (whose key would be the client secret).
        offered = doc.get("id_token_signing_alg_values_supported") or ["RS256"]
        algs = [a for a in offered if isinstance(a, str) and a[:2] in ("RS", "PS", "ES", "Ed")]
        registry = JWSRegistry(algorithms=algs or ["RS256"])
        try:
            try:
                decoded = jwt.decode(raw, METADATA.keys(doc["jwks_uri"]), registry=registry)
            except JoseError:  # a rotated key: read the set again, once
                decoded = jwt.decode(
                    raw, METADATA.keys(doc["jwks_uri"], fresh=True), registry=registry
                )
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": auth.oidc_issuer or ""},
                    "aud": {"essential": True, "value": auth.oidc_client_id or ""},
                },
                {
                    "nonce": nonce,
                    "client_id": auth.oidc_client_id,
                    "access_token": token.get("access_token"),
                },
            )
            claims.validate(now=int(self.rt.clock().timestamp()), leeway=LEEWAY)
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise SignInFailed(
                _("The sign-in provider's answer could not be verified. Please start again.")
            ) from exc
        sub = claims.get("sub")
        if not isinstance(sub, str) or not 1 <= len(sub) <= 255:
            raise SignInFailed(_("The sign-in provider's answer names nobody."))
        return dict(claims)

    @staticmethod
    def _userinfo(
        doc: Mapping[str, Any], token: Mapping[str, Any], claims: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Profile claims a provider keeps out of the ID token; best effort, same `sub` only."""
        url = doc.get("userinfo_endpoint")
        access = token.get("access_token")
        if not isinstance(url, str) or not isinstance(access, str):
            return {}
        try:
            r = requests.get(
                url, timeout=TIMEOUT,
                headers={"Authorization": f"Bearer {access}", "Accept": "application/json"},
            )  # fmt: skip
            r.raise_for_status()
            info = r.json()
        except (requests.RequestException, ValueError):
            return {}
        if not isinstance(info, dict) or info.get("sub") != claims.get("sub"):
            return {}  # OpenID Connect Core §5.3.2: another subject's answer is not used
        return info


@dataclass(frozen=True)
class Button:
    """A "Sign in with …" link: the site's provider and where the flow starts."""

    site: str
    label: str
    start: str  # a local path, with the next page in its query


def start_path(site: str, next_path: str) -> str:
    return f"/auth/oidc/{quote(site, safe='')}/start?next={quote(next_path, safe='/')}"


def button(site: str, stored: Mapping[str, Any] | None, next_path: str) -> Button | None:
    """The site's button, if it has a provider (from the site's stored `auth`)."""
    auth = SiteAuth.from_stored(stored)
    if not auth.oidc_enabled:
        return None
    return Button(site, auth.oidc_button(), start_path(site, next_path))


def buttons(rt: Runtime, next_path: str) -> list[Button]:
    """For the hosted sign-in page: the site of the story it returns to, else every site
    with a provider (most instances serve one publisher)."""
    match = re.match(r"^/stories/(\d{1,10})(?:[/?#]|$)", next_path)
    with rt.db.session(write=False) as s:
        story = s.get(Story, int(match.group(1))) if match else None
        sites = [story.site] if story is not None else store_stories.all_sites(s)
        found = [button(site.name, site.auth, next_path) for site in sites]
    return [b for b in found if b is not None]
