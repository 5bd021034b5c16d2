"""Routing's use cases: plan a received dossier, then move its plan as units and applicant act."""

import logging
from collections.abc import Callable
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from services.routing.adapters.delegation_rules import delegation_rules
from services.routing.announcements import record
from services.routing.domain.deadlines import Deadlines
from services.routing.domain.jurisdiction import build_plan
from services.routing.domain.plan import AuditEntry, DossierPlan, Effect, PlanRejectedError
from services.routing.dossier_calendar import dossier_deadlines, opening
from services.routing.store import RoutingStore
from shared.contracts import (
    Applicant,
    DossierIdentityChanged,
    DossierNotAccepted,
    DossierPaid,
    DossierResultReturned,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    Event,
    ResultIssued,
    TaskCompleted,
    TaskExtended,
    TaskOutcome,
    TaskPaymentRequested,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.kernel.unit_of_work import UnitOfWork
from shared.reference.calendar import OFFICE_TIMEZONE, default_calendar
from shared.reference.data import catalogue

log = logging.getLogger(__name__)

Work = UnitOfWork[RoutingStore]
"""Routing's unit of work: its store holds the dossiers' plans."""


class UnknownProcedureError(LookupError):
    """A submitted dossier names a procedure this catalogue does not have."""


class UnknownDossierError(LookupError):
    """An event names a dossier routing never planned."""


@cache
def deadlines() -> Deadlines:
    return Deadlines(default_calendar(), ZoneInfo(OFFICE_TIMEZONE))


async def plan_dossier(uow: Work, event: DossierSubmitted) -> None:
    """Route every task of the dossier, store the plan and open its first stage.

    A dossier filed incomplete before (status new) keeps its record's numbers and documents;
    one already submitted, or not accepted, is left as it is (the submission is ignored).
    """
    procedures = catalogue()
    procedure = procedures.find(event.procedure_code)
    if procedure is None:
        raise UnknownProcedureError(f"procedure {event.procedure_code} is not in catalogue {procedures.version}")
    filed = await uow.store.get_for_update(event.dossier_id)
    starts = await opening(uow, event.province_code, event.commune_code)
    plan = build_plan(
        procedure,
        components=event.components,
        dossier_id=event.dossier_id,
        dossier_code=event.dossier_code,
        commune_code=event.commune_code,
        province_code=event.province_code,
        receiving_agency=event.receiving_agency,
        received_at=event.received_at,
        due_at=starts.dossier_due(event.received_at, event.due_at),
        catalogue_version=procedures.version,
        rules=delegation_rules(),
        local_day=event.received_at.astimezone(deadlines().zone).date(),
    )
    plan.portal_dossier_id = event.portal_dossier_id
    try:
        plan.receive(event.documents, event.result_delivery, filed[0] if filed else None)
    except PlanRejectedError as rejection:
        assert filed is not None
        await _ignored(uow, event, *filed, rejection)
        return
    if event.identity is not None:
        plan.identity_status = event.identity.status
        plan.identity_decision = event.identity.decision
        plan.identity_version = event.identity.version
    plan.audit.extend(
        AuditEntry(uow.now, "routed", t.routing.explanation, t.key, None, t.routing.unit_code, t.routing.rule)
        for t in plan.tasks
    )
    effects = plan.start(uow.now, starts.deadlines)
    await uow.store.add(event, plan)
    await uow.store.count_on(plan.dossier_id, starts.counted)
    decided = {"catalogue_version": procedures.version, "tasks": len(plan.tasks), "documents": len(plan.documents)}
    await record(uow, plan, event.applicant, effects, ("plan decided", decided))


async def task_completed(uow: Work, event: TaskCompleted) -> None:
    """A unit approved (the plan moves on; after the last stage its result is asked for) or refused (the rest is
    cancelled and the refusal letter asked for)."""
    if event.outcome is TaskOutcome.APPROVED:
        counted = await dossier_deadlines(uow, event.dossier_id)
        await apply(uow, event, lambda plan: plan.approve(event.task_id, uow.now, counted))
    else:
        reason = event.reason or "refused"
        await apply(uow, event, lambda plan: plan.refuse(event.task_id, reason, uow.now))


async def supplement_requested(uow: Work, event: TaskSupplementRequested) -> None:
    """A unit asked for supplements: the dossier waits for the applicant."""
    await apply(uow, event, lambda plan: plan.request_supplement(event.task_id, event.missing, uow.now))


async def dossier_supplemented(uow: Work, event: DossierSupplemented) -> None:
    """The applicant handed in the supplements: the waiting task resumes, due later by the time it waited."""
    counted = await dossier_deadlines(uow, event.dossier_id)
    await apply(uow, event, lambda plan: plan.supplement(uow.now, counted, event.documents))


async def task_returned(uow: Work, event: TaskReturned) -> None:
    """A unit returned its task as not its competence: the task is routed again."""
    counted = await dossier_deadlines(uow, event.dossier_id)
    await apply(uow, event, lambda plan: plan.return_task(event.task_id, event.reason, uow.now, counted))


async def task_extended(uow: Work, event: TaskExtended) -> None:
    """A unit extended its task with an apology letter: the dossier's appointment moves."""
    counted = await dossier_deadlines(uow, event.dossier_id)

    def extend(plan: DossierPlan) -> list[Effect]:
        return plan.extend(event.task_id, event.new_due_at, event.reason, uow.now, counted)

    await apply(uow, event, extend)


async def dossier_withdrawn(uow: Work, event: DossierWithdrawn) -> None:
    """The applicant withdrew the dossier: every open task is cancelled."""
    await apply(uow, event, lambda plan: plan.withdraw(event.reason, uow.now))


async def identity_changed(uow: Work, event: DossierIdentityChanged) -> None:
    """Intake told a newer identity of the applicant: the open tasks' units are told; a refusal denies the dossier."""
    identity = event.identity

    def change(plan: DossierPlan) -> list[Effect]:
        return plan.change_identity(identity.status, identity.decision, identity.version, event.reason, uow.now)

    await apply(uow, event, change)


async def apply(uow: Work, event: Event, change: Callable[[DossierPlan], list[Effect]]) -> None:
    """Load the plan under lock, apply one change, store it and announce its effects.

    A change the plan refuses is recorded in the audit trail and otherwise ignored:
    redelivering it would not make it apply. On one stream events arrive in order, so this
    is never a reordering; it is what two people did at once on two streams, e.g. a unit
    approving its task while the applicant withdrew the dossier.

    Intake's and department's events carry no sequence: routing keeps no copy of their state.
    Each is an act (a filing, a supplement, a withdrawal, a unit's outcome on its task) that
    the plan accepts only in the state where it applies, and the inbox drops one applied
    before; a replayed act the plan has moved past is refused here like any late one.

    An event that contradicts the plan (:class:`PlanViolationError`: a result nobody asked for)
    is not caught: the transaction rolls back and the message is dead-lettered with the reason.
    """
    loaded = await uow.store.get_for_update(event.dossier_id)
    if loaded is None:
        raise UnknownDossierError(
            f"{type(event).__name__} for dossier {event.dossier_code}, which routing never planned"
        )
    plan, applicant = loaded
    try:
        effects = change(plan)
    except PlanRejectedError as rejection:
        await _ignored(uow, event, plan, applicant, rejection)
        return
    await record(uow, plan, applicant, effects, (_APPLIED[type(event)], _facts(event)))


async def _ignored(uow: Work, event: Event, plan: DossierPlan, applicant: Applicant, why: PlanRejectedError) -> None:
    """Keep in the audit trail and the journal that the event no longer applied; announce nothing."""
    log.warning("ignoring %s for dossier %s: %s", type(event).__name__, event.dossier_code, why)
    plan.audit.append(AuditEntry(uow.now, "ignored", f"{type(event).__name__}: {why}"))
    applied = _APPLIED[type(event)].replace("applied", "ignored")
    await record(uow, plan, applicant, [], (applied, _facts(event)))


_FACTS: dict[str, Any] = {
    "task_id": True,
    "outcome": True,
    "identity": True,
    "kind": True,
    "way": True,
    "payment_id": True,
    "amount_vnd": True,
    "payment": {"amount_vnd": True},
    "document": {"document_id": True, "sha256": True},
    "receipt": {"document_id": True, "sha256": True},
    "documents": {"__all__": {"document_id": True}},
}
"""What the journal keeps of an event applied: ids, outcomes, kinds and amounts; never names or free text."""


def _facts(event: Event) -> dict[str, Any]:
    return event.model_dump(mode="json", include=_FACTS)


_APPLIED: dict[type[Event], str] = {
    DossierSubmitted: "submission applied",
    DossierNotAccepted: "non-acceptance applied",
    DossierPaid: "payment applied",
    DossierResultReturned: "result return applied",
    TaskPaymentRequested: "payment request applied",
    ResultIssued: "result issue applied",
    TaskCompleted: "task outcome applied",
    TaskSupplementRequested: "supplement request applied",
    DossierSupplemented: "supplement applied",
    TaskReturned: "task return applied",
    TaskExtended: "extension applied",
    DossierWithdrawn: "withdrawal applied",
    DossierIdentityChanged: "identity change applied",
}
"""The journal's name for each event routing applies to a plan (``... ignored`` when the plan refuses it)."""
