"""Security headers on every response, and CORS limited to the sites' allowed origins.

Pure ASGI: the headers are edited in the `http.response.start` message. The allowed
origins come from a short cache; when it is stale the query runs in the threadpool,
never on the event loop.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veche.service.stories import Stories
from veche.web.errors import error_json

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors {ancestors}"
)
# Paths a publisher's page may call from its own origin (the embed).
CORS_PREFIXES = ("/api/", "/fragments/")
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, stories: Stories, hsts_seconds: int = 0) -> None:
        self.app = app
        self.stories = stories
        self.hsts_seconds = hsts_seconds

    async def _origins(self) -> frozenset[str]:
        cached = self.stories.cached_origins()
        if cached is not None:
            return cached
        return await run_in_threadpool(self.stories.allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        origin = Headers(scope=scope).get("origin")
        cors = path.startswith(CORS_PREFIXES) and origin is not None
        embed = path.startswith("/embed/")
        origins = await self._origins() if cors or embed else frozenset()
        allowed = cors and origin in origins
        ancestors = " ".join(["'self'", *sorted(origins)]) if embed else "'self'"
        static = path.startswith("/static/") or path in ("/embed.js", "/count.js")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if allowed and origin:
                    headers["Access-Control-Allow-Origin"] = origin
                    headers["Access-Control-Allow-Methods"] = CORS_METHODS
                    headers["Access-Control-Allow-Headers"] = CORS_HEADERS
                    headers["Access-Control-Max-Age"] = "600"
                if cors:
                    headers.add_vary_header("Origin")
                headers.setdefault("Content-Security-Policy", CSP.format(ancestors=ancestors))
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
                if not embed:
                    headers["X-Frame-Options"] = "SAMEORIGIN"
                if self.hsts_seconds > 0:
                    headers["Strict-Transport-Security"] = (
                        f"max-age={self.hsts_seconds}; includeSubDomains"
                    )
                # A route that sets its own Cache-Control keeps it.
                headers.setdefault("Cache-Control", "public, max-age=300" if static else "no-store")
            await send(message)

        if cors and scope["method"] == "OPTIONS":
            if allowed:
                await send_with_headers(
                    {"type": "http.response.start", "status": 204, "headers": []}
                )
                await send_with_headers({"type": "http.response.body", "body": b""})
            else:
                refusal = error_json(403, "forbidden", "This origin may not call veche.")
                await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)
