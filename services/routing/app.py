"""Wiring of the routing service."""

from pathlib import Path

from fastapi import FastAPI

from services.routing.api import build_api
from services.routing.subscribers import build_router
from shared.contracts import DossierStatusChanged, TaskAssigned, TaskCancelled, TaskResumed
from shared.kernel.runtime import ServiceRuntime
from shared.kernel.service_app import service_app
from shared.kernel.settings import CommonSettings


def create_runtime(settings: CommonSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="routing",
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        router=build_router(settings),
        publishes=[TaskAssigned, TaskCancelled, TaskResumed, DossierStatusChanged],
    )


def create_app(settings: CommonSettings | None = None) -> FastAPI:
    runtime = create_runtime(settings or CommonSettings())
    app = service_app(runtime, title="lienthong routing")
    app.include_router(build_api(runtime))
    return app
