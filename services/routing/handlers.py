"""Routing's use cases: plan a received dossier, then move its plan as units and applicant act."""

import logging
from collections.abc import Callable
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import asyncpg

from services.routing.adapters import repository
from services.routing.adapters.delegation_rules import delegation_rules
from services.routing.domain.deadlines import Deadlines
from services.routing.domain.jurisdiction import build_plan
from services.routing.domain.plan import (
    Assigned,
    AuditEntry,
    Cancelled,
    DossierPlan,
    Effect,
    PlanRejectedError,
    Resumed,
    StatusChanged,
)
from shared.contracts import (
    Applicant,
    DossierStatusChanged,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    Event,
    TaskAssigned,
    TaskCancelled,
    TaskCompleted,
    TaskExtended,
    TaskOutcome,
    TaskResumed,
    TaskReturned,
    TaskSupplementRequested,
)
from shared.kernel import outbox
from shared.reference.calendar import OFFICE_TIMEZONE, default_calendar
from shared.reference.data import catalogue

log = logging.getLogger(__name__)
SOURCE = "routing"


class UnknownProcedureError(LookupError):
    """A submitted dossier names a procedure this catalogue does not have."""


class UnknownDossierError(LookupError):
    """An event names a dossier routing never planned."""


@cache
def deadlines() -> Deadlines:
    return Deadlines(default_calendar(), ZoneInfo(OFFICE_TIMEZONE))


async def plan_dossier(connection: asyncpg.Connection, event: DossierSubmitted, *, now: datetime, prefix: str) -> None:
    """Route every task of the dossier, store the plan and open its first stage."""
    procedures = catalogue()
    procedure = procedures.find(event.procedure_code)
    if procedure is None:
        raise UnknownProcedureError(f"procedure {event.procedure_code} is not in catalogue {procedures.version}")
    plan = build_plan(
        procedure,
        components=event.components,
        dossier_id=event.dossier_id,
        dossier_code=event.dossier_code,
        commune_code=event.commune_code,
        province_code=event.province_code,
        receiving_agency=event.receiving_agency,
        received_at=event.received_at,
        due_at=event.due_at,
        catalogue_version=procedures.version,
        rules=delegation_rules(),
        local_day=event.received_at.astimezone(deadlines().zone).date(),
    )
    plan.portal_dossier_id = event.portal_dossier_id
    plan.audit.extend(
        AuditEntry(now, "routed", t.routing.explanation, t.key, None, t.routing.unit_code, t.routing.rule)
        for t in plan.tasks
    )
    effects = plan.start(now, deadlines())
    await repository.insert_dossier(connection, event, plan)
    await _record(connection, plan, event.applicant, effects, now=now, prefix=prefix)


async def task_completed(connection: asyncpg.Connection, event: TaskCompleted, *, now: datetime, prefix: str) -> None:
    if event.outcome is TaskOutcome.APPROVED:
        await _apply(connection, event, lambda plan: plan.approve(event.task_id, now, deadlines()), now, prefix)
    else:
        reason = event.reason or "refused"
        await _apply(connection, event, lambda plan: plan.refuse(event.task_id, reason, now), now, prefix)


async def supplement_requested(
    connection: asyncpg.Connection, event: TaskSupplementRequested, *, now: datetime, prefix: str
) -> None:
    await _apply(
        connection, event, lambda plan: plan.request_supplement(event.task_id, event.missing, now), now, prefix
    )


async def dossier_supplemented(
    connection: asyncpg.Connection, event: DossierSupplemented, *, now: datetime, prefix: str
) -> None:
    await _apply(connection, event, lambda plan: plan.supplement(now, deadlines()), now, prefix)


async def task_returned(connection: asyncpg.Connection, event: TaskReturned, *, now: datetime, prefix: str) -> None:
    await _apply(
        connection, event, lambda plan: plan.return_task(event.task_id, event.reason, now, deadlines()), now, prefix
    )


async def task_extended(connection: asyncpg.Connection, event: TaskExtended, *, now: datetime, prefix: str) -> None:
    def extend(plan: DossierPlan) -> list[Effect]:
        return plan.extend(event.task_id, event.new_due_at, event.reason, now, deadlines())

    await _apply(connection, event, extend, now, prefix)


async def dossier_withdrawn(
    connection: asyncpg.Connection, event: DossierWithdrawn, *, now: datetime, prefix: str
) -> None:
    await _apply(connection, event, lambda plan: plan.withdraw(event.reason, now), now, prefix)


async def _apply(
    connection: asyncpg.Connection,
    event: Event,
    change: Callable[[DossierPlan], list[Effect]],
    now: datetime,
    prefix: str,
) -> None:
    """Load the plan under lock, apply one change, store it and announce its effects.

    A change that no longer applies (a late approval after a withdrawal) is recorded in
    the audit trail and otherwise ignored: redelivering it would not make it apply.
    """
    loaded = await repository.lock_plan(connection, event.dossier_id)
    if loaded is None:
        raise UnknownDossierError(
            f"{type(event).__name__} for dossier {event.dossier_code}, which routing never planned"
        )
    plan, applicant = loaded
    try:
        effects = change(plan)
    except PlanRejectedError as rejection:
        log.warning("ignoring %s for dossier %s: %s", type(event).__name__, event.dossier_code, rejection)
        plan.audit.append(AuditEntry(now, "ignored", f"{type(event).__name__}: {rejection}"))
        effects = []
    await _record(connection, plan, applicant, effects, now=now, prefix=prefix)


async def _record(
    connection: asyncpg.Connection,
    plan: DossierPlan,
    applicant: Applicant,
    effects: list[Effect],
    *,
    now: datetime,
    prefix: str,
) -> None:
    entries, plan.audit = plan.audit, []
    await repository.save_plan(connection, plan)
    await repository.add_audit(connection, plan, entries)
    for effect in effects:
        await outbox.enqueue(connection, _event(plan, applicant, effect, now), source=SOURCE, prefix=prefix)


def _event(plan: DossierPlan, applicant: Applicant, effect: Effect, now: datetime) -> Event:
    common = {"dossier_id": plan.dossier_id, "dossier_code": plan.dossier_code}
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
            )
        case Cancelled():
            return TaskCancelled(
                **common, task_id=effect.task_id, unit_code=effect.unit_code, reason=effect.reason, cancelled_at=now
            )
        case Resumed():
            return TaskResumed(
                **common, task_id=effect.task_id, unit_code=effect.unit_code, due_at=effect.due_at, resumed_at=now
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
