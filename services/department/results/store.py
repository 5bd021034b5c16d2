"""Where the department keeps the documents its units issued (``results``): the port and its PostgreSQL mixin.

:class:`ResultsStore` is one of the bases of :class:`~services.department.store.DepartmentStore`;
:class:`PostgresResults` one of :class:`~services.department.adapters.postgres_store.PostgresDepartmentStore`'s.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

import asyncpg

from shared.contracts import DocumentRef, ResultKind
from shared.contracts.documents import DocumentRole, MediaType


@dataclass(frozen=True)
class IssuedResult:
    """A signed document a unit issued for a task, as recorded."""

    task_id: UUID
    kind: ResultKind
    dossier_id: UUID
    dossier_code: str
    unit_code: str
    procedure_code: str
    layout: str
    document: DocumentRef
    signer: str
    issued_at: datetime


class ResultsStore(Protocol):
    """The issued documents, one per task and kind."""

    async def issued_result(self, task_id: UUID, kind: ResultKind) -> IssuedResult | None:
        """The document of ``kind`` issued for the task, or None."""
        ...

    async def record_result(self, issued: IssuedResult) -> bool:
        """Record the issued document; False (nothing recorded) when one of its kind was issued for the task."""
        ...


class PostgresResults:
    """:class:`ResultsStore` on the unit of work's connection."""

    connection: asyncpg.Connection

    async def issued_result(self, task_id: UUID, kind: ResultKind) -> IssuedResult | None:
        row = await self.connection.fetchrow(
            "SELECT task_id, kind, dossier_id, dossier_code, unit_code, procedure_code, layout, document_id, name,"
            " media_type, size, sha256, signer, issued_at FROM results WHERE task_id = $1 AND kind = $2",
            task_id,
            kind.value,
        )
        return _issued(row) if row is not None else None

    async def record_result(self, issued: IssuedResult) -> bool:
        document = issued.document
        recorded = await self.connection.fetchval(
            "INSERT INTO results (task_id, kind, dossier_id, dossier_code, unit_code, procedure_code, layout,"
            " document_id, name, media_type, size, sha256, signer, issued_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            " ON CONFLICT (task_id, kind) DO NOTHING RETURNING true",
            issued.task_id,
            issued.kind.value,
            issued.dossier_id,
            issued.dossier_code,
            issued.unit_code,
            issued.procedure_code,
            issued.layout,
            document.document_id,
            document.name,
            document.media_type.value,
            document.size,
            document.sha256,
            issued.signer,
            issued.issued_at,
        )
        return bool(recorded)


def role_of(kind: ResultKind) -> DocumentRole:
    """What the issued document is to its dossier."""
    return DocumentRole.REFUSAL if kind is ResultKind.REFUSAL else DocumentRole.RESULT


def _issued(row: asyncpg.Record) -> IssuedResult:
    kind = ResultKind(row["kind"])
    return IssuedResult(
        task_id=row["task_id"],
        kind=kind,
        dossier_id=row["dossier_id"],
        dossier_code=row["dossier_code"],
        unit_code=row["unit_code"],
        procedure_code=row["procedure_code"],
        layout=row["layout"],
        document=DocumentRef(
            document_id=row["document_id"],
            name=row["name"],
            media_type=MediaType(row["media_type"]),
            size=row["size"],
            sha256=row["sha256"],
            role=role_of(kind),
        ),
        signer=row["signer"],
        issued_at=row["issued_at"],
    )
