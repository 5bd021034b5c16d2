"""Wiring of the notification service: the consumer plans deliveries, the worker sends them."""

from pathlib import Path

from fastapi import FastAPI

from services.notification.api import build_api
from services.notification.channels.configured import configured_senders
from services.notification.delivery.metrics import DeliveryMetrics
from services.notification.delivery.worker import DeliveryWorker
from services.notification.domain.delivery import RetryPolicy
from services.notification.settings import NotificationSettings
from services.notification.subscribers import build_router
from shared.kernel.background import run_beside
from shared.kernel.runtime import ServiceRuntime
from shared.kernel.service_app import service_app
from shared.kernel.settings import CommonSettings


def create_runtime(settings: CommonSettings, senders: frozenset[str] = frozenset()) -> ServiceRuntime:
    return ServiceRuntime(
        name="notification",
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        router=build_router(settings, senders),
    )


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()
    senders = configured_senders(settings)
    runtime = create_runtime(settings, frozenset(senders))
    app = service_app(runtime, title="lienthong notification")
    app.include_router(build_api(runtime))
    metrics = DeliveryMetrics(runtime.metrics.registry)
    runtime.metrics.on_scrape("deliveries", metrics.refresher(lambda: runtime.db, tuple(senders)))
    worker = DeliveryWorker(
        lambda: runtime.db,
        senders,
        RetryPolicy(
            settings.delivery_attempts, settings.delivery_backoff_seconds, settings.delivery_backoff_cap_seconds
        ),
        metrics,
        tracer=runtime.tracer_provider.get_tracer("lienthong.notification"),
        batch=settings.delivery_batch,
        lease_seconds=settings.delivery_lease_seconds,
        send_timeout_seconds=settings.delivery_timeout_seconds,
        poll_seconds=settings.delivery_poll_seconds,
        listen_dsn=settings.database_url,
    )
    run_beside(app, worker.run, name="delivery-worker")
    return app
