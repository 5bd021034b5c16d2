"""What routing announces of a changed plan: the plan saved, its effects as events in the outbox, all journalled.

Each effect the plan returned becomes one event (a task order to a unit, a status change for
intake, notification and the portal), in the order of their numbers; the journal keeps what
was applied, each routing decision and each event with its id (ids, codes, statuses, amounts:
never personal data or a clerk's words).
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from services.routing.domain.plan import (
    Assigned,
    AuditEntry,
    Cancelled,
    DossierPlan,
    DueChanged,
    Effect,
    IdentityForwarded,
    ResultAsked,
    Resumed,
    ReturnAnnounced,
    StatusChanged,
)
from services.routing.store import RoutingStore
from shared.contracts import (
    Applicant,
    DossierIdentity,
    DossierStatusChanged,
    Event,
    ResultRequested,
    ResultReturned,
    TaskAssigned,
    TaskCancelled,
    TaskDueChanged,
    TaskIdentityChanged,
    TaskResumed,
)
from shared.kernel.journal import SYSTEM
from shared.kernel.unit_of_work import UnitOfWork


async def record(
    uow: UnitOfWork[RoutingStore],
    plan: DossierPlan,
    applicant: Applicant,
    effects: list[Effect],
    applied: tuple[str, dict[str, Any]],
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
            documents = {"documents": len(effect.documents)}
            return (
                "task assigned",
                SYSTEM,
                {**common, **task, "stage": effect.stage, "due_at": _iso(effect.due_at), **documents},
            )
        case Cancelled():
            return "task cancelled", SYSTEM, {**common, "task_id": str(effect.task_id), "unit_code": effect.unit_code}
        case Resumed():
            task = {"task_id": str(effect.task_id), "unit_code": effect.unit_code}
            return (
                "task resumed",
                SYSTEM,
                {**common, **task, "due_at": _iso(effect.due_at), "documents": len(effect.documents)},
            )
        case DueChanged():
            task = {"task_id": str(effect.task_id), "unit_code": effect.unit_code, "reason": effect.reason}
            return "task due changed", SYSTEM, {**common, **task, "due_at": _iso(effect.due_at)}
        case IdentityForwarded():
            return "task identity forwarded", SYSTEM, {**common, "task_id": str(effect.task_id)}
        case ResultAsked():
            task = {"task_id": str(effect.task_id), "unit_code": effect.unit_code, "kind": effect.kind.value}
            return "result requested", SYSTEM, {**common, **task}
        case ReturnAnnounced():
            returned = {"unit_code": effect.unit_code, "way": effect.way.value, "returned_at": _iso(effect.returned_at)}
            return "result return announced", SYSTEM, {**common, **returned, "due_at": _iso(effect.due_at)}
        case StatusChanged():
            return "status changed", SYSTEM, {**common, **_status_facts(effect)}


def _status_facts(effect: StatusChanged) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "status": effect.status.value,
        "previous_status": effect.previous.value if effect.previous else None,
        "handling_unit": effect.handling_unit,
        "due_at": _iso(effect.due_at),
    }
    if effect.payment is not None:
        facts["amount_vnd"] = effect.payment.amount_vnd
    if effect.result is not None:
        facts["result_document_id"] = str(effect.result.document_id)
    return facts


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
                documents=effect.documents,
            )
        case Cancelled():
            return TaskCancelled(
                **common, task_id=effect.task_id, unit_code=effect.unit_code, reason=effect.reason, cancelled_at=now
            )
        case Resumed():
            return TaskResumed(
                **common,
                task_id=effect.task_id,
                unit_code=effect.unit_code,
                due_at=effect.due_at,
                resumed_at=now,
                documents=effect.documents,
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
        case ResultAsked():
            return ResultRequested(
                **common,
                task_id=effect.task_id,
                unit_code=effect.unit_code,
                procedure_code=plan.procedure_code,
                kind=effect.kind,
                reason=effect.reason,
                applicant=applicant,
                received_at=plan.received_at,
                due_at=plan.due_at,
                requested_at=now,
            )
        case ReturnAnnounced():
            return ResultReturned(
                **common,
                unit_code=effect.unit_code,
                way=effect.way,
                due_at=effect.due_at,
                returned_at=effect.returned_at,
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
                receiving_agency=plan.receiving_agency,
                result_delivery=effect.result_delivery,
                result=effect.result,
                payment=effect.payment,
            )


def _identity(plan: DossierPlan) -> DossierIdentity | None:
    """The identity the plan holds, as it travels; None when intake told none (a dossier filed before)."""
    if plan.identity_version == 0:
        return None
    return DossierIdentity(status=plan.identity_status, decision=plan.identity_decision, version=plan.identity_version)
