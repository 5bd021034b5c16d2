"""Routing's use cases around the handling: filed incomplete, not accepted, paying, the result issued and returned.

Intake tells routing of a dossier filed incomplete (recorded as new, nothing routed), refused
at the centre, paid, or whose result was handed back; a unit tells it of a financial
obligation it notified and of the signed document it issued. Each moves the dossier's plan
like the units' acts (:func:`~services.routing.handlers.apply`): late or repeated acts are
ignored, acts that contradict the plan are dead-lettered.
"""

import logging

from services.routing.announcements import record
from services.routing.domain.plan import DossierPlan, Effect
from services.routing.domain.plan_state import clock_terms
from services.routing.dossier_calendar import dossier_deadlines, opening
from services.routing.handlers import UnknownProcedureError, Work, apply
from shared.contracts import (
    DossierFiled,
    DossierNotAccepted,
    DossierPaid,
    DossierResultReturned,
    ResultIssued,
    TaskPaymentRequested,
)
from shared.reference.data import catalogue

log = logging.getLogger(__name__)


async def record_filing(uow: Work, event: DossierFiled) -> None:
    """Record a dossier filed incomplete: new (portal code 1) with what is missing; nothing is routed yet."""
    procedures = catalogue()
    procedure = procedures.find(event.procedure_code)
    if procedure is None:
        raise UnknownProcedureError(f"procedure {event.procedure_code} is not in catalogue {procedures.version}")
    if await uow.store.get_for_update(event.dossier_id) is not None:
        log.warning("dossier %s is already recorded: its filing is not recorded again", event.dossier_code)
        return
    starts = await opening(uow, event.province_code, event.commune_code)
    terms = clock_terms(procedure)
    filed = DossierPlan.filed(
        procedure,
        dossier_id=event.dossier_id,
        dossier_code=event.dossier_code,
        receiving_agency=event.receiving_agency,
        filed_at=event.filed_at,
        due_if_complete=starts.deadlines.dossier_due(event.filed_at, terms["working_days"], terms["cutoff"]),
        catalogue_version=procedures.version,
        documents=event.documents,
        portal_dossier_id=event.portal_dossier_id,
    )
    effects = filed.announce_filing(event.missing)
    await uow.store.add(event, filed)
    details = {
        "catalogue_version": procedures.version,
        "missing": len(event.missing),
        "documents": len(event.documents),
    }
    await record(uow, filed, event.applicant, effects, ("filing recorded", details))


async def not_accepted(uow: Work, event: DossierNotAccepted) -> None:
    """A receiver refused to accept the filed dossier: unresolved (portal code 3), and nothing follows."""
    await apply(uow, event, lambda plan: plan.not_accept(event.reason, uow.now))


async def payment_requested(uow: Work, event: TaskPaymentRequested) -> None:
    """A unit notified a financial obligation: paying (portal code 6), the clock as the procedure says.

    A procedure without financial obligations cannot have one: the event is dead-lettered.
    """

    def request(plan: DossierPlan) -> list[Effect]:
        found = catalogue().find(plan.procedure_code)
        clock = found.on_financial_obligation if found is not None and found.financial_obligation else None
        return plan.request_payment(event.task_id, event.payment, clock, uow.now)

    await apply(uow, event, request)


async def dossier_paid(uow: Work, event: DossierPaid) -> None:
    """The obligation was paid: the waiting task resumes with the receipt, due later if the clock stopped."""
    counted = await dossier_deadlines(uow, event.dossier_id)
    await apply(uow, event, lambda plan: plan.paid(event.receipt, uow.now, counted))


async def result_issued(uow: Work, event: ResultIssued) -> None:
    """A unit issued the signed result (releasing, portal code 9) or refusal letter (denied, code 8)."""

    def issue(plan: DossierPlan) -> list[Effect]:
        return plan.issue_result(event.task_id, event.unit_code, event.kind, event.document, uow.now)

    await apply(uow, event, issue)


async def result_returned(uow: Work, event: DossierResultReturned) -> None:
    """The result was handed to the applicant: done (portal code 10), and its issuing unit is told."""
    await apply(uow, event, lambda plan: plan.return_result(event.way, event.returned_at, uow.now))
