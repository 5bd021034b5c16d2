"""Wiring of the intake service."""

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from services.intake.adapters.population_db import PopulationDbClient
from services.intake.api import build_api
from services.intake.identity.api import build_identity_api
from services.intake.identity.checker import IdentityChecker
from services.intake.identity.rechecker import IdentityRechecker
from services.intake.settings import IntakeSettings
from services.intake.subscribers import build_router
from shared.contracts import DossierSubmitted, DossierSupplemented, DossierWithdrawn
from shared.kernel.background import run_beside
from shared.kernel.runtime import ServiceRuntime
from shared.kernel.service_app import service_app

log = logging.getLogger(__name__)


def create_runtime(settings: IntakeSettings) -> ServiceRuntime:
    return ServiceRuntime(
        name="intake",
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        router=build_router(settings),
        publishes=[DossierSubmitted, DossierSupplemented, DossierWithdrawn],
    )


def population_db(settings: IntakeSettings) -> PopulationDbClient | None:
    """The population database's client, or None when ``LIENTHONG_POPULATION_DB_URL`` is not set."""
    if not settings.population_db_url:
        return None
    return PopulationDbClient(
        settings.population_db_url,
        settings.population_db_token,
        timeout_seconds=settings.population_db_timeout_seconds,
        threshold=settings.population_db_breaker_threshold,
        open_seconds=settings.population_db_breaker_open_seconds,
    )


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    runtime = create_runtime(settings)
    client = population_db(settings)
    checker = IdentityChecker(
        client, base_seconds=settings.identity_recheck_base_seconds, cap_seconds=settings.identity_recheck_cap_seconds
    )
    app = service_app(runtime, title="lienthong intake")
    app.include_router(build_api(runtime, settings, checker))
    app.include_router(build_identity_api(runtime))
    runtime_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(app):
            if client is None:
                log.warning("LIENTHONG_POPULATION_DB_URL is not set: applicants' identities are not checked")
            try:
                yield
            finally:
                if client is not None:
                    await client.aclose()

    app.router.lifespan_context = lifespan
    if client is not None:
        rechecker = IdentityRechecker(
            lambda: runtime.db,
            checker,
            poll_seconds=settings.identity_recheck_poll_seconds,
            batch=settings.identity_recheck_batch,
            lease_seconds=settings.identity_recheck_lease_seconds,
        )
        run_beside(app, rechecker.run, name="identity-rechecker")
    return app
