"""The notification service, declared: each status change planned as deliveries, sent by its worker."""

import functools
import logging
from datetime import timedelta

from services.notification import clerk_handlers, handlers
from services.notification.adapters.clerk_contacts import load_clerk_contacts
from services.notification.adapters.postgres_store import WAKE_CHANNEL, PostgresNotificationStore
from services.notification.adapters.retention import delivery_retention
from services.notification.api import build_api
from services.notification.channels import Sender
from services.notification.channels.configured import configured_senders
from services.notification.delivery.metrics import DeliveryMetrics
from services.notification.delivery.worker import DeliveryWorker
from services.notification.settings import NotificationSettings
from services.notification.store import NotificationStore
from shared.contracts import DOSSIER_STATUS, TASK_DEADLINES, DossierStatusChanged, TaskDeadlineReached, TaskEscalated
from shared.kernel.polling import PollingWorker, WakeUp
from shared.kernel.retry import RetryPolicy
from shared.kernel.runtime import ServiceRuntime
from shared.kernel.service import Service

log = logging.getLogger(__name__)

Runtime = ServiceRuntime[NotificationStore]


def declare(settings: NotificationSettings) -> Service[NotificationStore]:
    senders = configured_senders(settings)
    plan = functools.partial(handlers.plan_deliveries, senders=frozenset(senders))
    directory = load_clerk_contacts(settings.clerk_contacts_file)
    warn = functools.partial(clerk_handlers.tell_of_warning, senders=frozenset(senders), directory=directory)
    escalate = functools.partial(clerk_handlers.tell_of_escalation, senders=frozenset(senders), directory=directory)

    async def warn_unconfigured() -> None:
        if not senders:
            log.warning("no channel is configured: nothing will be sent (set LIENTHONG_SMS_GATEWAY_URL, …)")

    def workers(runtime: Runtime) -> list[PollingWorker]:
        metrics = DeliveryMetrics(runtime.metrics.registry)
        runtime.metrics.on_scrape("deliveries", metrics.refresher(lambda: runtime.db, tuple(senders)))
        worker = delivery_worker(runtime, settings, senders, metrics)
        return [
            PollingWorker(
                "delivery-worker",
                worker.deliver_due,
                batch=worker.batch,
                poll_seconds=settings.delivery_poll_seconds,
                wake=WakeUp(runtime.database_url, WAKE_CHANNEL),
                metrics=runtime.worker_metrics,
            )
        ]

    return Service(
        name="notification",
        title="lienthong notification",
        store=PostgresNotificationStore,
        consumes={
            DOSSIER_STATUS: {DossierStatusChanged: plan},
            TASK_DEADLINES: {TaskDeadlineReached: warn, TaskEscalated: escalate},
        },
        routers=lambda runtime: [build_api(runtime)],
        workers=workers,
        retention=lambda _runtime: delivery_retention(
            timedelta(days=settings.delivery_retention_days), timedelta(days=settings.personal_data_retention_days)
        ),
        on_start=[warn_unconfigured],
        on_stop=[sender.close for sender in senders.values()],
    )


def delivery_worker(
    runtime: Runtime, settings: NotificationSettings, senders: dict[str, Sender], metrics: DeliveryMetrics
) -> DeliveryWorker:
    """Sends due deliveries through the configured senders; any number of instances share the table."""
    return DeliveryWorker(
        runtime.transaction,
        senders,
        RetryPolicy(
            settings.delivery_backoff_seconds, settings.delivery_backoff_cap_seconds, settings.delivery_attempts
        ),
        metrics,
        tracer=runtime.tracer_provider.get_tracer("lienthong.notification"),
        batch=settings.delivery_batch,
        lease_seconds=settings.delivery_lease_seconds,
        send_timeout_seconds=settings.delivery_timeout_seconds,
    )
