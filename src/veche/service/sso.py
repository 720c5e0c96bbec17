"""Publisher SSO: a short-lived JWT signed by the publisher's backend becomes a veche session.

The token is checked by PyJWT against the site's own key: an HS256 shared secret, a pasted
RSA or Ed25519 public key, or the publisher's JWKS. Each algorithm is bound to its kind of
key, so a public key can never be used as an HMAC secret. A token is single-use (its jti is
recorded until it expires, in the database, so on every node) and lives at most
MAX_LIFETIME. Members are keyed by (site, "sso", sub): a handle changed at the publisher
follows the same account, and a handle that is taken here (or looks like one that is)
gets a derived one instead of merging two people.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy.exc import IntegrityError

from veche.domain import site_auth, validation
from veche.domain.enums import Role
from veche.domain.errors import Conflict, InvalidInput, TryLater, VecheError
from veche.i18n import gettext as _
from veche.moderation.confusables import claims_office, name_key
from veche.security.ratelimit import client_bucket
from veche.service.accounts import Accounts
from veche.service.runtime import Runtime
from veche.service.stories import Stories
from veche.store import accounts as store_accounts
from veche.store import sso as store
from veche.store.models import User
from veche.store.reader_models import Identity

MAX_LIFETIME = 600  # seconds from iat to exp
LEEWAY = 30  # seconds of clock difference between the publisher and us
TOKEN_MAX = 8192
CLAIM_MAX = 255
JWKS_TIMEOUT = 5.0
JWKS_LIFESPAN = 300  # seconds a fetched key set is trusted before it is read again
PROVIDER = "sso"
ALGORITHMS = ("HS256", "RS256", "EdDSA")


class SsoRefused(VecheError):
    """A token that opens no session: 401, with a code saying which check failed."""

    status = 401
    code = "sso_refused"


class SsoExpired(SsoRefused):
    code = "sso_expired"


class SsoBadSignature(SsoRefused):
    code = "sso_bad_signature"


class SsoReplayed(SsoRefused):
    code = "sso_replayed"


class SsoWrongSite(SsoRefused):
    code = "sso_wrong_site"


class SsoInvalidClaims(SsoRefused):
    code = "sso_invalid_claims"


class SsoMalformed(SsoRefused):
    code = "sso_malformed"


class SsoDisabled(SsoRefused):
    code = "sso_disabled"


class SsoKeysUnavailable(TryLater):
    """The publisher's JWKS could not be read: the token may be fine, try again soon."""

    status = 503
    code = "sso_keys_unavailable"
    default_wait = 10


@dataclass(frozen=True)
class Claims:
    """What a checked token says about its member."""

    subject: str
    handle: str
    name: str | None
    email: str | None
    role: Role | None
    avatar: str | None
    jti: str
    expires_at: dt.datetime


_jwks_lock = threading.Lock()
_jwks: dict[str, jwt.PyJWKClient] = {}


def _jwks_client(url: str) -> jwt.PyJWKClient:
    """One client per URL per process: it caches the key set (JWKS_LIFESPAN) and refetches
    when a token names a kid it has not seen."""
    with _jwks_lock:
        client = _jwks.get(url)
        if client is None:
            client = _jwks[url] = jwt.PyJWKClient(
                url, cache_keys=True, lifespan=JWKS_LIFESPAN, timeout=JWKS_TIMEOUT
            )
        return client


def _key_for(token: str, alg: str, auth: site_auth.SiteAuth) -> Any:
    """The site's key for this algorithm; an algorithm the site has no key for is refused."""
    if alg == "HS256":
        if auth.sso_secret:
            return auth.sso_secret.encode()
    elif auth.sso_public_key:
        kind = site_auth.key_kind(auth.sso_public_key)
        if (kind, alg) in (("RSA", "RS256"), ("Ed25519", "EdDSA")):
            return auth.sso_public_key.encode()
    elif auth.sso_jwks_url:
        try:
            jwk = _jwks_client(auth.sso_jwks_url).get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as exc:
            raise SsoKeysUnavailable(_("The publisher's key set could not be read.")) from exc
        except (jwt.PyJWKClientError, jwt.InvalidTokenError) as exc:
            raise SsoBadSignature(
                _("The token is signed with a key the publisher's key set does not hold.")
            ) from exc
        if (jwk.key_type, alg) in (("RSA", "RS256"), ("OKP", "EdDSA")):
            return jwk.key
    raise SsoBadSignature(_("This site has no key for tokens signed with %(alg)s.") % {"alg": alg})


