"""ASGI app factory: routers, middleware, error handlers, and the worker when asked."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI

from onecast.config import Settings
from onecast.kit.auth import KeyCache
from onecast.kit.db import Database
from onecast.kit.errors import install_error_handlers
from onecast.kit.idempotency import install_idempotency
from onecast.kit.limits import BodySizeLimitMiddleware
from onecast.kit.openapi import install_openapi
from onecast.kit.plugins import load
from onecast.kit.ratelimit import BucketMap
from onecast.kit.secrets import configure_from as configure_secrets
from onecast.logging import configure_logging
from onecast.observability.middleware import RequestContextMiddleware
from onecast.routers import ROUTER_MODULES


def create_app(settings: Settings | None = None, *, run_worker: bool = False) -> FastAPI:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_json)
    configure_secrets(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        db = Database(settings.async_database_url, settings)
        app.state.db = db
        app.state.key_cache = KeyCache()
        app.state.key_buckets = BucketMap()
        app.state.settings = settings
        worker_task = None
        worker = None
        if run_worker:
            from onecast.delivery.worker import Worker

            worker = Worker(db, settings)
            worker_task = asyncio.create_task(worker.run())
        app.state.worker = worker
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
                await worker_task
            await db.dispose()

    app = FastAPI(
        title="Onecast",
        version="0.1.0",
        description="Self-hosted omnichannel messaging: the One API (Comapi / dotdigital compatible).\n\n"
                    "Errors are `application/problem+json`. A request whose URL and headers exceed 64 KB is "
                    "refused by the HTTP server with a plain-text 400 before it reaches the API.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_openapi(app, settings.batch_max_items)
    install_idempotency(app)  # innermost: it sees the body the size limit let through
    app.add_middleware(BodySizeLimitMiddleware, default_limit=settings.body_max_bytes,
                       limits={r"/messages/batch$": settings.batch_max_bytes,
                               r"/profiles/import/[^/]+/upload$": settings.import_max_bytes,
                               # uploads: the file as base64 JSON is 4/3 its size, plus the envelope
                               r"/content$": settings.content_max_bytes * 4 // 3 + 65536,
                               r"/upload$": settings.content_max_bytes + 65536})
    app.add_middleware(RequestContextMiddleware)

    for module in ROUTER_MODULES:
        app.include_router(load(f"{module}:router"))
    return app
