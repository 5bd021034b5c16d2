"""The clerk API of the department service: work queues and task actions."""

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.department import handlers
from services.department.adapters import repository
from services.department.domain.task import TaskActionError, TaskStatus
from shared.calendar import END_OF_OFFICE_DAY, OFFICE_TIMEZONE, default_calendar
from shared.contracts import TaskOutcome
from shared.http_problems import field_error, problem
from shared.idempotency import (
    IdempotencyKeyReusedError,
    StoredAnswer,
    answer_once,
    request_fingerprint,
)
from shared.runtime import ServiceRuntime

ClerkId = Annotated[str, Field(min_length=1, max_length=100, description="Who acts (from the token, later).")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class TaskView(BaseModel):
    """A task in a unit's work queue."""

    id: UUID
    dossier_id: UUID
    dossier_code: str
    unit_code: str
    procedure_code: str
    task_key: str | None = Field(description="The task's key in the procedure's plan (None for older tasks).")
    stage: int | None = Field(description="Index of the plan stage the task belongs to (None for older tasks).")
    status: TaskStatus
    version: int
    reason: str | None = Field(description="Why it was refused, returned or cancelled (or a note on approval).")
    missing: list[str] = Field(description="What the unit last asked the applicant to hand in.")
    completed_by: str | None
    assigned_at: datetime
    due_at: datetime | None = Field(description="End of the task's allowance; moved when it resumes after supplements.")
    completed_at: datetime | None


class TaskCompletion(BaseModel):
    """A clerk's decision on a task."""

    model_config = ConfigDict(extra="forbid")

    outcome: TaskOutcome
    reason: str | None = Field(default=None, max_length=2000, description="Required when refusing.")
    clerk_id: ClerkId


class SupplementRequest(BaseModel):
    """A clerk needs more from the applicant before deciding; the task waits."""

    model_config = ConfigDict(extra="forbid")

    missing: list[Annotated[Text, StringConstraints(max_length=500)]] = Field(
        min_length=1, max_length=100, examples=[["Sơ đồ thửa đất"]], description="Everything missing, in one request."
    )
    clerk_id: ClerkId


class TaskReturn(BaseModel):
    """A clerk sends the task back as not the unit's competence; routing re-routes it."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Text, StringConstraints(max_length=2000)] = Field(
        examples=["Đất của tổ chức, thuộc thẩm quyền của Sở"]
    )
    clerk_id: ClerkId


class TaskExtension(BaseModel):
    """A clerk cannot finish on time: a new due date and the reason, for the apology letter (Form 04)."""

    model_config = ConfigDict(extra="forbid")

    new_due_date: date = Field(description="A working day; the task is due at the end of its office hours.")
    reason: Annotated[Text, StringConstraints(max_length=2000)] = Field(
        examples=["Cần xác minh thêm nguồn gốc đất với cơ quan thuế"]
    )
    clerk_id: ClerkId


Decision = handlers.CompleteTask | handlers.RequestSupplements | handlers.ReturnTask | handlers.ExtendTask


def build_api(runtime: ServiceRuntime) -> APIRouter:
    api = APIRouter(prefix="/v1")
    prefix = runtime.settings.topic_prefix

    @api.get("/units/{unit}/tasks", response_model=list[TaskView])
    async def unit_tasks(unit: str, status: Annotated[TaskStatus | None, Query()] = None) -> list[TaskView]:
        """A unit's work queue, soonest due first (then oldest assigned)."""
        async with runtime.db.acquire() as connection:
            rows = await repository.unit_tasks(connection, unit, status)
        return [TaskView.model_validate(dict(row)) for row in rows]

    @api.post("/tasks/{task_id}/complete", response_model=TaskView, responses={404: {}, 409: {}, 422: {}})
    async def complete_task(
        task_id: UUID,
        completion: TaskCompletion,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Approve or refuse an open task (refusal needs a reason); the dossier moves on."""
        fingerprint = request_fingerprint({"task": str(task_id), **completion.model_dump(mode="json")})
        command = handlers.CompleteTask(task_id, completion.outcome, completion.reason, completion.clerk_id)
        return await _decide(command, idempotency_key, fingerprint, conflict_field="outcome")

    @api.post("/tasks/{task_id}/supplement-request", response_model=TaskView, responses={404: {}, 409: {}, 422: {}})
    async def request_supplements(
        task_id: UUID,
        request: SupplementRequest,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Ask the applicant for what is missing; the open task waits until routing resumes it."""
        body = request.model_dump(mode="json")
        fingerprint = request_fingerprint({"task": str(task_id), "action": "supplement-request", **body})
        command = handlers.RequestSupplements(task_id, tuple(request.missing), request.clerk_id)
        return await _decide(command, idempotency_key, fingerprint, conflict_field="status")

    @api.post("/tasks/{task_id}/return", response_model=TaskView, responses={404: {}, 409: {}, 422: {}})
    async def return_task(
        task_id: UUID,
        task_return: TaskReturn,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Send an open task back as not the unit's competence; routing gives it to another unit."""
        body = task_return.model_dump(mode="json")
        fingerprint = request_fingerprint({"task": str(task_id), "action": "return", **body})
        command = handlers.ReturnTask(task_id, task_return.reason, task_return.clerk_id)
        return await _decide(command, idempotency_key, fingerprint, conflict_field="status")

    @api.post("/tasks/{task_id}/extension", response_model=TaskView, responses={404: {}, 409: {}, 422: {}})
    async def extend_task(
        task_id: UUID,
        extension: TaskExtension,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Set a later due date with an apology to the applicant; routing moves the dossier's due date."""
        if not default_calendar().is_working_day(extension.new_due_date):
            why = f"{extension.new_due_date.isoformat()} is not a working day"
            return problem(422, "Not a working day", [field_error("new_due_date", why)])
        new_due_at = datetime.combine(extension.new_due_date, END_OF_OFFICE_DAY, tzinfo=ZoneInfo(OFFICE_TIMEZONE))
        body = extension.model_dump(mode="json")
        fingerprint = request_fingerprint({"task": str(task_id), "action": "extension", **body})
        command = handlers.ExtendTask(task_id, new_due_at, extension.reason, extension.clerk_id)
        return await _decide(command, idempotency_key, fingerprint, conflict_field="new_due_date")

    async def _decide(command: Decision, key: str | None, fingerprint: str, *, conflict_field: str) -> JSONResponse:
        async def act(connection: asyncpg.Connection) -> StoredAnswer:
            now = datetime.now(UTC)
            match command:
                case handlers.CompleteTask():
                    row = await handlers.complete_task(connection, command, now=now, prefix=prefix)
                case handlers.RequestSupplements():
                    row = await handlers.request_supplements(connection, command, now=now, prefix=prefix)
                case handlers.ReturnTask():
                    row = await handlers.return_task(connection, command, now=now, prefix=prefix)
                case handlers.ExtendTask():
                    row = await handlers.extend_task(connection, command, now=now, prefix=prefix)
            return StoredAnswer(200, TaskView.model_validate(dict(row)).model_dump(mode="json"))

        try:
            answer = await answer_once(runtime.db, command.clerk_id, key, fingerprint, act)
        except handlers.TaskNotFoundError as error:
            return problem(404, "No such task", [field_error("task_id", str(error))])
        except TaskActionError as error:
            return problem(409, "Action not allowed", [field_error(conflict_field, str(error))])
        except IdempotencyKeyReusedError as error:
            return problem(409, "Idempotency-Key reused", [field_error("Idempotency-Key", str(error))])
        return JSONResponse(answer.body, status_code=answer.status_code)

    return api
