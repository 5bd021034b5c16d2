"""The routing service, declared: it plans each dossier and moves the plan as units and applicant act."""

from services.routing import handlers, journey
from services.routing.adapters.postgres_store import PostgresRoutingStore
from services.routing.adapters.retention import DOSSIER_APPLICANTS
from services.routing.api import build_api
from services.routing.closures_api import build_closures_api
from services.routing.reprojection import reprojector
from services.routing.store import RoutingStore
from shared.contracts import (
    DOSSIER_INTAKE,
    DOSSIER_STATUS,
    TASK_ORDERS,
    TASK_OUTCOMES,
    DossierFiled,
    DossierIdentityChanged,
    DossierNotAccepted,
    DossierPaid,
    DossierResultReturned,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    ResultIssued,
    TaskCompleted,
    TaskExtended,
    TaskPaymentRequested,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.kernel.service import Service
from shared.kernel.settings import CommonSettings


def declare(_settings: CommonSettings) -> Service[RoutingStore]:
    return Service(
        name="routing",
        title="lienthong routing",
        store=PostgresRoutingStore,
        consumes={
            DOSSIER_INTAKE: {
                DossierSubmitted: handlers.plan_dossier,
                DossierSupplemented: handlers.dossier_supplemented,
                DossierWithdrawn: handlers.dossier_withdrawn,
                DossierIdentityChanged: handlers.identity_changed,
                DossierFiled: journey.record_filing,
                DossierNotAccepted: journey.not_accepted,
                DossierPaid: journey.dossier_paid,
                DossierResultReturned: journey.result_returned,
            },
            TASK_OUTCOMES: {
                TaskCompleted: handlers.task_completed,
                TaskSupplementRequested: handlers.supplement_requested,
                TaskReturned: handlers.task_returned,
                TaskExtended: handlers.task_extended,
                TaskPaymentRequested: journey.payment_requested,
                ResultIssued: journey.result_issued,
            },
        },
        publishes=(TASK_ORDERS, DOSSIER_STATUS),
        routers=lambda runtime: [build_api(runtime), build_closures_api(runtime)],
        workers=lambda runtime: [reprojector(runtime)],
        retention=DOSSIER_APPLICANTS.plan,
    )
