"""The returns' parts of the intake service: its routes and the shipper, built from the settings."""

import logging

from fastapi import APIRouter

from services.intake.adapters.postgres_database import PostgresIntakeDatabase
from services.intake.returns.counter_api import build_counter_api
from services.intake.returns.postal import PostalService
from services.intake.returns.postal_api import SIGNATURE_HEADER, TIMESTAMP_HEADER, build_postal_api
from services.intake.returns.shipper import Shipper
from services.intake.settings import IntakeSettings
from services.intake.signed_callbacks import CallbackVerifier
from services.intake.store import IntakeStore
from shared.kernel.polling import PollingWorker
from shared.kernel.retry import RetryPolicy
from shared.kernel.runtime import ServiceRuntime

log = logging.getLogger(__name__)

DEFAULT_PORT = 8001
"""Intake's port in the service registry, when ``LIENTHONG_HTTP_PORT`` does not say."""


def returns_routers(runtime: ServiceRuntime[IntakeStore], settings: IntakeSettings) -> list[APIRouter]:
    """The counter's hand-over and the postal service's callback (the download is beside the lookup)."""
    database = PostgresIntakeDatabase(runtime.transactions)
    secret = settings.postal_callback_secret
    verifier = None
    if secret is not None:
        verifier = CallbackVerifier(
            secret.get_secret_value().encode(),
            settings.postal_callback_window_seconds,
            TIMESTAMP_HEADER,
            SIGNATURE_HEADER,
        )
    return [
        build_counter_api(database),
        build_postal_api(database, verifier, runtime.clock, runtime.metrics.registry),
    ]


class PostalReturns:
    """The postal service's client (None when ``LIENTHONG_POSTAL_URL`` is not set) and what the service runs with it:
    the shipper as a worker, a warning at start of what is not configured, the client closed at stop."""

    def __init__(self, settings: IntakeSettings) -> None:
        self.settings = settings
        self.postal = None
        if settings.postal_url:
            key = settings.postal_merchant_key
            self.postal = PostalService(
                settings.postal_url,
                "" if key is None else key.get_secret_value(),
                timeout=settings.postal_timeout_seconds,
            )

    def workers(self, runtime: ServiceRuntime[IntakeStore]) -> list[PollingWorker]:
        """The shipper, when a postal service is configured."""
        if self.postal is None:
            return []
        settings = self.settings
        shipper = Shipper(
            runtime.transaction,
            self.postal,
            callback_url=callback_url(settings),
            batch=settings.shipment_batch,
            lease_seconds=settings.shipment_lease_seconds,
            retry=RetryPolicy(settings.shipment_retry_base_seconds, settings.shipment_retry_cap_seconds),
        )
        worker = PollingWorker(
            "result-shipper",
            shipper.ship,
            batch=settings.shipment_batch,
            poll_seconds=settings.shipment_poll_seconds,
            metrics=runtime.worker_metrics,
        )
        return [worker]

    async def warn(self) -> None:
        """Say at start what of the post is not configured."""
        if self.postal is None:
            log.warning("LIENTHONG_POSTAL_URL is not set: results chosen by post wait and are not shipped")
        if self.settings.postal_callback_secret is None:
            log.warning("LIENTHONG_POSTAL_CALLBACK_SECRET is not set: every postal delivery callback is refused")

    async def close(self) -> None:
        if self.postal is not None:
            await self.postal.close()


def callback_url(settings: IntakeSettings) -> str:
    """Where the postal service tells intake of deliveries."""
    port = settings.http_port or DEFAULT_PORT
    return settings.postal_callback_url or f"http://127.0.0.1:{port}/v1/postal/deliveries"
