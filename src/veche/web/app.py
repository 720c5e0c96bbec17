"""The app factory: one Runtime per process, handed to routers through app.state."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from veche import __version__
from veche.config import Config
from veche.service.runtime import Runtime
from veche.service.stories import Stories
from veche.web import api, api_auth, errors, forms, openapi, pages
from veche.web.headers import SecurityHeaders
from veche.web.middleware import BodyLimit, RequestId, ServerErrors
from veche.web.templating import STATIC


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
    # Added innermost first: a request passes RequestId, SecurityHeaders, ServerErrors,
    # then BodyLimit — so a 500 or a 413 still has the security headers and the id.
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(ServerErrors)
    app.add_middleware(SecurityHeaders, stories=app.state.stories, hsts_seconds=config.hsts_seconds)
    app.add_middleware(RequestId)
    errors.install(app)

    app.include_router(api_auth.router)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(forms.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    openapi.install(app)
    return app
