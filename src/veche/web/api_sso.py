"""POST /api/v1/auth/sso: a publisher's signed token for a veche session, as sign-in does."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from veche.service.sso import TOKEN_MAX, Sso
from veche.web.api_auth import user_out
from veche.web.identity import client_ip, runtime
from veche.web.schemas import SessionOut, Strict

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class SsoIn(Strict):
    site: str = Field(min_length=1, max_length=64, description="The site's name in veche")
    token: str = Field(
        min_length=1,
        max_length=TOKEN_MAX,
        description="A JWT the publisher signed (HS256, RS256 or EdDSA) with claims sub, "
        "handle, aud (the site's name), exp, iat, jti, and optionally name, email, role "
        "and avatar",
    )


@router.post("/sso")
def sso(body: SsoIn, request: Request) -> SessionOut:
    """Exchange a publisher's token; a refused token is a 401 whose code says why
    (`sso_expired`, `sso_bad_signature`, `sso_replayed`, `sso_wrong_site`,
    `sso_invalid_claims`, `sso_malformed`, `sso_disabled`)."""
    user, token = Sso(runtime(request)).sign_in(
        body.site, body.token, ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )  # fmt: skip
    return SessionOut(token=token, user=user_out(user))
