"""Routing's use cases: plan a received dossier, advance it when a task completes."""

import logging
from datetime import datetime
from uuid import uuid4

import asyncpg

from services.routing.adapters import repository
from services.routing.domain.assignment import unit_for
from services.routing.domain.dossier import DossierClosedError, status_after_task
from shared import outbox
from shared.contracts import (
    Applicant,
    DossierStatus,
    DossierStatusChanged,
    DossierSubmitted,
    TaskAssigned,
    TaskCompleted,
)
from shared.reference_data import catalogue

log = logging.getLogger(__name__)
SOURCE = "routing"


class UnknownProcedureError(LookupError):
    """A submitted dossier names a procedure this catalogue does not have."""


async def plan_dossier(connection: asyncpg.Connection, event: DossierSubmitted, *, now: datetime, prefix: str) -> None:
    """Assign the dossier's task and announce it as received, then processing."""
    procedures = catalogue()
    procedure = procedures.find(event.procedure_code)
    if procedure is None:
        raise UnknownProcedureError(f"procedure {event.procedure_code} is not in catalogue {procedures.version}")
    unit = unit_for(procedure, commune_code=event.commune_code, province_code=event.province_code)
    task_id = uuid4()
    await repository.insert_dossier(connection, event, DossierStatus.PROCESSING, procedures.version)
    await repository.insert_task(connection, task_id, event.dossier_id, unit, now)
    common = {"dossier_id": event.dossier_id, "dossier_code": event.dossier_code}
    status = {
        **common,
        "procedure_code": event.procedure_code,
        "applicant": event.applicant,
        "received_at": event.received_at,
        "due_at": event.due_at,
        "changed_at": now,
    }
    for outgoing in (
        DossierStatusChanged(
            **status, status=DossierStatus.RECEIVING, previous_status=None, handling_unit=event.receiving_agency
        ),
        TaskAssigned(**common, task_id=task_id, unit_code=unit, procedure_code=event.procedure_code, assigned_at=now),
        DossierStatusChanged(
            **status, status=DossierStatus.PROCESSING, previous_status=DossierStatus.RECEIVING, handling_unit=unit
        ),
    ):
        await outbox.enqueue(connection, outgoing, source=SOURCE, prefix=prefix)


async def complete_task(connection: asyncpg.Connection, event: TaskCompleted, *, now: datetime, prefix: str) -> None:
    """Close the task and the dossier: approved → done, refused → denied."""
    dossier = await repository.lock_dossier(connection, event.dossier_id)
    if dossier is None:
        raise LookupError(f"task {event.task_id} completed for unknown dossier {event.dossier_code}")
    current = DossierStatus(dossier["status"])
    try:
        new_status = status_after_task(current, event.outcome)
    except DossierClosedError:
        log.warning("ignoring completion of task %s: dossier %s is %s", event.task_id, event.dossier_code, current)
        return
    if not await repository.close_task(
        connection, event.task_id, event.outcome.value, event.reason, event.completed_at
    ):
        log.warning("ignoring completion of task %s: not open", event.task_id)
        return
    await repository.set_status(connection, event.dossier_id, new_status)
    await outbox.enqueue(
        connection,
        DossierStatusChanged(
            dossier_id=event.dossier_id,
            dossier_code=event.dossier_code,
            procedure_code=dossier["procedure_code"],
            applicant=Applicant.model_validate_json(dossier["applicant"]),
            received_at=dossier["received_at"],
            due_at=dossier["due_at"],
            status=new_status,
            previous_status=current,
            handling_unit=event.unit_code,
            reason=event.reason,
            changed_at=now,
        ),
        source=SOURCE,
        prefix=prefix,
    )
