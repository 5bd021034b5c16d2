"""The FastAPI application every service serves: its API plus health and readiness."""

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from shared.kernel.http_problems import install_problem_handlers, served_as_problems
from shared.kernel.runtime import ServiceRuntime
from shared.kernel.settings import CommonSettings
from shared.observability.logging_setup import configure_logging

KEEP_ALIVE_SECONDS = 30


def service_app(runtime: ServiceRuntime, *, title: str) -> FastAPI:
    """An app whose lifespan runs ``runtime``; add the service's routes to it."""
    app = FastAPI(title=title, version="1.0.0", lifespan=runtime.lifespan)
    app.state.runtime = runtime
    install_problem_handlers(app)
    plain_openapi = app.openapi
    app.openapi = lambda: served_as_problems(plain_openapi())  # type: ignore[method-assign]
    runtime.instrument(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Readiness: the database answers and the broker is connected."""
        checks = {"database": "ok", "broker": "ok"}
        try:
            async with runtime.db.acquire(timeout=2) as connection:
                await connection.fetchval("SELECT 1")
        except Exception as error:  # any failure means not ready
            checks["database"] = f"failed: {type(error).__name__}"
        if not await runtime.broker.ping(timeout=2):
            checks["broker"] = "failed"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ready" if ready else "not ready", **checks}, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus metrics; outbox, lag and dead-letter gauges are read at each scrape."""
        return Response(await runtime.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return app


def serve(app: FastAPI, settings: CommonSettings, default_port: int) -> None:
    """Run ``app`` with uvicorn until SIGTERM/SIGINT, every log line as JSON on stdout."""
    runtime: ServiceRuntime = app.state.runtime
    configure_logging(runtime.name, messages=runtime.broker.context)
    port = settings.http_port or default_port
    # Idle connections stay open longer than common clients keep them (httpx: 5 s), so a
    # client never reuses a connection the server is closing at that very moment.
    uvicorn.run(
        app,
        host=settings.http_host,
        port=port,
        log_level="info",
        access_log=False,
        log_config=None,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
