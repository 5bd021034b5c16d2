"""Where the department keeps the documents of each task, by reference (never a body)."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from shared.contracts import DocumentRef

TaskDocument = Mapping[str, Any]
"""A document of a task by column: document_id, name, media_type, size, sha256, role, catalogue_key, received_at."""

COLUMNS = "document_id, name, media_type, size, sha256, role, catalogue_key, received_at"


class TaskDocumentStore(Protocol):
    """The documents a task's clerks may read: part of the department's store."""

    async def add_task_documents(self, task_id: UUID, documents: Sequence[DocumentRef], at: datetime) -> None:
        """Keep ``documents`` as the task's, received ``at``; one already kept stays as it is."""
        ...

    async def task_documents(self, task_id: UUID) -> list[TaskDocument]:
        """The task's documents, the result or refusal letter its unit issued for it included, in the order
        received (then by name)."""
        ...

    async def task_to_read(self, task_id: UUID) -> Mapping[str, Any] | None:
        """The task without holding it (its id, dossier and unit are enough to decide who reads); None if unknown."""
        ...


class PostgresTaskDocumentStore:
    """:class:`TaskDocumentStore` on the store's connection (a base of the department's PostgreSQL store)."""

    connection: asyncpg.Connection

    async def add_task_documents(self, task_id: UUID, documents: Sequence[DocumentRef], at: datetime) -> None:
        if not documents:
            return
        await self.connection.executemany(
            "INSERT INTO task_documents (task_id, document_id, name, media_type, size, sha256, role, catalogue_key,"
            " received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (task_id, document_id) DO NOTHING",
            [
                (
                    task_id,
                    d.document_id,
                    d.name,
                    d.media_type.value,
                    d.size,
                    d.sha256,
                    d.role.value,
                    d.catalogue_key,
                    at,
                )
                for d in documents
            ],
        )

    async def task_documents(self, task_id: UUID) -> list[TaskDocument]:
        # The signed result or refusal letter the unit issued for the task (``results``) is listed with them.
        rows = await self.connection.fetch(
            f"SELECT {COLUMNS} FROM task_documents WHERE task_id = $1"
            " UNION ALL SELECT document_id, name, media_type, size, sha256, kind, NULL, issued_at"
            " FROM results WHERE task_id = $1 ORDER BY received_at, name, document_id",
            task_id,
        )
        return [dict(row) for row in rows]

    async def task_to_read(self, task_id: UUID) -> Mapping[str, Any] | None:
        row: Mapping[str, Any] | None = await self.connection.fetchrow(
            "SELECT id, dossier_id, dossier_code, unit_code FROM tasks WHERE id = $1", task_id
        )
        return row
