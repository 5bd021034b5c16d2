"""The department store in memory, for the fast tier: tasks by id, the history in order, the board's extensions."""

from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.department.store import Change, Entry, Task
from shared.contracts import DossierIdentity, JournalDaySealed, TaskAssigned, TaskExtended
from shared.contracts.events import is_newer
from tests.support.fake_department_documents import FakeReturnedResultStore, FakeTaskDocumentStore
from tests.support.fake_results_store import FakeResultsStore


class FakeDepartmentStore(FakeTaskDocumentStore, FakeReturnedResultStore, FakeResultsStore):
    """:class:`~services.department.store.DepartmentStore` over dicts; each answer is a copy, as a row would be."""

    def __init__(self) -> None:
        self.tasks: dict[UUID, dict[str, Any]] = {}
        self.history: list[dict[str, Any]] = []
        self.extensions: dict[tuple[UUID, datetime], TaskExtended] = {}
        self.routing_sequences: dict[UUID, int] = {}
        """The number of each task's newest routing order (not a column clerks see, as in the table)."""
        self.service_roots: dict[date, dict[str, str]] = {}
        self.day_roots: dict[date, str] = {}

    async def add_task(self, assigned: TaskAssigned) -> Task | None:
        if assigned.task_id in self.tasks:
            return None
        identity = assigned.identity
        self.tasks[assigned.task_id] = {
            "id": assigned.task_id,
            "dossier_id": assigned.dossier_id,
            "dossier_code": assigned.dossier_code,
            "unit_code": assigned.unit_code,
            "procedure_code": assigned.procedure_code,
            "task_key": assigned.task_key,
            "stage": assigned.stage,
            "status": "open",
            "version": 1,
            "reason": None,
            "missing": [],
            "completed_by": None,
            "assigned_at": assigned.assigned_at,
            "due_at": assigned.due_at,
            "completed_at": None,
            "claimed_by": None,
            "claimed_at": None,
            "claim_expires_at": None,
            "supplement_requests": 0,
            "final_stage": assigned.final_stage,
            "identity_status": identity.status.value if identity else "unchecked",
            "identity_decision": identity.decision.value if identity and identity.decision else None,
            "identity_version": identity.version if identity else 0,
        }
        self.routing_sequences[assigned.task_id] = assigned.sequence or 0
        return dict(self.tasks[assigned.task_id])

    async def take_routing_order(self, task_id: UUID, sequence: int | None) -> bool:
        if not is_newer(sequence, self.routing_sequences[task_id]):
            return False
        if sequence is not None:
            self.routing_sequences[task_id] = sequence
        return True

    async def take_identity(self, task_id: UUID, identity: DossierIdentity) -> Task | None:
        task = self.tasks[task_id]
        if not is_newer(identity.version, task["identity_version"]):
            return None
        task.update(
            identity_status=identity.status.value,
            identity_decision=identity.decision.value if identity.decision else None,
            identity_version=identity.version,
            version=task["version"] + 1,
        )
        return dict(task)

    async def task_for_update(self, task_id: UUID) -> Task | None:
        task = self.tasks.get(task_id)
        return dict(task) if task is not None else None

    async def finish_task(self, task_id: UUID, status: str, reason: str | None, by: str | None, at: datetime) -> Task:
        return self._change(task_id, status=status, reason=reason, completed_by=by, completed_at=at)

    async def wait_for_supplements(self, task_id: UUID, missing: tuple[str, ...]) -> Task:
        asked = self.tasks[task_id]["supplement_requests"] + 1
        return self._change(task_id, status="waiting", missing=list(missing), supplement_requests=asked)

    async def wait_for_payment(self, task_id: UUID) -> Task:
        return self._change(task_id, status="waiting", missing=[])

    async def set_due(self, task_id: UUID, due_at: datetime) -> Task:
        return self._change(task_id, due_at=due_at)

    async def claim_task(self, task_id: UUID, clerk: str, at: datetime, expires_at: datetime) -> Task:
        return self._change(task_id, claimed_by=clerk, claimed_at=at, claim_expires_at=expires_at)

    async def release_task(self, task_id: UUID) -> Task:
        return self._change(task_id, claimed_by=None, claimed_at=None, claim_expires_at=None)

    async def reopen_task(self, task_id: UUID, due_at: datetime) -> Task:
        return self._change(task_id, status="open", due_at=due_at)

    async def record_change(self, change: Change) -> Entry:
        entry = {"id": len(self.history) + 1, **asdict(change)}
        self.history.append(entry)
        return dict(entry)

    async def record_extension(self, extended: TaskExtended) -> None:
        self.extensions.setdefault((extended.task_id, extended.new_due_at), extended)

    async def record_service_root(self, sealed: JournalDaySealed, at: datetime) -> dict[str, str]:
        self.service_roots.setdefault(sealed.day, {}).setdefault(sealed.service, sealed.root)
        return dict(self.service_roots[sealed.day])

    async def record_day_root(self, day: date, root: str, at: datetime) -> None:
        self.day_roots.setdefault(day, root)

    def _change(self, task_id: UUID, **values: Any) -> Task:
        task = self.tasks[task_id]
        task.update(values, version=task["version"] + 1)
        return dict(task)
