"""The clerk API's reads: a unit's inbox, one task in full, a unit's audit log."""

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.department import handlers
from services.department.adapters import history, repository
from services.department.api import cursors
from services.department.api.models import (
    AuditEntry,
    AuditPage,
    DocumentView,
    DossierSummary,
    HistoryEntry,
    TaskDetail,
    TaskPage,
    TaskView,
)
from services.department.api.openapi_responses import problems
from services.department.api.security import Token, etag, forbidden, not_found, unit_access
from services.department.domain.access import Action
from services.department.domain.task import TaskStatus
from services.department.store import DepartmentStore, Task
from shared.kernel.http_input import StorableDatetime
from shared.kernel.http_problems import ProblemError, field_error
from shared.kernel.runtime import ServiceRuntime
from shared.reference.data import catalogue

PROCEDURE_CODE = r"^\d\.\d{6}$"


def build_queries(runtime: ServiceRuntime[DepartmentStore]) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["clerk reads"])

    @api.get("/units/{unit}/tasks", response_model=TaskPage, responses=problems(401, 403, 404, 422))
    async def inbox(
        unit: str,
        token: Token,
        status: Annotated[list[TaskStatus] | None, Query(description="Any of these statuses.")] = None,
        procedure: Annotated[str | None, Query(pattern=PROCEDURE_CODE, description="Procedure code.")] = None,
        field: Annotated[str | None, Query(max_length=60, description="Field of the procedure, e.g. land.")] = None,
        dossier: Annotated[str | None, Query(max_length=40, description="Dossier code.")] = None,
        due_before: Annotated[StorableDatetime | None, Query(description="Due strictly before this time.")] = None,
        overdue: Annotated[bool | None, Query(description="true: open or waiting and past due.")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=400, description="`next_cursor` of the previous page.")] = None,
    ) -> TaskPage:
        """A unit's work queue, soonest due first (then oldest assigned); any role of the unit may read it.

        Filters combine; `overdue=false` leaves the overdue ones out, `dossier` finds one dossier's tasks.
        Pages follow `next_cursor`.
        """
        unit_access(token.clerk, unit, Action.READ)
        now = datetime.now(UTC)
        where = repository.InboxFilter(
            statuses=[s.value for s in status] if status else None,
            procedure_codes=_procedures(procedure, field),
            dossier_code=dossier,
            due_before=due_before,
            overdue=overdue,
            now=now,
        )
        after = cursors.inbox_position(cursor) if cursor else None
        async with runtime.db.acquire() as connection:
            rows = await repository.inbox(connection, unit, where, after, limit + 1)
        page = [TaskView.model_validate(dict(row)) for row in rows[:limit]]
        last = page[-1] if len(rows) > limit else None
        next_cursor = (
            cursors.inbox_cursor(repository.InboxPosition(last.due_at, last.assigned_at, last.id)) if last else None
        )
        return TaskPage(items=page, next_cursor=next_cursor)

    @api.get("/tasks/{task_id}", response_model=TaskDetail, responses=problems(401, 403, 404, 422))
    async def task_detail(task_id: UUID, token: Token, response: Response) -> TaskDetail:
        """One task of the clerk's units: the dossier, the procedure's documents and the task's whole history.

        The `ETag` header carries the task's version, to send back as `If-Match` with an action.
        """
        async with runtime.db.acquire() as connection:
            try:
                row = handlers.visible(await repository.task(connection, task_id), token.clerk, task_id)
            except handlers.TaskNotFoundError as error:
                raise not_found("task_id", str(error)) from error
            if not token.clerk.may(row["unit_code"], Action.READ):
                raise forbidden("reading needs one of the roles: approver, handler, receiver, supervisor")
            changes = await history.of_task(connection, task_id)
        task = TaskView.model_validate(dict(row))
        response.headers["ETag"] = etag(task.version)
        return TaskDetail(
            task=task,
            dossier=_dossier(row),
            documents=_documents(task.procedure_code),
            history=[HistoryEntry.model_validate(history.entry_of(c)) for c in changes],
        )

    @api.get("/units/{unit}/audit", response_model=AuditPage, responses=problems(401, 403, 404, 422))
    async def audit(
        unit: str,
        token: Token,
        task: Annotated[UUID | None, Query(description="Only this task's entries.")] = None,
        actor: Annotated[str | None, Query(max_length=200, description="Only this clerk's actions.")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        cursor: Annotated[str | None, Query(max_length=400, description="`next_cursor` of the previous page.")] = None,
    ) -> AuditPage:
        """Every clerk action in the unit, newest first: who, what, on which task, status before and after,
        when, and the trace id. Supervisors only."""
        unit_access(token.clerk, unit, Action.READ_AUDIT)
        before = cursors.audit_before(cursor) if cursor else None
        async with runtime.db.acquire() as connection:
            rows = await history.audit(connection, unit, before_id=before, limit=limit + 1, task_id=task, actor=actor)
        items = [AuditEntry.model_validate(history.entry_of(row)) for row in rows[:limit]]
        return AuditPage(items=items, next_cursor=cursors.audit_cursor(items[-1].id) if len(rows) > limit else None)

    return api


def _procedures(procedure: str | None, field: str | None) -> list[str] | None:
    if field is None:
        return [procedure] if procedure else None
    in_field = [p.code for p in catalogue().procedures if p.field == field]
    if not in_field:
        known = ", ".join(sorted({p.field for p in catalogue().procedures}))
        raise ProblemError(
            422, "Invalid request", [field_error("query.field", f"no procedure has field {field!r}; known: {known}")]
        )
    return [code for code in in_field if procedure in (None, code)]


def _dossier(row: Task) -> DossierSummary:
    procedure = catalogue().find(row["procedure_code"])
    return DossierSummary(
        id=row["dossier_id"],
        code=row["dossier_code"],
        procedure_code=row["procedure_code"],
        procedure_name_vi=procedure.name_vi if procedure else None,
        procedure_name_en=procedure.name_en if procedure else None,
        field=procedure.field if procedure else None,
        level=procedure.level if procedure else None,
        working_days=procedure.working_days if procedure else None,
        supplement_once=procedure.supplement_once if procedure else None,
    )


def _documents(procedure_code: str) -> list[DocumentView]:
    procedure = catalogue().find(procedure_code)
    if procedure is None:
        return []
    return [DocumentView.model_validate(d.model_dump()) for d in procedure.documents]
