"""Wiring of the department service."""

from pathlib import Path

from fastapi import FastAPI

from services.department.api import build_api
from services.department.subscribers import build_router
from shared.contracts import TaskCompleted, TaskExtended, TaskReturned, TaskSupplementRequested
from shared.runtime import ServiceRuntime
from shared.service_app import service_app
from shared.settings import CommonSettings


def create_runtime(settings: CommonSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="department",
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        router=build_router(settings),
        publishes=[TaskCompleted, TaskSupplementRequested, TaskReturned, TaskExtended],
    )


def create_app(settings: CommonSettings | None = None) -> FastAPI:
    runtime = create_runtime(settings or CommonSettings())
    app = service_app(runtime, title="lienthong department")
    app.include_router(build_api(runtime))
    return app
