"""The department service, declared: each unit's work queue, the clerk API, deadline marks, the public board."""

import dataclasses
import functools

import asyncpg
from fastapi import FastAPI

from services.department import routing_orders
from services.department.adapters.change_feed import ChangeFeed
from services.department.adapters.postgres_store import PostgresDepartmentStore
from services.department.api import build_api
from services.department.api.dossier_history import build_dossier_history
from services.department.api.openapi_document import openapi_document
from services.department.deadlines.marks import DeadlinePolicy
from services.department.deadlines.office_time import OfficeTime
from services.department.deadlines.scheduler import DeadlineScheduler
from services.department.deadlines.settings import DeadlineSettings
from services.department.documents.api import build_documents
from services.department.escalation.escalator import Escalator
from services.department.journal_roots import record_day_seal
from services.department.results.issuing import issue_result
from services.department.results.wiring import issuer_from
from services.department.settings import DepartmentSettings
from services.department.stats.api import build_board
from services.department.stats.gauge import on_time_refresher
from services.department.stats.journal_board import build_journal_board
from services.department.stats.returns import record_return
from services.department.store import DepartmentStore
from shared.contracts import (
    JOURNAL_SEALS,
    TASK_DEADLINES,
    TASK_ORDERS,
    TASK_OUTCOMES,
    JournalDaySealed,
    ResultRequested,
    ResultReturned,
    TaskAssigned,
    TaskCancelled,
    TaskDueChanged,
    TaskIdentityChanged,
    TaskResumed,
)
from shared.kernel.db_roles import login_dsn
from shared.kernel.polling import PollingWorker
from shared.kernel.runtime import ServiceRuntime
from shared.kernel.s3_object_store import S3ObjectStore
from shared.kernel.service import Service
from shared.reference.calendar import default_calendar
from shared.reference.escalation import escalation_ladders

Runtime = ServiceRuntime[DepartmentStore]


def declare(settings: DepartmentSettings) -> Service[DepartmentStore]:
    feed = ChangeFeed(login_dsn(settings, "department"))  # LISTENs as the service's own role
    deadlines = DeadlineSettings()
    objects = S3ObjectStore.from_settings(settings)  # the dossiers' documents, the issued results
    issue = functools.partial(issue_result, issuer=issuer_from(settings, objects))

    def configure(app: FastAPI, runtime: Runtime) -> None:
        app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
        runtime.metrics.on_scrape("on-time", on_time_refresher(runtime.metrics, lambda: runtime.db, runtime.clock))

    return Service(
        name="department",
        title="lienthong department",
        store=PostgresDepartmentStore,
        consumes={
            TASK_ORDERS: {
                TaskAssigned: routing_orders.queue_task,
                TaskCancelled: routing_orders.cancel_task,
                TaskResumed: routing_orders.resume_task,
                TaskDueChanged: routing_orders.move_due,
                TaskIdentityChanged: routing_orders.take_identity,
                ResultRequested: issue,
                ResultReturned: record_return,
            },
            **{stream: {JournalDaySealed: record_day_seal} for stream in JOURNAL_SEALS.values()},
        },
        publishes=(TASK_OUTCOMES, TASK_DEADLINES),
        routers=lambda runtime: [
            build_api(runtime, feed, settings.claim_expiry),
            build_board(lambda: runtime.db),
            build_journal_board(lambda: runtime.db),
            build_dossier_history(lambda: runtime.db),
            build_documents(runtime, lambda: objects, settings.presigned_link_seconds),
        ],
        workers=lambda runtime: [deadline_scheduler(runtime, deadlines), escalator(runtime, deadlines)],
        on_start=[objects.prepare],
        on_stop=[feed.close, objects.close],
        configure=configure,
    )


def deadline_scheduler(runtime: Runtime, settings: DeadlineSettings) -> PollingWorker:
    """The scheduler of deadline marks, on the Vietnamese calendar; any number of instances share it.

    It keeps its own SQL (``deadlines/store.py``), so its units of work hold the bare connection.
    """
    on_connection = dataclasses.replace(runtime.transactions, store=_bare_connection)
    scheduler = DeadlineScheduler(
        on_connection,
        DeadlinePolicy(OfficeTime(default_calendar()), share=settings.warning_share),
        batch=settings.batch,
    )
    return PollingWorker(
        "deadline-scheduler",
        scheduler.reviewed,
        batch=settings.batch,
        poll_seconds=settings.poll_seconds,
        metrics=runtime.worker_metrics,
    )


def escalator(runtime: Runtime, settings: DeadlineSettings) -> PollingWorker:
    """The escalator of overdue tasks along their province's ladder; any number of instances share it."""
    on_connection = dataclasses.replace(runtime.transactions, store=_bare_connection)
    steps = Escalator(on_connection, OfficeTime(default_calendar()), escalation_ladders(), batch=settings.batch)
    return PollingWorker(
        "escalator",
        steps.looked_at,
        batch=settings.batch,
        poll_seconds=settings.poll_seconds,
        metrics=runtime.worker_metrics,
    )


def _bare_connection(connection: asyncpg.Connection) -> asyncpg.Connection:
    return connection
