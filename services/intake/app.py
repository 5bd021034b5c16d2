"""Wiring of the intake service."""

from pathlib import Path

from fastapi import FastAPI

from services.intake.api import build_api
from services.intake.settings import IntakeSettings
from services.intake.subscribers import build_router
from shared.contracts import DossierSubmitted, DossierSupplemented, DossierWithdrawn
from shared.runtime import ServiceRuntime
from shared.service_app import service_app


def create_runtime(settings: IntakeSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="intake",
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        router=build_router(settings),
        publishes=[DossierSubmitted, DossierSupplemented, DossierWithdrawn],
    )


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    runtime = create_runtime(settings)
    app = service_app(runtime, title="lienthong intake")
    app.include_router(build_api(runtime, settings))
    return app
