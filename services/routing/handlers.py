"""Routing's use cases: plan a received dossier, then move its plan as units and applicant act."""

import logging
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from services.routing.adapters.delegation_rules import delegation_rules
from services.routing.domain.deadlines import Deadlines
from services.routing.domain.jurisdiction import build_plan
from services.routing.domain.plan import (
    Assigned,
    AuditEntry,
    Cancelled,
    DossierPlan,
    DueChanged,
    Effect,
    IdentityForwarded,
    PlanRejectedError,
    Resumed,
    StatusChanged,
)
from services.routing.dossier_calendar import dossier_deadlines, opening
from services.routing.store import RoutingStore
from shared.contracts import (
    Applicant,
    DossierIdentity,
    DossierIdentityChanged,
    DossierStatusChanged,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    Event,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskDueChanged,
    TaskExtended,
    TaskIdentityChanged,
    TaskOutcome,
    TaskResumed,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.kernel.journal import SYSTEM
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
    """Route every task of the dossier, store the plan and open its first stage."""
    procedures = catalogue()
    procedure = procedures.find(event.procedure_code)
    if procedure is None:
        raise UnknownProcedureError(f"procedure {event.procedure_code} is not in catalogue {procedures.version}")
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
    decided = {"catalogue_version": procedures.version, "tasks": len(plan.tasks)}
    await _record(uow, plan, event.applicant, effects, ("plan decided", decided))


async def task_completed(uow: Work, event: TaskCompleted) -> None:
    """A unit approved (the plan moves on) or refused (the dossier is refused, the rest cancelled)."""
    if event.outcome is TaskOutcome.APPROVED:
        counted = await dossier_deadlines(uow, event.dossier_id)
        await _apply(uow, event, lambda plan: plan.approve(event.task_id, uow.now, counted))
    else:
        reason = event.reason or "refused"
        await _apply(uow, event, lambda plan: plan.refuse(event.task_id, reason, uow.now))


async def supplement_requested(uow: Work, event: TaskSupplementRequested) -> None:
    """A unit asked for supplements: the dossier waits for the applicant."""
    await _apply(uow, event, lambda plan: plan.request_supplement(event.task_id, event.missing, uow.now))


async def dossier_supplemented(uow: Work, event: DossierSupplemented) -> None:
    """The applicant handed in the supplements: the waiting task resumes, due later by the time it waited."""
    counted = await dossier_deadlines(uow, event.dossier_id)
    await _apply(uow, event, lambda plan: plan.supplement(uow.now, counted))


async def task_returned(uow: Work, event: TaskReturned) -> None:
    """A unit returned its task as not its competence: the task is routed again."""
    counted = await dossier_deadlines(uow, event.dossier_id)
    await _apply(uow, event, lambda plan: plan.return_task(event.task_id, event.reason, uow.now, counted))


async def task_extended(uow: Work, event: TaskExtended) -> None:
    """A unit extended its task with an apology letter: the dossier's appointment moves."""
    counted = await dossier_deadlines(uow, event.dossier_id)

    def extend(plan: DossierPlan) -> list[Effect]:
        return plan.extend(event.task_id, event.new_due_at, event.reason, uow.now, counted)

    await _apply(uow, event, extend)


async def dossier_withdrawn(uow: Work, event: DossierWithdrawn) -> None:
    """The applicant withdrew the dossier: every open task is cancelled."""
    await _apply(uow, event, lambda plan: plan.withdraw(event.reason, uow.now))


async def identity_changed(uow: Work, event: DossierIdentityChanged) -> None:
    """Intake told a newer identity of the applicant: the open tasks' units are told; a refusal denies the dossier."""
    identity = event.identity

    def change(plan: DossierPlan) -> list[Effect]:
        return plan.change_identity(identity.status, identity.decision, identity.version, event.reason, uow.now)

    await _apply(uow, event, change)


async def _apply(uow: Work, event: Event, change: Callable[[DossierPlan], list[Effect]]) -> None:
    """Load the plan under lock, apply one change, store it and announce its effects.

    A change the plan refuses is recorded in the audit trail and otherwise ignored:
    redelivering it would not make it apply. On one stream events arrive in order, so this
    is never a reordering; it is what two people did at once on two streams, e.g. a unit
    approving its task while the applicant withdrew the dossier.

    Intake's and department's events carry no sequence: routing keeps no copy of their state.
    Each is an act (a filing, a supplement, a withdrawal, a unit's outcome on its task) that
    the plan accepts only in the state where it applies, and the inbox drops one applied
    before; a replayed act the plan has moved past is refused here like any late one.
    """
    loaded = await uow.store.get_for_update(event.dossier_id)
    if loaded is None:
        raise UnknownDossierError(
            f"{type(event).__name__} for dossier {event.dossier_code}, which routing never planned"
        )
    plan, applicant = loaded
    applied = _APPLIED[type(event)]
    facts = event.model_dump(mode="json", include={"task_id", "outcome", "identity"})
    try:
        effects = change(plan)
    except PlanRejectedError as rejection:
        log.warning("ignoring %s for dossier %s: %s", type(event).__name__, event.dossier_code, rejection)
        plan.audit.append(AuditEntry(uow.now, "ignored", f"{type(event).__name__}: {rejection}"))
        effects, applied = [], applied.replace("applied", "ignored")
    await _record(uow, plan, applicant, effects, (applied, facts))


_APPLIED: dict[type[Event], str] = {
    TaskCompleted: "task outcome applied",
    TaskSupplementRequested: "supplement request applied",
    DossierSupplemented: "supplement applied",
    TaskReturned: "task return applied",
    TaskExtended: "extension applied",
    DossierWithdrawn: "withdrawal applied",
    DossierIdentityChanged: "identity change applied",
}
"""The journal's name for each event routing applies to a plan (``... ignored`` when the plan refuses it)."""


async def _record(
    uow: Work, plan: DossierPlan, applicant: Applicant, effects: list[Effect], applied: tuple[str, dict[str, Any]]
) -> None:
    """Save the plan and put its effects in the outbox, in the order of their numbers (the plan's ``sequence``).

    The journal gets what was applied, each routing decision and each effect with its event's id.
    """
    entries, plan.audit = plan.audit, []
    await uow.store.save(plan, entries)
    action, details = applied
    cause = {"cause": str(uow.cause)} if uow.cause is not None else {}
    await uow.journal.append(plan.dossier_code, action, SYSTEM, {**details, **cause})
    for entry in entries:
        await uow.journal.append(plan.dossier_code, f"plan {entry.action}", SYSTEM, _decision(entry))
    for effect in effects:
        event_id = await uow.outbox.add(_event(plan, applicant, effect, uow.now))
        await uow.journal.append(plan.dossier_code, *_journalled(effect, event_id))


def _decision(entry: AuditEntry) -> dict[str, Any]:
    """A routing decision without its explanation, which may quote a clerk's words."""
    return {"task_key": entry.task_key, "from_unit": entry.from_unit, "to_unit": entry.to_unit, "rule": entry.rule}


def _journalled(effect: Effect, event_id: UUID) -> tuple[str, str, dict[str, Any]]:
    common: dict[str, Any] = {"sequence": effect.sequence, "event_id": str(event_id)}
    match effect:
        case Assigned():
            task = {"task_id": str(effect.task_id), "task_key": effect.task_key, "unit_code": effect.unit_code}
            return "task assigned", SYSTEM, {**common, **task, "stage": effect.stage, "due_at": _iso(effect.due_at)}
        case Cancelled():
            return "task cancelled", SYSTEM, {**common, "task_id": str(effect.task_id), "unit_code": effect.unit_code}
        case Resumed():
            task = {"task_id": str(effect.task_id), "unit_code": effect.unit_code}
            return "task resumed", SYSTEM, {**common, **task, "due_at": _iso(effect.due_at)}
        case DueChanged():
            task = {"task_id": str(effect.task_id), "unit_code": effect.unit_code, "reason": effect.reason}
            return "task due changed", SYSTEM, {**common, **task, "due_at": _iso(effect.due_at)}
        case IdentityForwarded():
            return "task identity forwarded", SYSTEM, {**common, "task_id": str(effect.task_id)}
        case StatusChanged():
            previous = effect.previous.value if effect.previous else None
            status = {"status": effect.status.value, "previous_status": previous, "handling_unit": effect.handling_unit}
            return "status changed", SYSTEM, {**common, **status, "due_at": _iso(effect.due_at)}


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _event(plan: DossierPlan, applicant: Applicant, effect: Effect, now: datetime) -> Event:
    common = {"dossier_id": plan.dossier_id, "dossier_code": plan.dossier_code, "sequence": effect.sequence}
    match effect:
        case Assigned():
            return TaskAssigned(
                **common,
                task_id=effect.task_id,
                task_key=effect.task_key,
                stage=effect.stage,
                unit_code=effect.unit_code,
                procedure_code=plan.procedure_code,
                assigned_at=effect.assigned_at,
                due_at=effect.due_at,
                final_stage=effect.final_stage,
                identity=_identity(plan),
            )
        case Cancelled():
            return TaskCancelled(
                **common, task_id=effect.task_id, unit_code=effect.unit_code, reason=effect.reason, cancelled_at=now
            )
        case Resumed():
            return TaskResumed(
                **common, task_id=effect.task_id, unit_code=effect.unit_code, due_at=effect.due_at, resumed_at=now
            )
        case DueChanged():
            return TaskDueChanged(
                **common,
                task_id=effect.task_id,
                unit_code=effect.unit_code,
                previous_due_at=effect.previous_due_at,
                due_at=effect.due_at,
                reason=effect.reason,
                changed_at=now,
            )
        case IdentityForwarded():
            identity = _identity(plan)
            assert identity is not None
            return TaskIdentityChanged(
                **common, task_id=effect.task_id, unit_code=effect.unit_code, identity=identity, changed_at=now
            )
        case StatusChanged():
            return DossierStatusChanged(
                **common,
                status=effect.status,
                previous_status=effect.previous,
                procedure_code=plan.procedure_code,
                applicant=applicant,
                received_at=plan.received_at,
                due_at=effect.due_at,
                handling_unit=effect.handling_unit,
                reason=effect.reason,
                missing=effect.missing,
                changed_at=now,
                portal_dossier_id=plan.portal_dossier_id,
            )


def _identity(plan: DossierPlan) -> DossierIdentity | None:
    """The identity the plan holds, as it travels; None when intake told none (a dossier filed before)."""
    if plan.identity_version == 0:
        return None
    return DossierIdentity(status=plan.identity_status, decision=plan.identity_decision, version=plan.identity_version)
