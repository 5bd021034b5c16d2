"""The intake service, declared: dossiers received from portals and counters, identities checked."""

import logging

from services.intake import handlers
from services.intake.adapters.population_db import PopulationDbClient
from services.intake.adapters.postgres_store import PostgresIntakeStore
from services.intake.adapters.retention import DOSSIER_APPLICANTS
from services.intake.api import build_api
from services.intake.identity.api import build_identity_api
from services.intake.identity.checker import IdentityChecker
from services.intake.identity.decision_api import build_decision_api
from services.intake.identity.rechecker import IdentityRechecker
from services.intake.payments.wiring import Payments
from services.intake.returns.wiring import PostalReturns, returns_routers
from services.intake.settings import IntakeSettings
from services.intake.store import IntakeStore
from shared.contracts import DOSSIER_INTAKE, DOSSIER_STATUS, DossierStatusChanged
from shared.kernel.polling import PollingWorker
from shared.kernel.runtime import ServiceRuntime
from shared.kernel.s3_object_store import S3ObjectStore
from shared.kernel.service import Service

log = logging.getLogger(__name__)

Runtime = ServiceRuntime[IntakeStore]


def declare(settings: IntakeSettings) -> Service[IntakeStore]:
    client = population_db(settings)
    objects = S3ObjectStore.from_settings(settings)
    """Where the documents' bodies are kept (one client for the service's routes and workers)."""
    post = PostalReturns(settings)
    payments = Payments(settings, objects)
    checker = IdentityChecker(
        client, base_seconds=settings.identity_recheck_base_seconds, cap_seconds=settings.identity_recheck_cap_seconds
    )

    async def warn_unchecked() -> None:
        if client is None:
            log.warning("LIENTHONG_POPULATION_DB_URL is not set: applicants' identities are not checked")

    def workers(runtime: Runtime) -> list[PollingWorker]:
        rechecker = [] if client is None else [identity_rechecker(runtime, settings, checker)]
        return [*rechecker, *post.workers(runtime), *payments.workers(runtime)]

    return Service(
        name="intake",
        title="lienthong intake",
        store=PostgresIntakeStore,
        consumes={DOSSIER_STATUS: {DossierStatusChanged: handlers.record_status_change}},
        publishes=(DOSSIER_INTAKE,),
        routers=lambda runtime: [
            build_api(runtime, settings, checker, objects),
            build_identity_api(runtime),
            build_decision_api(runtime),
            *returns_routers(runtime, settings),
            *payments.routers(runtime),
        ],
        workers=workers,
        retention=DOSSIER_APPLICANTS.plan,
        on_start=[warn_unchecked, objects.prepare, post.warn, payments.warn],
        on_stop=[objects.close, post.close, payments.close, *([] if client is None else [client.aclose])],
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


def identity_rechecker(runtime: Runtime, settings: IntakeSettings, checker: IdentityChecker) -> PollingWorker:
    """Checks pending identities again, backing off, until the population database answers."""
    rechecker = IdentityRechecker(
        runtime.transaction,
        checker,
        batch=settings.identity_recheck_batch,
        lease_seconds=settings.identity_recheck_lease_seconds,
    )
    return PollingWorker(
        "identity-rechecker",
        rechecker.recheck,
        batch=settings.identity_recheck_batch,
        poll_seconds=settings.identity_recheck_poll_seconds,
        metrics=runtime.worker_metrics,
    )
