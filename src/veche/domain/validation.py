"""Input rules with readable refusals; every interface funnels user strings through here."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from zxcvbn import zxcvbn

from veche.domain.errors import InvalidInput
from veche.domain.markup import clean_text
from veche.i18n import gettext as _

HANDLE_MIN, HANDLE_MAX = 2, 30
NAME_MAX = 60
PASSWORD_MIN, PASSWORD_MAX = 10, 256
PASSWORD_SCORE = 3  # zxcvbn: 3 = "safely unguessable", ~10^8 guesses and up
TITLE_MAX = 300
# RFC 5321's limit on a path, and the width of users.email: longer would crash the insert.
EMAIL_MAX = 254
# Letters and digits of any script, inner spaces, dots, dashes, underscores, apostrophes.
_HANDLE = re.compile(r"^[^\W_](?:[\w .'\-]*[^\W_]|[\w]*)?$")
# Campaign tags would split one article's discussion into many.
_TRACKING = ("utm_", "fbclid=", "gclid=", "mc_cid=", "mc_eid=")
_BIDI = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# One plain mailbox: none of the characters that make an address header a list, a display
# name or a comment ("me@evil.example,victim" would be two recipients).
_ADDR = r'[^@\s,;:<>()\[\]\\"]'
_EMAIL = re.compile(rf"^{_ADDR}{{1,64}}@{_ADDR}{{1,255}}\.[^@\s.,;:<>()\[\]\\\"]{{2,63}}$")
_COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "password123", "1234567890", "12345678910", "qwertyuiop",
        "iloveyou123", "letmein123", "welcome123", "administrator", "passw0rd123",
        "qwerty12345", "abc1234567", "0987654321", "1q2w3e4r5t", "football123",
    }
)  # fmt: skip


def reject_nul(value: str, label: str, *, field: str | None = None) -> str:
    """`label` names the input in the message; `field` is its key in the request."""
    if "\x00" in value:
        raise InvalidInput(
            _("The %(label)s contains a NUL character, which is not allowed.") % {"label": label},
            field=field or label,
        )
    return value


def handle(value: str) -> str:
    value = clean_text(reject_nul(value, "handle"))
    if not HANDLE_MIN <= len(value) <= HANDLE_MAX:
        raise InvalidInput(
            _("A handle is %(HANDLE_MIN)s to %(HANDLE_MAX)s characters long.")
            % {"HANDLE_MIN": HANDLE_MIN, "HANDLE_MAX": HANDLE_MAX},
            field="handle",
        )
    if not _HANDLE.match(value) or "  " in value:
        raise InvalidInput(
            _(
                "A handle may hold letters, digits, spaces, dots, dashes, underscores and "
                "apostrophes, and must start and end with a letter or digit."
            ),
            field="handle",
        )
    if len(handle_key(value)) > HANDLE_MAX + 10:
        raise InvalidInput(_("That handle is too long once normalised."), field="handle")
    return value


def handle_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


def display_name(value: str | None) -> str | None:
    if value is None:
        return None
    value = clean_text(reject_nul(value, "display name", field="display_name"))
    if not value:
        return None
    if len(value) > NAME_MAX:
        raise InvalidInput(
            _("A display name is at most %(NAME_MAX)s characters.") % {"NAME_MAX": NAME_MAX},
            field="display_name",
        )
    if "<" in value or ">" in value:
        raise InvalidInput(_("A display name may not contain < or >."), field="display_name")
    return value


def guest_name(value: str | None) -> str | None:
    """A display name chosen by a guest; refusals name the guest_name field."""
    try:
        return display_name(value)
    except InvalidInput as exc:
        message = exc.message.replace("A display name", "A guest name")
        raise InvalidInput(message, field="guest_name") from exc


def email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = reject_nul(value, "email").strip().lower()
    if len(value) > EMAIL_MAX:
        raise InvalidInput(
            _("An email address is at most %(EMAIL_MAX)s characters.") % {"EMAIL_MAX": EMAIL_MAX},
            field="email",
        )
    if not _EMAIL.match(value):
        raise InvalidInput(_("That does not look like an email address."), field="email")
    return value


def password(value: str, *, handle_value: str = "", email_value: str | None = None) -> str:
    reject_nul(value, "password")
    if len(value) < PASSWORD_MIN:
        raise InvalidInput(
            _("The password is too weak: use at least %(PASSWORD_MIN)s characters.")
            % {"PASSWORD_MIN": PASSWORD_MIN},
            field="password",
        )
    if len(value) > PASSWORD_MAX:
        raise InvalidInput(
            _("A password is at most %(PASSWORD_MAX)s characters.")
            % {"PASSWORD_MAX": PASSWORD_MAX},
            field="password",
        )
    folded = value.casefold()
    if folded in _COMMON_PASSWORDS or len(set(folded)) < 4:
        raise InvalidInput(
            _("The password is too weak: it is a common or repetitive password."), field="password"
        )
    for part in (handle_value, (email_value or "").split("@")[0]):
        if len(part) >= 3 and part.casefold() in folded:
            raise InvalidInput(
                _("The password is too weak: it contains your handle or email."), field="password"
            )
    weakness = password_weakness(value, (handle_value, email_value or ""))
    if weakness:
        raise InvalidInput(
            _("The password is too weak: %(weakness)s") % {"weakness": weakness}, field="password"
        )
    return value


def password_weakness(value: str, personal: tuple[str, ...] = ()) -> str | None:
    """zxcvbn's estimate (Dropbox's, with its 30,000 common passwords, names, words, keyboard
    walks and dates): below "safely unguessable" (score 3) says why and what to do instead.
    Only the first 100 characters are judged: its matching is quadratic in the length."""
    result = zxcvbn(value[:100], user_inputs=[p for p in personal if p])
    if result["score"] >= PASSWORD_SCORE:
        return None
    feedback = result["feedback"]
    said = [str(feedback.get("warning") or "It would be guessed quickly.")]
    said += [str(s) for s in feedback.get("suggestions") or ()][:2]
    return " ".join(s if s.endswith(".") else s + "." for s in said)


def title(value: str) -> str:
    value = clean_text(reject_nul(value, "title"))
    if not value:
        raise InvalidInput(_("A story needs a title."), field="title")
    if len(value) > TITLE_MAX:
        raise InvalidInput(
            _("A title is at most %(TITLE_MAX)s characters.") % {"TITLE_MAX": TITLE_MAX},
            field="title",
        )
    return value


def http_url(value: str, label: str = "url", *, field: str | None = None) -> str:
    """Only absolute http(s) URLs; lower-cased scheme and host, no fragment."""
    key = field or label
    value = reject_nul(value, label, field=key).strip()
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(
            _("The %(label)s is not a valid URL.") % {"label": label}, field=key
        ) from exc
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise InvalidInput(
            _("The %(label)s must be an http or https URL.") % {"label": label}, field=key
        )
    # U+FFFD is what undecodable percent-escapes (%FF) became: the URL was not UTF-8.
    if any(ch.isspace() or ord(ch) < 32 or ch == "\ufffd" for ch in value) or len(value) > 2048:
        raise InvalidInput(_("The %(label)s is not a valid URL.") % {"label": label}, field=key)
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    default = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default) else f"{host}:{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not p.lower().startswith(_TRACKING))
    url = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    if len(url) > 2048:
        raise InvalidInput(_("The %(label)s is too long.") % {"label": label}, field=key)
    return url


def origin(value: str) -> str:
    """scheme://host[:port], the form browsers send in the Origin header."""
    url = http_url(value, "origin")
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query:
        raise InvalidInput(_("An origin has no path: use https://example.com."), field="origin")
    return f"{parts.scheme}://{parts.netloc}"


def strip_bidi(value: str) -> str:
    """Explicit direction controls (embeddings, overrides, isolates) are removed from every
    user string — bodies here, names and titles via clean_text, which drops all format
    characters. They can make a comment or a name read differently from what it holds
    ("Trojan Source"); right-to-left text needs none of them, and the plain marks
    U+200E/U+200F/U+061C stay in bodies."""
    return value.translate(_BIDI)


def comment_body(value: str, max_length: int) -> str:
    value = reject_nul(value, "comment", field="body").replace("\r\n", "\n").replace("\r", "\n")
    value = strip_bidi(value)
    value = unicodedata.normalize("NFC", value).strip()
    # Zero-width and other format characters show nothing: a body of only those is empty.
    if not value or all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value):
        raise InvalidInput(_("The comment is empty."), field="body")
    if len(value) > max_length:
        raise InvalidInput(
            _("The comment is %(n)s characters long; the limit is %(max_length)s.")
            % {"n": len(value), "max_length": max_length},
            field="body",
        )
    return value
