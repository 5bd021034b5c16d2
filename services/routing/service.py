"""The routing service, declared: it plans each dossier and moves the plan as units and applicant act."""

import asyncpg

from services.routing import handlers
from services.routing.api import build_api
from shared.contracts import (
    DOSSIER_INTAKE,
    DOSSIER_STATUS,
    TASK_ORDERS,
    TASK_OUTCOMES,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    TaskCompleted,
    TaskExtended,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.kernel.service import Service
from shared.kernel.settings import CommonSettings


def declare(_settings: CommonSettings) -> Service[asyncpg.Connection]:
    return Service(
        name="routing",
        title="lienthong routing",
        store=lambda connection: connection,
        consumes={
            DOSSIER_INTAKE: {
                DossierSubmitted: handlers.plan_dossier,
                DossierSupplemented: handlers.dossier_supplemented,
                DossierWithdrawn: handlers.dossier_withdrawn,
            },
            TASK_OUTCOMES: {
                TaskCompleted: handlers.task_completed,
                TaskSupplementRequested: handlers.supplement_requested,
                TaskReturned: handlers.task_returned,
                TaskExtended: handlers.task_extended,
            },
        },
        publishes=(TASK_ORDERS, DOSSIER_STATUS),
        routers=lambda runtime: [build_api(runtime)],
    )
