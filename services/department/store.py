"""The port department's use cases keep tasks through: the work queue, each task's history, the board's extensions.

Every change of a task answers the task as it now is, its ``version`` one higher.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from services.department.documents.store import TaskDocumentStore
from services.department.results.store import ResultsStore
from services.department.stats.returns_store import ReturnedResultStore
from shared.contracts import DossierIdentity, JournalDaySealed, TaskAssigned, TaskExtended

Task = Mapping[str, Any]
"""A task by column: id, dossier_id, dossier_code, unit_code, procedure_code, task_key, stage, status, version,
reason, missing, completed_by, assigned_at, due_at, completed_at, claimed_by, claimed_at, claim_expires_at,
supplement_requests, final_stage, identity_status, identity_decision, identity_version."""

Entry = Mapping[str, Any]
"""A history entry as written: id, the :class:`Change`'s fields (``detail`` a dict) and ``trace_id``."""


@dataclass(frozen=True)
class Change:
    """One change of a task, as its history records it."""

    task_id: UUID
    unit_code: str
    dossier_code: str
    action: str
    actor: str
    by_clerk: bool
    status_before: str | None
    status_after: str
    version: int
    at: datetime
    trace_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class DepartmentStore(TaskDocumentStore, ReturnedResultStore, ResultsStore, Protocol):
    """Where the department keeps its units' tasks; the unit of work holds it for one transaction."""

    async def add_task(self, assigned: TaskAssigned) -> Task | None:
        """Queue the assigned task, open, holding the assignment's sequence; None when it was queued before."""
        ...

    async def take_routing_order(self, task_id: UUID, sequence: int | None) -> bool:
        """Hold ``sequence`` as the number of the task's newest routing order and say True, if it is newer
        (:func:`~shared.contracts.events.is_newer`) than the one held; False, holding it unchanged, if it is stale."""
        ...

    async def take_identity(self, task_id: UUID, identity: DossierIdentity) -> Task | None:
        """Hold ``identity`` on the task (its version one higher) if it is newer than the state held; None if stale."""
        ...

    async def task_for_update(self, task_id: UUID) -> Task | None:
        """The task, held until the unit of work ends; None if no task has this id."""
        ...

    async def finish_task(self, task_id: UUID, status: str, reason: str | None, by: str | None, at: datetime) -> Task:
        """Close the task as ``status`` (approved, refused, returned, cancelled), by a clerk or (None) routing."""
        ...

    async def wait_for_supplements(self, task_id: UUID, missing: tuple[str, ...]) -> Task:
        """Let the task wait for ``missing``, counting one more supplement request."""
        ...

    async def wait_for_payment(self, task_id: UUID) -> Task:
        """Let the task wait for the financial obligation its unit notified (nothing missing)."""
        ...

    async def set_due(self, task_id: UUID, due_at: datetime) -> Task:
        """Move the task's due time."""
        ...

    async def claim_task(self, task_id: UUID, clerk: str, at: datetime, expires_at: datetime) -> Task:
        """Give the task to ``clerk`` from ``at`` until ``expires_at`` (whoever held it before)."""
        ...

    async def release_task(self, task_id: UUID) -> Task:
        """Give the claimed task back to its unit."""
        ...

    async def reopen_task(self, task_id: UUID, due_at: datetime) -> Task:
        """Open a waiting task again, due at ``due_at``."""
        ...

    async def record_change(self, change: Change) -> Entry:
        """Append ``change`` to the task's history (its commit announces it on the change feed)."""
        ...

    async def record_extension(self, extended: TaskExtended) -> None:
        """Note for the public board that the task was extended, so it counts late; once per new due time."""
        ...

    async def record_service_root(self, sealed: JournalDaySealed, at: datetime) -> dict[str, str]:
        """Keep a service's journal root of a day (the first one given); answers every service's root of the day."""
        ...

    async def record_day_root(self, day: date, root: str, at: datetime) -> None:
        """Keep the day's root over every service's root, for the public board; once."""
        ...
