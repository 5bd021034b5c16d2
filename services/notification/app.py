"""Wiring of the notification service."""

from pathlib import Path

from fastapi import FastAPI

from services.notification.api import build_api
from services.notification.subscribers import build_router
from shared.runtime import ServiceRuntime
from shared.service_app import service_app
from shared.settings import CommonSettings


def create_runtime(settings: CommonSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="notification",
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        router=build_router(settings),
    )


def create_app(settings: CommonSettings | None = None) -> FastAPI:
    runtime = create_runtime(settings or CommonSettings())
    app = service_app(runtime, title="lienthong notification")
    app.include_router(build_api(runtime))
    return app
