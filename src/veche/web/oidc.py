"""/auth/oidc/{site}/start and /callback: "Sign in with <provider>" for hosted pages and the embed.

On veche's own pages the flow is a plain redirect there and back, ending with the session
cookie. The embed opens the start page in a popup with `origin=` its page's origin (one of
the site's allowed origins); the callback then answers a small page that hands the session
token to that window only (postMessage with that target origin) and closes. Every refusal
is a page that says what happened and offers to start again, never a traceback.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from veche.domain.errors import VecheError
from veche.service import oidc
from veche.service.oidc_members import OidcMembers
from veche.web.identity import ANON_COOKIE, SESSION_COOKIE, client_ip, runtime
from veche.web.templating import env, render, safe_next, set_cookie

router = APIRouter(include_in_schema=False)
FLOW_COOKIE = "veche_oidc"
FLOW_PATH = "/auth/oidc/"


def _site_button(site: Any, next_path: str) -> oidc.Button | None:
    """For the gate under a story (hosted and embedded): the story's site's button."""
    return oidc.button(site.name, site.auth, next_path)


def _buttons(request: Request, next_path: str) -> list[oidc.Button]:
    """For the hosted sign-in page."""
    return oidc.buttons(runtime(request), safe_next(next_path))


env.globals["oidc_site_button"] = _site_button
env.globals["oidc_buttons"] = _buttons


def _failed(request: Request, site: str, exc: VecheError, flow: oidc.Flow | None) -> Response:
    again = oidc.start_path(site, flow.next if flow else "/")
    if flow is not None and flow.origin:
        again += "&origin=" + quote(flow.origin, safe="")
    response = render(
        request, "oidc.html", status=exc.status, message=exc.message, again=again,
        popup=bool(flow and flow.origin),
    )  # fmt: skip
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response


@router.get("/auth/oidc/{site}/start")
def start(
    request: Request, site: str, next: str | None = None, origin: str | None = None
) -> Response:
    rt = runtime(request)
    try:
        url, flow = oidc.OidcClient(rt).begin(
            site, next_path=safe_next(next), origin=origin or None, ip=client_ip(request)
        )
    except VecheError as exc:
        return _failed(request, site, exc, None)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        oidc.seal(rt.secret, flow),
        max_age=oidc.FLOW_SECONDS,
        path=FLOW_PATH,
        httponly=True,
        secure=rt.config.cookie_secure,
        samesite="lax",  # the provider's redirect back is a top-level GET: Lax lets it through
    )
    return response


@router.get("/auth/oidc/{site}/callback")
def callback(request: Request, site: str) -> Response:
    rt = runtime(request)
    flow = oidc.unseal(rt.secret, request.cookies.get(FLOW_COOKIE), rt.clock().timestamp())
    params = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
    try:
        claims = oidc.OidcClient(rt).finish(site, flow, params)
        signed = OidcMembers(rt).sign_in(site, claims, user_agent=request.headers.get("user-agent"))
    except VecheError as exc:
        return _failed(request, site, exc, flow)
    assert flow is not None
    if flow.origin:
        user = {
            "id": signed.user_id, "handle": signed.handle,
            "display_name": signed.display_name, "role": signed.role,
        }  # fmt: skip
        done = {"token": signed.token, "user": user, "origin": flow.origin}
        response: Response = render(request, "oidc.html", done=done, popup=True)
    else:
        response = RedirectResponse(flow.next, status_code=303)
        days = rt.config.session_days
        set_cookie(request, response, SESSION_COOKIE, signed.token, max_age=days * 86400)
        response.delete_cookie(ANON_COOKIE, path="/")
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
    return response
