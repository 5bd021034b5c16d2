"""The FastAPI application every service serves, built from its registry entry: its API plus health, readiness,
metrics and the operators' reads (:mod:`shared.kernel.operator_api`).

Every route declares who may call it (:mod:`shared.kernel.auth.http`); an app with a route that
does not is refused when it is built, so no route is ever anonymous by omission.
"""

from typing import Any, TypeVar

import uvicorn
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from shared.kernel.auth.http import OPERATOR, PUBLIC, enforce_access
from shared.kernel.http_input import refuse_unstorable_input
from shared.kernel.http_problems import install_problem_handlers, served_as_problems
from shared.kernel.journal_api import journal_api
from shared.kernel.operator_api import operator_api
from shared.kernel.runtime import ServiceRuntime
from shared.kernel.service import ServiceEntry
from shared.kernel.settings import CommonSettings
from shared.observability.logging_setup import configure_logging

KEEP_ALIVE_SECONDS = 30
UNDECLARED_ACCESS_ALLOWED = frozenset({"/healthz", "/readyz"})


SettingsT = TypeVar("SettingsT", bound=CommonSettings)


def create_runtime(entry: ServiceEntry[SettingsT], settings: SettingsT | None = None) -> ServiceRuntime[Any]:
    """The runtime of the service ``entry`` names, declared for ``settings`` (its defaults when None)."""
    settings = settings or entry.settings()
    return ServiceRuntime(entry.declare(settings), settings, entry.migrations)


def create_app(entry: ServiceEntry[SettingsT], settings: SettingsT | None = None) -> FastAPI:
    """The app of the service ``entry`` names: its routers, health, readiness, metrics; its runtime as lifespan.

    Raises :class:`~shared.kernel.auth.http.UndeclaredAccessError` naming any route that declares no access.
    """
    runtime = create_runtime(entry, settings)
    app = _service_app(runtime)
    for router in runtime.service.routers(runtime):
        app.include_router(router)
    if runtime.service.configure is not None:
        runtime.service.configure(app, runtime)
    enforce_access(app, UNDECLARED_ACCESS_ALLOWED)
    return app


def _service_app(runtime: ServiceRuntime[Any]) -> FastAPI:
    # Every route first refuses what PostgreSQL cannot store (422 naming the field); any error is a problem.
    app = FastAPI(
        title=runtime.service.title,
        version="1.0.0",
        lifespan=runtime.lifespan,
        dependencies=[Depends(refuse_unstorable_input)],
    )
    app.state.runtime = runtime
    app.state.token_verifier = runtime.token_verifier
    install_problem_handlers(app)
    plain_openapi = app.openapi
    app.openapi = lambda: served_as_problems(plain_openapi())  # type: ignore[method-assign]
    runtime.instrument(app)

    @app.get("/healthz", include_in_schema=False, dependencies=[PUBLIC])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False, dependencies=[PUBLIC])
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

    @app.get("/metrics", include_in_schema=False, dependencies=[OPERATOR])
    async def metrics() -> Response:
        """Prometheus metrics, for the ``operator`` scope; outbox, lag and dead-letter gauges are read at each
        scrape."""
        return Response(await runtime.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(operator_api(runtime))
    app.include_router(journal_api(runtime))
    return app


def serve(entry: ServiceEntry[Any]) -> None:
    """Run the service with uvicorn until SIGTERM/SIGINT, every log line as JSON on stdout."""
    # JSON before the app is built too: a warning logged while it is (a setting left unset)
    # would otherwise go out as a bare line through logging's last-resort handler.
    configure_logging(entry.name)
    settings = entry.settings()
    app = create_app(entry, settings)
    runtime: ServiceRuntime[Any] = app.state.runtime
    configure_logging(runtime.name, messages=runtime.broker.context)  # now with the messages being handled
    port = settings.http_port or entry.port
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
