"""The documents of each task and the results returned, in memory (bases of the fake department store), for the
fast tier."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from services.department.documents.store import TaskDocument
from shared.contracts import DocumentRef, ResultReturned


class FakeTaskDocumentStore:
    """:class:`~services.department.documents.store.TaskDocumentStore` over a dict of the tasks' documents."""

    tasks: dict[UUID, dict[str, Any]]

    @property
    def documents(self) -> dict[UUID, dict[UUID, dict[str, Any]]]:
        """Each task's documents by id, in the order received."""
        found: dict[UUID, dict[UUID, dict[str, Any]]] = self.__dict__.setdefault("_documents", {})
        return found

    async def add_task_documents(self, task_id: UUID, documents: Sequence[DocumentRef], at: datetime) -> None:
        kept = self.documents.setdefault(task_id, {})
        for d in documents:
            row = {**d.model_dump(), "media_type": d.media_type.value, "role": d.role.value, "received_at": at}
            kept.setdefault(d.document_id, row)

    async def task_documents(self, task_id: UUID) -> list[TaskDocument]:
        rows = list(self.documents.get(task_id, {}).values())
        issued = getattr(self, "results", {})  # the fake results store's issued documents, a base beside this one
        for result in issued.values():
            if result.task_id == task_id:
                document = result.document
                rows.append(
                    {
                        **document.model_dump(),
                        "media_type": document.media_type.value,
                        "role": document.role.value,
                        "received_at": result.issued_at,
                    }
                )
        return [dict(r) for r in sorted(rows, key=lambda r: (r["received_at"], r["name"], r["document_id"]))]

    async def task_to_read(self, task_id: UUID) -> Mapping[str, Any] | None:
        task = self.tasks.get(task_id)
        return dict(task) if task is not None else None


class FakeReturnedResultStore:
    """:class:`~services.department.stats.returns_store.ReturnedResultStore` over a dict by dossier id."""

    @property
    def returns(self) -> dict[UUID, dict[str, Any]]:
        """Each dossier's return as recorded: the event's fields, the province and when it was recorded."""
        found: dict[UUID, dict[str, Any]] = self.__dict__.setdefault("_returns", {})
        return found

    async def record_result_returned(self, returned: ResultReturned, province_code: str, at: datetime) -> bool:
        if returned.dossier_id in self.returns:
            return False
        self.returns[returned.dossier_id] = {**returned.model_dump(), "province_code": province_code, "recorded_at": at}
        return True
