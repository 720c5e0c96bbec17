"""Security headers on every response, and CORS limited to the sites' allowed origins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware

from veche.service.stories import Stories

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors {ancestors}"
)
# Paths a publisher's page may call from its own origin (the embed).
CORS_PREFIXES = ("/api/", "/fragments/")
CORS_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type, Idempotency-Key"


class SecurityHeaders(BaseHTTPMiddleware):
    def __init__(self, app: object, stories: Stories) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.stories = stories

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        origin = request.headers.get("origin")
        cors = request.url.path.startswith(CORS_PREFIXES) and origin is not None
        allowed = cors and origin in self.stories.allowed_origins()
        if cors and request.method == "OPTIONS":
            response: Response = Response(status_code=204 if allowed else 403)
        else:
            response = await call_next(request)
        if allowed and origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
            response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
        if cors:
            response.headers["Vary"] = "Origin"
        ancestors = "'self'"
        if request.url.path.startswith("/embed/"):
            ancestors = " ".join(["'self'", *sorted(self.stories.allowed_origins())])
        response.headers.setdefault("Content-Security-Policy", CSP.format(ancestors=ancestors))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if not request.url.path.startswith("/embed/"):
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        static = request.url.path.startswith("/static/") or request.url.path == "/embed.js"
        response.headers.setdefault(
            "Cache-Control", "public, max-age=300" if static else "no-store"
        )
        return response
