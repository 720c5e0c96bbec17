"""A site's sign-in settings, each declared once: name, default, help and parser.

Publisher SSO (a shared secret, a pasted public key or a JWKS URL) and an OpenID Connect
provider. The declarations generate the `veche site create/update` options and the docs;
the values live in the site's `auth` JSON column, only what was set. Secrets are never shown
back: views say "set" or "not set".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from veche.domain.declared import Declared, declared
from veche.domain.declared import setting as _setting
from veche.domain.errors import InvalidInput
from veche.i18n import gettext as _

SECRET_MIN_BYTES = 32
SECRET_MAX = 512
KEY_MAX = 16_384
URL_MAX = 2048
TEXT_MAX = 255
LABEL_MAX = 60
RSA_MIN_BITS = 2048
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _clean(raw: object, name: str, limit: int) -> str | None:
    """None or "" clears; text without control characters, stripped, at most `limit`."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InvalidInput(_("%(name)s is text.") % {"name": name}, field=name)
    value = raw.strip()
    if not value:
        return None
    if len(value) > limit:
        raise InvalidInput(
            _("%(name)s is at most %(limit)s characters.") % {"name": name, "limit": limit},
            field=name,
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InvalidInput(
            _("%(name)s may not hold control characters.") % {"name": name}, field=name
        )
    return value


def _text(name: str, limit: int) -> Callable[[object], str | None]:
    def parse(raw: object) -> str | None:
        return _clean(raw, name, limit)

    return parse


def _secret(name: str) -> Callable[[object], str | None]:
    def parse(raw: object) -> str | None:
        value = _clean(raw, name, SECRET_MAX)
        if value is not None and len(value.encode()) < SECRET_MIN_BYTES:
            raise InvalidInput(
                _(
                    "%(name)s is at least %(bytes)s bytes (for example "
                    '`python -c "import secrets; print(secrets.token_urlsafe(48))"`).'
                )
                % {"name": name, "bytes": SECRET_MIN_BYTES},
                field=name,
            )
        return value

    return parse


def https_url(name: str, raw: object, *, loopback_http: bool = False) -> str | None:
    """An https URL without credentials or fragment (plain http to a loopback host only
    when `loopback_http`, for development and tests); None or "" is None."""
    value = _clean(raw, name, URL_MAX)
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
    except ValueError:
        host, parts = "", urlsplit("")
    plain_ok = loopback_http and host in LOOPBACK_HOSTS
    if not host or not (parts.scheme == "https" or (parts.scheme == "http" and plain_ok)):
        where = " (http:// only on localhost)" if loopback_http else ""
        raise InvalidInput(
            _("%(name)s is an https:// URL%(where)s.") % {"name": name, "where": where}, field=name
        )
    if parts.username or parts.password or parts.fragment:
        raise InvalidInput(
            _("%(name)s may not carry credentials or a #fragment.") % {"name": name}, field=name
        )
    return value


def _url(name: str) -> Callable[[object], str | None]:
    def parse(raw: object) -> str | None:
        return https_url(name, raw, loopback_http=True)

    return parse


def _flag(name: str) -> Callable[[object], bool]:
    def parse(raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower() if raw is not None else ""
        if word in ("", "no", "false", "off", "0"):
            return False
        if word in ("yes", "true", "on", "1"):
            return True
        raise InvalidInput(_("%(name)s is yes or no.") % {"name": name}, field=name)

    return parse


def key_kind(pem: str) -> str:
    """ "RSA" or "Ed25519" for a PEM public key; anything else is refused."""
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        raise InvalidInput(
            _("sso_public_key is a PEM public key (-----BEGIN PUBLIC KEY-----)."),
            field="sso_public_key",
        ) from None
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < RSA_MIN_BITS:
            raise InvalidInput(
                _("An RSA sso_public_key has at least %(RSA_MIN_BITS)s bits.")
                % {"RSA_MIN_BITS": RSA_MIN_BITS},
                field="sso_public_key",
            )
        return "RSA"
    raise InvalidInput(_("sso_public_key is an RSA or Ed25519 key."), field="sso_public_key")


def _public_key(raw: object) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str) or len(raw) > KEY_MAX:
        raise InvalidInput(
            _("sso_public_key is PEM text of at most %(KEY_MAX)s characters.")
            % {"KEY_MAX": KEY_MAX}
        )
    pem = raw.strip().replace("\r\n", "\n") + "\n"
    key_kind(pem)
    return pem


@dataclass(frozen=True)
class SiteAuth:
    """One site's sign-in values; None is "not set"."""

    sso_secret: str | None = _setting(
        None,
        f"publisher SSO: the HS256 shared secret the publisher signs tokens with (at least "
        f"{SECRET_MIN_BYTES} bytes; `-` reads it from standard input)",
        _secret("sso_secret"),
        secret=True,
    )
    sso_public_key: str | None = _setting(
        None,
        "publisher SSO: a file holding the PEM public key (RSA, RS256, or Ed25519, EdDSA) "
        "the publisher's tokens are checked with",
        _public_key,
        file=True,
    )
    sso_jwks_url: str | None = _setting(
        None,
        "publisher SSO: an https URL of the publisher's JSON Web Key Set (RS256 or EdDSA "
        "keys, chosen by the token's kid)",
        _url("sso_jwks_url"),
    )
    sso_moderators: bool = _setting(
        False,
        "publisher SSO: yes lets a token's role claim make its member a moderator (roles "
        "are instance-wide: give this only to a site you trust with every site's queue); "
        "never admin",
        _flag("sso_moderators"),
    )
    oidc_issuer: str | None = _setting(
        None,
        "OpenID Connect: the provider's issuer URL (its /.well-known/openid-configuration is read)",
        _url("oidc_issuer"),
    )
    oidc_client_id: str | None = _setting(
        None, "OpenID Connect: this site's client id at the provider",
        _text("oidc_client_id", TEXT_MAX),
    )  # fmt: skip
    oidc_client_secret: str | None = _setting(
        None,
        "OpenID Connect: the client secret (`-` reads it from standard input)",
        _text("oidc_client_secret", SECRET_MAX),
        secret=True,
    )
    oidc_label: str | None = _setting(
        None,
        "OpenID Connect: the sign-in button's text (default: Sign in with the issuer's host)",
        _text("oidc_label", LABEL_MAX),
    )

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> SiteAuth:
        """Stored values were parsed when set; an unknown key (a newer version's) is ignored."""
        values = {k: BY_NAME[k].parse(v) for k, v in (stored or {}).items() if k in BY_NAME}
        return cls(**values)

    def as_stored(self) -> dict[str, Any]:
        """JSON-ready, only what is set."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def sso_enabled(self) -> bool:
        return bool(self.sso_secret or self.sso_public_key or self.sso_jwks_url)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    def oidc_button(self) -> str:
        if self.oidc_label:
            return self.oidc_label
        return f"Sign in with {urlsplit(self.oidc_issuer or '').hostname or 'your account'}"

    def shown(self) -> dict[str, str]:
        """For views and the CLI: secrets as "set"/"not set", a key by its kind."""
        out: dict[str, str] = {}
        for d in SETTINGS:
            value = getattr(self, d.name)
            if isinstance(value, bool):
                out[d.name] = "yes" if value else "no"
            elif value is None:
                out[d.name] = "not set"
            elif d.secret:
                out[d.name] = "set"
            elif d.name == "sso_public_key":
                out[d.name] = f"{key_kind(value)} key set"
            else:
                out[d.name] = str(value)
        return out


SETTINGS: tuple[Declared, ...] = declared(SiteAuth)
BY_NAME: Mapping[str, Declared] = {d.name: d for d in SETTINGS}


def updated(stored: Mapping[str, Any] | None, changes: Mapping[str, object]) -> dict[str, Any]:
    """The stored dict with `changes` parsed in (None or "" clears one); an unknown name is a
    clear error."""
    current = SiteAuth.from_stored(stored).as_stored()
    for name, raw in changes.items():
        declared = BY_NAME.get(name)
        if declared is None:
            raise InvalidInput(
                _("There is no sign-in setting “%(name)s”.") % {"name": name}, field=name
            )
        value = declared.parse(raw)
        if value is None or value is False:
            current.pop(name, None)
        else:
            current[name] = value
    return SiteAuth.from_stored(current).as_stored()


def docs_table() -> str:
    """The settings as the README shows them (a test keeps the two the same)."""
    rows = ["| setting | CLI option | meaning |", "|---|---|---|"]
    for d in SETTINGS:
        option = "--" + d.name.replace("_", "-") + (" FILE" if d.file else " VALUE")
        rows.append(f"| `{d.name}` | `{option}` | {d.help} |")
    return "\n".join(rows) + "\n"
