"""The app factory: one Runtime per process, handed to routers through app.state."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from veche import __version__
from veche.config import Config
from veche.domain.errors import RateLimited, VecheError
from veche.service.runtime import Runtime
from veche.service.stories import Stories
from veche.web import api, api_auth, api_reads, api_stories, forms, pages
from veche.web.cache import PageCache
from veche.web.headers import SecurityHeaders
from veche.web.templating import STATIC


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _error(request: Request, status: int, code: str, message: str, field: str | None) -> Response:
    if _wants_json(request):
        return JSONResponse(
            {"error": {"code": code, "message": message, "field": field}}, status_code=status
        )
    return pages.error_page(request, status, message)


def _readable(exc: RequestValidationError) -> tuple[str, str | None]:
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(x) for x in first.get("loc", ())]
    # Drop only the leading location: a field may itself be called "body".
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    field = ".".join(loc) or None
    msg = str(first.get("msg", "Invalid request"))
    if first.get("type") == "json_invalid":
        return "The request body is not valid JSON.", None
    if first.get("type") == "extra_forbidden":
        return f"Unknown field “{field}”.", field
    return (f"{field}: {msg}" if field else msg), field


def create_app(config: Config | None = None, runtime: Runtime | None = None) -> FastAPI:
    config = config or Config.from_env()
    rt = runtime or Runtime.build(config)
    app = FastAPI(
        title="veche",
        version=__version__,
        description="Threaded discussions for news sites.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = rt
    app.state.stories = Stories(rt)
    app.state.page_cache = PageCache(
        config.page_cache_bytes, ttl=config.page_cache_ttl, clock=lambda: rt.clock().timestamp()
    )
    app.add_middleware(SecurityHeaders, stories=app.state.stories)

    @app.exception_handler(VecheError)
    async def domain_error(request: Request, exc: VecheError) -> Response:
        response = _error(request, exc.status, exc.code, exc.message, exc.field)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        message, field = _readable(exc)
        return _error(request, 422, "invalid_input", message, field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = str(exc.detail) if exc.detail else "Error"
        if exc.status_code == 404:
            message = "Not found."
        elif exc.status_code == 405:
            message = "That method is not allowed here."
        return _error(request, exc.status_code, "http_error", message, None)

    app.include_router(api_auth.router)
    app.include_router(api_reads.router)
    app.include_router(api_stories.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(forms.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