def _text_claim(payload: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise SsoInvalidClaims(
                _("The token has no “%(name)s” claim.") % {"name": name}, field=name
            )
        return None
    if not isinstance(value, str) or len(value) > CLAIM_MAX or "\x00" in value:
        raise SsoInvalidClaims(
            _("The “%(name)s” claim is text of at most %(CLAIM_MAX)s characters.")
            % {"name": name, "CLAIM_MAX": CLAIM_MAX},
            field=name,
        )
    return value.strip()


def _claims(payload: dict[str, Any]) -> Claims:
    subject = _text_claim(payload, "sub", required=True)
    handle = _text_claim(payload, "handle", required=True)
    jti = _text_claim(payload, "jti", required=True)
    assert subject and handle and jti
    iat, exp = payload["iat"], payload["exp"]
    if not isinstance(iat, int | float) or not isinstance(exp, int | float) or exp <= iat:
        raise SsoInvalidClaims(_("The token's exp must come after its iat."), field="exp")
    if exp - iat > MAX_LIFETIME:
        raise SsoInvalidClaims(
            _("The token lives %(n)s s; at most %(MAX_LIFETIME)s s are accepted.")
            % {"n": int(exp - iat), "MAX_LIFETIME": MAX_LIFETIME},
            field="exp",
        )
    role_raw = _text_claim(payload, "role", required=False)
    role = None
    if role_raw is not None:
        if role_raw not in (Role.reader.value, Role.moderator.value):
            raise SsoInvalidClaims(_("The “role” claim is reader or moderator."), field="role")
        role = Role(role_raw)
    try:
        email = validation.email(_text_claim(payload, "email", required=False))
        avatar = payload.get("avatar")
        avatar = site_auth.https_url("avatar", avatar) if avatar is not None else None
    except InvalidInput as exc:
        raise SsoInvalidClaims(exc.message, field=exc.field) from exc
    try:
        name = validation.display_name(_text_claim(payload, "name", required=False))
    except InvalidInput:
        name = None  # a name we cannot show is left out, not a reason to refuse the reader
    return Claims(
        subject=subject,
        handle=handle,
        name=None if name and claims_office(name) else name,
        email=email,
        role=role,
        avatar=avatar,
        jti=jti,
        expires_at=dt.datetime.fromtimestamp(exp, dt.UTC),
    )


def check_token(token: str, site_name: str, auth: site_auth.SiteAuth) -> Claims:
    """The token's claims once signature, audience, age and shape are all right."""
    if not auth.sso_enabled:
        raise SsoDisabled(
            _("The site “%(site_name)s” does not use SSO.") % {"site_name": site_name}, field="site"
        )
    if not token or len(token) > TOKEN_MAX:
        raise SsoMalformed(_("That is not a signed token (JWT)."), field="token")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise SsoMalformed(_("That is not a signed token (JWT)."), field="token") from exc
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise SsoBadSignature(_("Tokens are signed with HS256, RS256 or EdDSA."), field="token")
    audience = unverified.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if isinstance(audiences, list) and site_name not in audiences:
        raise SsoWrongSite(
            _("The token is for another site, not “%(site_name)s”.") % {"site_name": site_name},
            field="aud",
        )
    key = _key_for(token, str(alg), auth)
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[str(alg)],
            audience=site_name,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "aud", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise SsoExpired(_("The token has expired; sign a fresh one."), field="token") from exc
    except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError, jwt.InvalidKeyError) as exc:
        raise SsoBadSignature(
            _("The token's signature does not match this site's key."), field="token"
        ) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise SsoInvalidClaims(
            _("The token has no “%(claim)s” claim.") % {"claim": exc.claim}, field=exc.claim
        ) from exc
    except jwt.InvalidAudienceError as exc:
        raise SsoWrongSite(
            _("The token is for another site, not “%(site_name)s”.") % {"site_name": site_name},
            field="aud",
        ) from exc
    except jwt.ImmatureSignatureError as exc:
        raise SsoInvalidClaims(_("The token is not valid yet (iat or nbf in the future)."),
                               field="iat") from exc  # fmt: skip
    except jwt.InvalidTokenError as exc:
        raise SsoInvalidClaims(
            _("The token's claims are not valid: %(exc)s.") % {"exc": exc}, field="token"
        ) from exc
    return _claims(payload)


