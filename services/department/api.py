"""The clerk API of the department service: work queues and task actions."""

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.department import handlers
from services.department.adapters import repository
from services.department.domain.task import TaskActionError
from shared.contracts import TaskOutcome
from shared.http_problems import field_error, problem
from shared.idempotency import (
    IdempotencyKeyReusedError,
    StoredAnswer,
    answer_once,
    request_fingerprint,
)
from shared.runtime import ServiceRuntime


class TaskView(BaseModel):
    """A task in a unit's work queue."""

    id: UUID
    dossier_id: UUID
    dossier_code: str
    unit_code: str
    procedure_code: str
    status: Literal["open", "approved", "refused"]
    version: int
    reason: str | None
    completed_by: str | None
    assigned_at: datetime
    completed_at: datetime | None


class TaskCompletion(BaseModel):
    """A clerk's decision on a task."""

    model_config = ConfigDict(extra="forbid")

    outcome: TaskOutcome
    reason: str | None = Field(default=None, max_length=2000, description="Required when refusing.")
    clerk_id: str = Field(min_length=1, max_length=100, description="Who decides (from the token, later).")


def build_api(runtime: ServiceRuntime) -> APIRouter:
    api = APIRouter(prefix="/v1")
    prefix = runtime.settings.topic_prefix

    @api.get("/units/{unit}/tasks", response_model=list[TaskView])
    async def unit_tasks(
        unit: str, status: Annotated[Literal["open", "approved", "refused"] | None, Query()] = None
    ) -> list[TaskView]:
        """A unit's work queue, oldest first."""
        async with runtime.db.acquire() as connection:
            rows = await repository.unit_tasks(connection, unit, status)
        return [TaskView.model_validate(dict(row)) for row in rows]

    @api.post("/tasks/{task_id}/complete", response_model=TaskView, responses={404: {}, 409: {}, 422: {}})
    async def complete_task(
        task_id: UUID,
        completion: TaskCompletion,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Approve or refuse a task (refusal needs a reason); the dossier moves on."""
        fingerprint = request_fingerprint({"task": str(task_id), **completion.model_dump(mode="json")})
        command = handlers.CompleteTask(task_id, completion.outcome, completion.reason, completion.clerk_id)

        async def decide(connection: asyncpg.Connection) -> StoredAnswer:
            row = await handlers.complete_task(connection, command, now=datetime.now(UTC), prefix=prefix)
            return StoredAnswer(200, TaskView.model_validate(dict(row)).model_dump(mode="json"))

        try:
            answer = await answer_once(runtime.db, completion.clerk_id, idempotency_key, fingerprint, decide)
        except handlers.TaskNotFoundError as error:
            return problem(404, "No such task", [field_error("task_id", str(error))])
        except TaskActionError as error:
            return problem(409, "Action not allowed", [field_error("outcome", str(error))])
        except IdempotencyKeyReusedError as error:
            return problem(409, "Idempotency-Key reused", [field_error("Idempotency-Key", str(error))])
        return JSONResponse(answer.body, status_code=answer.status_code)

    return api
