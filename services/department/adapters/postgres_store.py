"""The department store on PostgreSQL: the writes of the use cases, on the unit of work's connection."""

import json
from datetime import date, datetime
from uuid import UUID

import asyncpg

from services.department.adapters.history import HISTORY_COLUMNS, entry_of
from services.department.adapters.repository import TASK_COLUMNS
from services.department.documents.store import PostgresTaskDocumentStore
from services.department.results.store import PostgresResults
from services.department.stats.returns_store import PostgresReturnedResultStore
from services.department.store import Change, Entry, Task
from shared.contracts import DossierIdentity, JournalDaySealed, TaskAssigned, TaskExtended


class PostgresDepartmentStore(PostgresTaskDocumentStore, PostgresReturnedResultStore, PostgresResults):
    """:class:`~services.department.store.DepartmentStore` on a connection in a transaction."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def add_task(self, assigned: TaskAssigned) -> Task | None:
        identity = assigned.identity
        added: Task | None = await self.connection.fetchrow(
            "INSERT INTO tasks (id, dossier_id, dossier_code, unit_code, procedure_code, task_key, stage, assigned_at,"
            " due_at, routing_sequence, final_stage, identity_status, identity_decision, identity_version)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING"
            f" RETURNING {TASK_COLUMNS}",
            assigned.task_id,
            assigned.dossier_id,
            assigned.dossier_code,
            assigned.unit_code,
            assigned.procedure_code,
            assigned.task_key,
            assigned.stage,
            assigned.assigned_at,
            assigned.due_at,
            assigned.sequence or 0,
            assigned.final_stage,
            identity.status.value if identity else "unchecked",
            identity.decision.value if identity and identity.decision else None,
            identity.version if identity else 0,
        )
        return added

    async def take_identity(self, task_id: UUID, identity: DossierIdentity) -> Task | None:
        row: Task | None = await self.connection.fetchrow(
            "UPDATE tasks SET identity_status = $2, identity_decision = $3, identity_version = $4,"
            f" version = version + 1 WHERE id = $1 AND identity_version < $4 RETURNING {TASK_COLUMNS}",
            task_id,
            identity.status.value,
            identity.decision.value if identity.decision else None,
            identity.version,
        )
        return row

    async def take_routing_order(self, task_id: UUID, sequence: int | None) -> bool:
        # is_newer in SQL: 0 held means none numbered; an order of unknown sequence (NULL) is newer only than that.
        taken = await self.connection.fetchval(
            "UPDATE tasks SET routing_sequence = coalesce($2, routing_sequence) WHERE id = $1"
            " AND (routing_sequence < $2 OR ($2 IS NULL AND routing_sequence = 0)) RETURNING true",
            task_id,
            sequence,
        )
        return bool(taken)

    async def task_for_update(self, task_id: UUID) -> Task | None:
        task: Task | None = await self.connection.fetchrow(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1 FOR UPDATE", task_id
        )
        return task

    async def finish_task(self, task_id: UUID, status: str, reason: str | None, by: str | None, at: datetime) -> Task:
        return await self._changed(
            "status = $2, reason = $3, completed_by = $4, completed_at = $5", task_id, status, reason, by, at
        )

    async def wait_for_supplements(self, task_id: UUID, missing: tuple[str, ...]) -> Task:
        return await self._changed(
            "status = 'waiting', missing = $2, supplement_requests = supplement_requests + 1", task_id, list(missing)
        )

    async def wait_for_payment(self, task_id: UUID) -> Task:
        return await self._changed("status = 'waiting', missing = '{}'", task_id)

    async def set_due(self, task_id: UUID, due_at: datetime) -> Task:
        return await self._changed("due_at = $2", task_id, due_at)

    async def claim_task(self, task_id: UUID, clerk: str, at: datetime, expires_at: datetime) -> Task:
        return await self._changed(
            "claimed_by = $2, claimed_at = $3, claim_expires_at = $4", task_id, clerk, at, expires_at
        )

    async def release_task(self, task_id: UUID) -> Task:
        return await self._changed("claimed_by = NULL, claimed_at = NULL, claim_expires_at = NULL", task_id)

    async def reopen_task(self, task_id: UUID, due_at: datetime) -> Task:
        return await self._changed("status = 'open', due_at = $2", task_id, due_at)

    async def record_change(self, change: Change) -> Entry:
        row = await self.connection.fetchrow(
            "INSERT INTO task_history (task_id, unit_code, dossier_code, action, actor, by_clerk, status_before,"
            " status_after, version, detail, trace_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb,"
            f" $11, $12) RETURNING {HISTORY_COLUMNS}",
            change.task_id,
            change.unit_code,
            change.dossier_code,
            change.action,
            change.actor,
            change.by_clerk,
            change.status_before,
            change.status_after,
            change.version,
            json.dumps(change.detail, ensure_ascii=False),
            change.trace_id,
            change.at,
        )
        assert row is not None
        return entry_of(row)

    async def record_extension(self, extended: TaskExtended) -> None:
        await self.connection.execute(
            "INSERT INTO task_extensions (task_id, previous_due_at, new_due_at, extended_at) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (task_id, new_due_at) DO NOTHING",
            extended.task_id,
            extended.previous_due_at,
            extended.new_due_at,
            extended.extended_at,
        )

    async def record_service_root(self, sealed: JournalDaySealed, at: datetime) -> dict[str, str]:
        await self.connection.execute(
            "INSERT INTO journal_service_roots (day, service, root, chains, entries, sealed_at, received_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (day, service) DO NOTHING",
            sealed.day,
            sealed.service,
            sealed.root,
            sealed.chains,
            sealed.entries,
            sealed.sealed_at,
            at,
        )
        rows = await self.connection.fetch("SELECT service, root FROM journal_service_roots WHERE day = $1", sealed.day)
        return {r["service"]: r["root"] for r in rows}

    async def record_day_root(self, day: date, root: str, at: datetime) -> None:
        await self.connection.execute(
            "INSERT INTO journal_day_roots (day, root, combined_at) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING",
            day,
            root,
            at,
        )

    async def _changed(self, assignments: str, task_id: UUID, *values: object) -> Task:
        """Update the task (``$1`` is its id) and bump its version."""
        row: Task | None = await self.connection.fetchrow(
            f"UPDATE tasks SET {assignments}, version = version + 1 WHERE id = $1 RETURNING {TASK_COLUMNS}",
            task_id,
            *values,
        )
        assert row is not None
        return row
