"""A service's copy of the applicant (a JSON ``applicant`` column) pseudonymised once its dossier ended long ago.

A service keeps the applicant of each dossier in a row with ``applicant`` (the JSON of
:class:`~shared.contracts.Applicant`), ``status``, ``updated_at`` (the time of the last
status change, so of the end for an ended dossier), and the two columns its migration adds:
``pseudonymised_at`` (the mark: a row is pseudonymised once, never again) and
``applicant_pseudonym`` (the keyed pseudonym of the citizen ID, to count per applicant).
The service names its table and anything else the pseudonymisation must clear; the kernel
does the batches (:mod:`shared.kernel.retention`).
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import asyncpg

from shared.contracts import DossierStatus
from shared.kernel.pseudonyms import Pseudonyms
from shared.kernel.retention import PSEUDONYMISED, RetentionPlan, RetentionTask

if TYPE_CHECKING:
    from shared.kernel.runtime import ServiceRuntime

ENDED = [status.value for status in DossierStatus if status.is_final]
"""The statuses a dossier ends in: its applicant is needed no longer than the retention period after."""


@dataclass(frozen=True)
class ApplicantRows:
    """The rows of ``table`` holding an applicant, and what else their pseudonymisation sets (``also_set``)."""

    table: str
    also_set: str = ""
    """Further ``SET`` assignments, e.g. to stop work on the applicant that no longer makes sense."""

    def plan(self, runtime: "ServiceRuntime[Any]") -> RetentionPlan:
        """The service's retention plan (``Service.retention``): these rows, after ``personal_data_retention_days``."""
        age = timedelta(days=runtime.settings.personal_data_retention_days)
        return RetentionPlan(pseudonymise=lambda pseudonyms: [self.task(pseudonyms, age)])

    def task(self, pseudonyms: Pseudonyms, age: timedelta) -> RetentionTask:
        """Pseudonymise the applicants of dossiers that ended more than ``age`` ago, in batches."""

        async def batch(connection: asyncpg.Connection, before: datetime, limit: int) -> int:
            rows = await connection.fetch(
                f"SELECT id, applicant FROM {self.table} WHERE pseudonymised_at IS NULL AND updated_at < $1"
                f" AND status = ANY($2::text[]) ORDER BY updated_at LIMIT {int(limit)} FOR UPDATE SKIP LOCKED",
                before,
                ENDED,
            )
            extra = f", {self.also_set}" if self.also_set else ""
            await connection.executemany(
                f"UPDATE {self.table} SET applicant = $2, applicant_pseudonym = $3, pseudonymised_at = now(){extra}"
                " WHERE id = $1",
                [_pseudonymised(row, pseudonyms) for row in rows],
            )
            return len(rows)

        return RetentionTask("applicants", PSEUDONYMISED, age, batch)


def _pseudonymised(row: asyncpg.Record, pseudonyms: Pseudonyms) -> tuple[object, str, str]:
    applicant = json.loads(row["applicant"])
    return row["id"], json.dumps(pseudonyms.applicant(applicant)), pseudonyms.citizen(applicant["citizen_id"])
