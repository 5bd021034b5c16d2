"""Intake's use cases: receive a dossier, follow its status."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import asyncpg

from services.intake.adapters import repository
from services.intake.domain.dossier_code import format_dossier_code
from services.intake.domain.submission import accept
from shared import outbox
from shared.calendar import default_calendar, due_at
from shared.contracts import Applicant, DossierStatusChanged, DossierSubmitted
from shared.reference_data import catalogue, centres


@dataclass(frozen=True)
class SubmitDossier:
    """Command: receive a dossier filed by ``client_id``."""

    procedure_code: str
    applicant: Applicant
    receiving_agency: str
    commune_code: str
    client_id: str


@dataclass(frozen=True)
class DossierReceived:
    dossier_id: UUID
    code: str
    received_at: datetime
    due_at: datetime


async def submit_dossier(
    connection: asyncpg.Connection, command: SubmitDossier, *, now: datetime, timezone: ZoneInfo, topic_prefix: str
) -> DossierReceived:
    """Validate, number, store and announce a dossier; call inside a transaction.

    Raises ``SubmissionRejectedError`` before anything is written.
    """
    accepted = accept(
        procedure_code=command.procedure_code,
        commune_code=command.commune_code,
        receiving_agency=command.receiving_agency,
        catalogue=catalogue(),
        centres=centres(),
    )
    local_day = now.astimezone(timezone).date()
    due = due_at(
        default_calendar(), now, accepted.procedure.working_days, cutoff=accepted.procedure.cutoff, tz=timezone
    )
    sequence = await repository.next_sequence(connection, accepted.agency_id, local_day)
    code = format_dossier_code(accepted.agency_id, local_day, sequence)
    dossier_id = uuid4()
    await repository.insert_dossier(
        connection,
        dossier_id=dossier_id,
        code=code,
        procedure_code=accepted.procedure.code,
        receiving_agency=accepted.agency_id,
        commune_code=accepted.commune.code,
        province_code=accepted.commune.province_code,
        applicant=command.applicant,
        client_id=command.client_id,
        received_at=now,
        due_at=due,
    )
    event = DossierSubmitted(
        dossier_id=dossier_id,
        dossier_code=code,
        procedure_code=accepted.procedure.code,
        applicant=command.applicant,
        receiving_agency=accepted.agency_id,
        commune_code=accepted.commune.code,
        province_code=accepted.commune.province_code,
        received_at=now,
        due_at=due,
        client_id=command.client_id,
    )
    await outbox.enqueue(connection, event, source="intake", prefix=topic_prefix)
    return DossierReceived(dossier_id, code, now, due)


async def record_status_change(connection: asyncpg.Connection, event: DossierStatusChanged) -> None:
    """Keep intake's view of the dossier (for status look-ups) in step with routing."""
    if await repository.update_status(
        connection, event.dossier_id, event.status, event.handling_unit, event.changed_at
    ):
        await repository.add_history(
            connection, event.dossier_id, event.status, event.handling_unit, event.reason, event.changed_at
        )
