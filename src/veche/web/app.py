"""The app factory: one Runtime per process, handed to routers through app.state."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from veche import __version__
from veche.config import Config
from veche.live.bell import Bell
from veche.live.hub import Hub
from veche.live.sessions import SessionWatch
from veche.logs import configure, lean_records
from veche.moderation.embedding import AbuseClassifier
from veche.moderation.lang import warm as warm_scoring
from veche.notify import handlers as notify_handlers
from veche.service.counts import Counts
from veche.service.runtime import Runtime
from veche.service.screening import Screening
from veche.service.stories import Stories
from veche.web import (
    account_pages,
    admin_pages,
    api,
    api_auth,
    api_counts,
    api_me,
    api_moderation,
    api_notify,
    api_reads,
    api_recovery,
    api_sso,
    api_stories,
    api_webhooks,
    errors,
    forms,
    live,
    moderation_pages,
    notify_pages,
    oidc,
    openapi,
    pages,
    queue_live,
    reactions,
    theme,
)
from veche.web import i18n as i18n_routes
from veche.web.cache import PageCache
from veche.web.compression import Compression
from veche.web.headers import SecurityHeaders
from veche.web.hot import HotCache, HotReads, StoryVersions
from veche.web.i18n import Language
from veche.web.middleware import BodyLimit, RequestId, ServerErrors
from veche.web.templating import STATIC


def worker_app() -> FastAPI:
    """What each process of `veche serve --workers N` serves: a node of its own, configured
    from the environment like the others (the parent has migrated the database)."""
    configure()
    lean_records()
    live.tune_gc()
    return create_app()


def create_app(config: Config | None = None, runtime: Runtime | None = None) -> FastAPI:
    config = config or Config.from_env()
    rt = runtime or Runtime.build(config)
    hub = Hub(
        rt,
        rt.broker,
        queue_size=config.sse_queue_size,
        presence_every=max(config.presence_sweep_seconds, 0.2),
    )
    stories = Stories(rt)
    session_watch = SessionWatch(hub)
    screening = None
    if config.moderation_model and rt.screener is None:
        screening = Screening(rt, AbuseClassifier.load(config.moderation_model_path or None))
        rt.screener = screening
    page_cache = PageCache(
        config.page_cache_bytes, ttl=config.page_cache_ttl, clock=lambda: rt.clock().timestamp()
    )
    versions = StoryVersions(rt.broker)
    hot_cache = HotCache(config.hot_cache_bytes)
    loops = notify_handlers.background(rt) if config.background else []
    bell = Bell(hub)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        """The broker and the hub live on the server's event loop, for the process's life."""
        await rt.broker.start()
        rt.broker.add_sink(stories.on_notice)
        rt.broker.add_sink(page_cache.on_notice)
        rt.broker.add_sink(versions.on_notice)
        rt.broker.add_sink(hot_cache.on_notice)
        rt.broker.add_sink(session_watch.on_notice)
        rt.broker.add_sink(bell.on_notice)
        versions.listening = True
        await hub.start(dt.timedelta(hours=config.event_retention_hours))
        keeper = live.keep_streams(hub, config.sse_heartbeat_seconds)
        ending = asyncio.create_task(keeper, name="veche-keep-streams")
        if screening is not None:
            screening.start()
        for loop in loops:
            loop.start()
        # The language detector takes a second or more to build: not on a reader's first post.
        await asyncio.to_thread(warm_scoring)
        try:
            yield
        finally:
            if screening is not None:
                screening.stop()
            for loop in loops:
                await asyncio.to_thread(loop.stop)
            versions.listening = False
            ending.cancel()
            await hub.stop()
            rt.broker.remove_sink(stories.on_notice)
            rt.broker.remove_sink(page_cache.on_notice)
            rt.broker.remove_sink(versions.on_notice)
            rt.broker.remove_sink(hot_cache.on_notice)
            rt.broker.remove_sink(session_watch.on_notice)
            rt.broker.remove_sink(bell.on_notice)
            await rt.broker.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="veche",
        version=__version__,
        description="Threaded discussions for news sites.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = rt
    app.state.stories = stories
    app.state.counts = Counts(rt)
    app.state.hub = hub
    app.state.page_cache = page_cache
    app.state.versions = versions
    app.state.hot_cache = hot_cache
    # Added innermost first: a request passes RequestId, SecurityHeaders, ServerErrors,
    # then BodyLimit — so a 500 or a 413 still has the security headers and the id.
    app.add_middleware(Language)  # the request's language, for every `_()` it reaches
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(ServerErrors)
    app.add_middleware(SecurityHeaders, stories=stories, hsts_seconds=config.hsts_seconds)
    app.add_middleware(RequestId)
    app.add_middleware(Compression)  # it compresses what the others sent
    # Outermost: a cached shared body is answered before any of the above runs.
    hot_clock = lambda: page_cache.clock()  # noqa: E731 - the cache's clock, as it is then
    app.add_middleware(HotReads, cache=hot_cache, versions=versions, clock=hot_clock)
    errors.install(app)

    app.include_router(i18n_routes.router)
    app.include_router(api_auth.router)
    app.include_router(api_sso.router)
    app.include_router(api_reads.router)
    app.include_router(api_stories.router)
    app.include_router(api_counts.router)
    app.include_router(api.router)
    app.include_router(api_moderation.router)
    app.include_router(api_webhooks.router)
    app.include_router(queue_live.router)
    app.include_router(moderation_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(live.router)
    app.include_router(pages.router)
    app.include_router(theme.router)
    app.include_router(forms.router)
    app.include_router(api_me.router)
    app.include_router(api_recovery.router)
    app.include_router(account_pages.router)
    app.include_router(oidc.router)
    app.include_router(reactions.router)
    app.include_router(api_notify.router)
    app.include_router(notify_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    openapi.install(app)
    return app