class Sso:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def sign_in(
        self, site_name: str, token: str, *, ip: str, user_agent: str | None = None
    ) -> tuple[User, str]:
        """A session for the token's member, created on their first visit."""
        self.rt.limiter.hit(self.rt.config.rate_limit_auth, "sso", client_bucket(ip))
        site = Stories(self.rt).site(site_name)
        auth = site_auth.SiteAuth.from_stored(site.auth)
        claims = check_token(token, site.name, auth)
        now = self.rt.clock()
        try:
            with self.rt.db.session() as s:
                store.prune_jtis(s, now - dt.timedelta(seconds=LEEWAY))
                store.spend_jti(s, site.id, claims.jti, claims.expires_at)
        except IntegrityError as exc:
            raise SsoReplayed(_("This token was used already; sign a fresh one."),
                              field="token") from exc  # fmt: skip
        user = self._member(site.id, claims, auth.sso_moderators)
        return user, Accounts(self.rt).open_session(user, user_agent)

    def _member(self, site_id: int, claims: Claims, honour_role: bool) -> User:
        """The member behind (site, sub), made on first sight; two first visits at once
        race on the identities' unique index, and the loser finds the winner's member."""
        for attempt in range(2):
            try:
                with self.rt.db.session() as s:
                    now = self.rt.clock()
                    found = store.identity(s, site_id, PROVIDER, claims.subject)
                    user = store.user(s, found.user_id) if found else None
                    if found is None or user is None:
                        user = User(role=Role.reader, created_at=now)
                        self._apply(s, user, claims, honour_role)
                        s.add(user)
                        s.flush()
                        s.add(Identity(user_id=user.id, site_id=site_id, provider=PROVIDER,
                                       subject=claims.subject, created_at=now,
                                       last_used_at=now))  # fmt: skip
                    else:
                        self._apply(s, user, claims, honour_role)
                        found.last_used_at = now
                    s.flush()
                return user
            except IntegrityError:
                if attempt:
                    raise
        raise Conflict(_("The account could not be made; try again."))  # pragma: no cover

    def _apply(self, s: Any, user: User, claims: Claims, honour_role: bool) -> None:
        """The publisher's word on handle, name, email, avatar and (if allowed) role."""
        staff = user.role is not Role.reader
        handle = free_handle(s, claims.handle, user.id, staff=staff)
        user.handle, user.handle_key = handle, validation.handle_key(handle)
        user.handle_skeleton = name_key(handle)
        user.display_name = claims.name
        user.name_skeleton = name_key(claims.name) if claims.name else None
        if claims.email and claims.email != user.email:
            taken = store_accounts.user_by_email(s, claims.email)
            if taken is None:  # never another member's address: that would merge two people
                user.email = claims.email
                # The publisher vouches for its readers' addresses: mail may go there.
                user.email_verified_at = self.rt.clock()
        user.avatar_url = claims.avatar
        if honour_role and claims.role is not None and user.role is not Role.admin:
            user.role = claims.role


def _base_handle(wanted: str) -> str:
    """The publisher's handle if it is a valid one here, else its usable characters."""
    try:
        return validation.handle(wanted)
    except InvalidInput:
        pass
    kept = "".join(ch if ch.isalnum() or ch in " .-_'" else "-" for ch in wanted)
    kept = " ".join(kept.split()).strip(" .-_'")[: validation.HANDLE_MAX].strip(" .-_'")
    try:
        return validation.handle(kept)
    except InvalidInput:
        return "member"


def _candidates(base: str) -> list[str]:
    out = [base]
    for n in range(2, 10):
        suffix = f"-{n}"
        out.append(base[: validation.HANDLE_MAX - len(suffix)].rstrip(" .-_'") + suffix)
    out += [f"member-{secrets.token_hex(4)}" for _ in range(5)]
    return out


def free_handle(s: Any, wanted: str, own_id: int | None, *, staff: bool = False) -> str:
    """`wanted`, or the first derived handle that no other member holds or resembles
    (moderation.confusables skeletons) and that claims no staff title for a reader."""
    for candidate in _candidates(_base_handle(wanted)):
        try:
            candidate = validation.handle(candidate)
        except InvalidInput:
            continue
        if not staff and claims_office(candidate):
            continue
        other = store_accounts.user_by_handle_key(s, validation.handle_key(candidate))
        if other is not None and other.id != own_id:
            continue
        if store.handle_lookalike(s, name_key(candidate), own_id):
            continue
        return candidate
    raise Conflict(_("No free handle could be found; try again."), field="handle")
