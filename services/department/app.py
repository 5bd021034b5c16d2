"""Wiring of the department service."""

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from services.department.adapters.change_feed import ChangeFeed
from services.department.api import build_api
from services.department.deadlines.marks import DeadlinePolicy
from services.department.deadlines.office_time import OfficeTime
from services.department.deadlines.scheduler import DeadlineScheduler
from services.department.deadlines.settings import DeadlineSettings
from services.department.settings import DepartmentSettings
from services.department.stats import subscribers as board_subscribers
from services.department.stats.api import build_board
from services.department.stats.gauge import on_time_refresher
from services.department.subscribers import build_router
from shared.contracts import TaskCompleted, TaskDeadlineReached, TaskExtended, TaskReturned, TaskSupplementRequested
from shared.kernel.background import run_beside
from shared.kernel.http_problems import served_as_problems
from shared.kernel.runtime import ServiceRuntime
from shared.kernel.service_app import service_app
from shared.kernel.settings import CommonSettings
from shared.reference.calendar import default_calendar

API_DESCRIPTION = """\
The clerk API of a unit's work queue, for the UIs of commune centres and provincial departments.

**Authentication.** Every route needs `Authorization: Bearer <JWT>`: RS256 only, signed by a key of the
configured JWKS, with `iss`, `aud`, `exp` and `sub` checked. Claims: `sub` (the clerk, recorded on every
action), `units` (unit codes such as `17179.KT`) and `roles` (`receiver`, `handler`, `approver`,
`supervisor`).

**Authorisation.** A clerk sees only their units' tasks: another unit or its task answers 404. Roles:
every role reads the inbox, a task and the change feed; `handler` claims, releases, asks for supplements,
returns and extends; `approver` approves and refuses; `handler` and `approver` comment; `supervisor`
reads the audit log. An action outside the clerk's roles answers 403.

**Concurrency.** `GET /v1/tasks/{id}` and every action answer the task's `ETag` (its version). Actions
require `If-Match` with it (428 without); a stale one answers 409 and changes nothing. An
`Idempotency-Key` makes a retry answer what the first request got.

**Errors** are problem details (RFC 9457, `application/problem+json`) whose `errors` name each field.
"""


IF_MATCH_PATTERN = r'^(W/)?"[0-9]{1,9}"$'


def create_runtime(settings: CommonSettings) -> ServiceRuntime:
    router = build_router(settings)
    router.include_router(board_subscribers.build_router(settings))
    return ServiceRuntime(
        name="department",
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        router=router,
        publishes=[TaskCompleted, TaskSupplementRequested, TaskReturned, TaskExtended, TaskDeadlineReached],
    )


def create_app(settings: DepartmentSettings | None = None) -> FastAPI:
    settings = settings or DepartmentSettings()
    runtime = create_runtime(settings)
    feed = ChangeFeed(settings.database_url)
    app = service_app(runtime, title="lienthong department")
    app.state.token_verifier = settings.token_verifier()
    app.include_router(build_api(runtime, feed))
    app.include_router(build_board(lambda: runtime.db))
    runtime_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(app):
            try:
                yield
            finally:
                await feed.close()

    app.router.lifespan_context = lifespan
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    run_beside(app, deadline_scheduler(runtime, DeadlineSettings()).run, name="deadline-scheduler")
    runtime.metrics.on_scrape(
        "on-time", on_time_refresher(runtime.metrics, lambda: runtime.db, lambda: datetime.now(UTC))
    )
    return app


def deadline_scheduler(runtime: ServiceRuntime, settings: DeadlineSettings) -> DeadlineScheduler:
    """The scheduler of deadline marks, on the service's pool and the Vietnamese calendar."""
    return DeadlineScheduler(
        lambda: runtime.db,
        DeadlinePolicy(OfficeTime(default_calendar()), share=settings.warning_share),
        prefix=runtime.settings.topic_prefix,
        poll_seconds=settings.poll_seconds,
        batch=settings.batch,
    )


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI 3.1 document, errors served as ``application/problem+json``."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version="3.1.0",
            description=API_DESCRIPTION,
            routes=app.routes,
        )
        for path in document["paths"].values():
            for operation in path.values():
                for parameter in operation.get("parameters", []):
                    if parameter["name"] == "if-match":
                        # Documented as required so that clients send it; its absence answers 428, not 422.
                        parameter["required"] = True
                        parameter["schema"] = {"type": "string", "pattern": IF_MATCH_PATTERN}
        app.openapi_schema = served_as_problems(document)
    return app.openapi_schema
