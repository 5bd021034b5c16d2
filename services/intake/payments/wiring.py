"""The payments' parts of the intake service, built from the settings: the callback route, the creator, and
what is said at start and closed at stop."""

import logging
from datetime import timedelta

from fastapi import APIRouter

from services.intake.payments.callback_api import SIGNATURE_HEADER, TIMESTAMP_HEADER, PaymentCallbackApi
from services.intake.payments.creator import PaymentCreator
from services.intake.payments.platform import PaymentPlatform
from services.intake.returns.wiring import DEFAULT_PORT
from services.intake.settings import IntakeSettings
from services.intake.signed_callbacks import CallbackVerifier
from services.intake.store import IntakeStore
from shared.kernel.object_store import ObjectStore
from shared.kernel.polling import PollingWorker
from shared.kernel.retry import RetryPolicy
from shared.kernel.runtime import ServiceRuntime

log = logging.getLogger(__name__)


class Payments:
    """The payment platform's client (None when ``LIENTHONG_PAYMENT_URL`` is not set) and what the service runs
    with it: the callback route, the creator as a worker, a warning at start, the client closed at stop."""

    def __init__(self, settings: IntakeSettings, objects: ObjectStore) -> None:
        self.settings = settings
        self.objects = objects
        self.platform = None
        if settings.payment_url:
            key = settings.payment_merchant_key
            self.platform = PaymentPlatform(
                settings.payment_url,
                "" if key is None else key.get_secret_value(),
                timeout=settings.payment_timeout_seconds,
            )

    def routers(self, runtime: ServiceRuntime[IntakeStore]) -> list[APIRouter]:
        """The payment platform's callback; with no secret configured it refuses every callback."""
        secret = self.settings.payment_callback_secret
        verifier = None
        if secret is not None:
            verifier = CallbackVerifier(
                secret.get_secret_value().encode(),
                self.settings.payment_callback_window_seconds,
                TIMESTAMP_HEADER,
                SIGNATURE_HEADER,
            )
        api = PaymentCallbackApi(
            runtime.transaction, verifier, self.platform, self.objects, runtime.clock, runtime.metrics.registry
        )
        return [api.router()]

    def workers(self, runtime: ServiceRuntime[IntakeStore]) -> list[PollingWorker]:
        """The creator, when a payment platform is configured."""
        if self.platform is None:
            return []
        settings = self.settings
        creator = PaymentCreator(
            runtime.transaction,
            self.platform,
            callback_url=callback_url(settings),
            batch=settings.payment_batch,
            lease=timedelta(seconds=settings.payment_lease_seconds),
            retry=RetryPolicy(settings.payment_retry_base_seconds, settings.payment_retry_cap_seconds),
        )
        worker = PollingWorker(
            "payment-creator",
            creator.create,
            batch=settings.payment_batch,
            poll_seconds=settings.payment_poll_seconds,
            metrics=runtime.worker_metrics,
        )
        return [worker]

    async def warn(self) -> None:
        """Say at start what of the payments is not configured."""
        if self.platform is None:
            log.warning("LIENTHONG_PAYMENT_URL is not set: fees and obligations are recorded but not collected")
        if self.settings.payment_callback_secret is None:
            log.warning("LIENTHONG_PAYMENT_CALLBACK_SECRET is not set: every payment callback is refused")

    async def close(self) -> None:
        if self.platform is not None:
            await self.platform.close()


def callback_url(settings: IntakeSettings) -> str:
    """Where the payment platform tells intake of payments."""
    port = settings.http_port or DEFAULT_PORT
    return settings.payment_callback_url or f"http://127.0.0.1:{port}/v1/payments/callback"
