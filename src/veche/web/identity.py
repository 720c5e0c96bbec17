"""Who a request comes from: bearer token or session cookie, and the client address."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

from fastapi import Request

from veche.domain.errors import AuthRequired, CrossSiteRefused
from veche.i18n import gettext as _
from veche.service.accounts import Accounts
from veche.service.runtime import Runtime, Viewer
from veche.service.stories import Stories

SESSION_COOKIE = "veche_session"
ANON_COOKIE = "veche_anon"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def stories(request: Request) -> Stories:
    """One per app: it caches the allowed origins for CORS."""
    svc: Stories = request.app.state.stories
    return svc


def client_ip(request: Request) -> str:
    """Forwarding headers are only believed behind a configured proxy: they are forgeable."""
    rt = runtime(request)
    if rt.config.trust_proxy_headers:
        # The last hop is the one our own proxy appended; earlier ones are the client's word.
        forwarded = request.headers.get("x-forwarded-for", "")
        last = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            pass
    return request.client.host if request.client else "0.0.0.0"  # noqa: S104


def bearer_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def viewer(request: Request) -> Viewer:
    """Resolved once per request and cached on it; the embed uses bearer tokens."""
    cached = getattr(request.state, "viewer", None)
    if isinstance(cached, Viewer):
        return cached
    token = bearer_token(request)
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        # Only a session cookie is ambient authority that needs CSRF protection; a request
        # with neither bearer token nor cookie is plainly anonymous (401, or a guest).
        via_cookie = token is not None
    else:
        via_cookie = False
    user = Accounts(runtime(request)).resolve(token)
    if user is None and token is not None and not via_cookie and request.method not in SAFE:
        # A revoked or expired bearer must not write as an anonymous guest: the embed hears
        # the 401 and brings its sign-in form back (a read simply answers as anonymous).
        raise AuthRequired(_("Your session has ended; sign in again."))
    result = Viewer(user=user, ip=client_ip(request), token=token if user else None)
    request.state.viewer = result
    request.state.via_cookie = via_cookie
    return result


def csrf_token(request: Request) -> str:
    """Bound to the session (or the anonymous cookie), so a token cannot be replanted."""
    rt = runtime(request)
    basis = request.cookies.get(SESSION_COOKIE) or anon_id(request)
    return hmac.new(rt.secret.encode(), f"csrf:{basis}".encode(), hashlib.sha256).hexdigest()


def anon_id(request: Request) -> str:
    existing = request.cookies.get(ANON_COOKIE)
    if existing and 16 <= len(existing) <= 64:
        return existing
    fresh = getattr(request.state, "new_anon", None)
    if not isinstance(fresh, str):
        fresh = secrets.token_urlsafe(24)
        request.state.new_anon = fresh
    return fresh


def public_origin(request: Request) -> str:
    """Behind a TLS proxy the request URL is not what the browser saw; VECHE_BASE_URL is."""
    parts = urlsplit(runtime(request).config.base_url)
    return f"{parts.scheme}://{parts.netloc}"


def same_origin(request: Request) -> bool:
    """No Origin header (an old browser, a same-origin GET-born form) or our own."""
    origin = request.headers.get("origin")
    own = {f"{request.url.scheme}://{request.url.netloc}", public_origin(request)}
    return not origin or origin == "null" or origin in own


def check_csrf(request: Request, submitted: str | None) -> None:
    """Cookie-borne writes need the token; bearer-token writes carry no ambient authority.

    The refusal is answered by a plain page that echoes nothing the request carried."""
    if bearer_token(request) is not None:
        return
    if not same_origin(request):
        raise CrossSiteRefused(_("This request came from another site and was refused."))
    origin = request.headers.get("origin")
    if request.cookies.get(SESSION_COOKIE) is None and origin and origin != "null":
        # Signed out, the token only guards against login CSRF, and the browser has just
        # said the form is our own. A reader's anonymous cookie may have been replaced by
        # a late response in another tab meanwhile: that must not cost them their form.
        return
    expected = csrf_token(request)
    if not submitted or not hmac.compare_digest(submitted, expected):
        raise CrossSiteRefused(
            _("The form expired or came from elsewhere. Reload the page and try again.")
        )
