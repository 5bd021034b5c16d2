"""The clerk API's actions on a task: each needs the task's version (If-Match) and may carry an Idempotency-Key.

An action answers the task as it is afterwards, with its new ``ETag``. A retried request
with the same ``Idempotency-Key`` gets the first answer again, whatever happened since.
"""

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from opentelemetry import trace

from services.department import handlers
from services.department.api.models import (
    Approval,
    CommentBody,
    FinancialObligation,
    HistoryEntry,
    Reassignment,
    Refusal,
    SupplementRequest,
    TaskExtension,
    TaskReturn,
    TaskView,
)
from services.department.api.openapi_responses import problems
from services.department.api.security import Token, etag, forbidden, not_found, parse_if_match
from services.department.domain.access import ForbiddenActionError
from services.department.domain.obligation import NotifyFinancialObligation
from services.department.domain.task import NotAWorkingDayError, TaskActionError
from services.department.store import DepartmentStore
from shared.kernel.http_problems import field_error, problem
from shared.kernel.idempotency import IdempotencyKeyReusedError, StoredAnswer, answer_once, request_fingerprint
from shared.kernel.runtime import ServiceRuntime

IfMatch = Annotated[
    str | None, Header(max_length=40, description='The task\'s ETag as last read, e.g. `"3"`. Required.')
]
IdempotencyKey = Annotated[
    str | None, Header(max_length=200, description="Retries with the same key get the first answer.")
]
ACTION_ERRORS = problems(400, 401, 403, 404, 409, 422, 428)


def build_actions(runtime: ServiceRuntime[DepartmentStore], claims_last: timedelta) -> APIRouter:
    """The actions on a task; a claim (or reassignment) holds for ``claims_last``."""
    api = APIRouter(prefix="/v1/tasks/{task_id}", tags=["clerk actions"])

    async def run(
        task_id: UUID,
        token: Token,
        if_match: str | None,
        key: str | None,
        command: handlers.ClerkCommand,
        payload: dict[str, Any],
    ) -> JSONResponse:
        version = parse_if_match(if_match)
        fingerprint = request_fingerprint(
            {"task": str(task_id), "action": command.action.value, "version": version, **payload}
        )

        async def act(connection: asyncpg.Connection) -> StoredAnswer:
            acting = handlers.Acting(token.clerk, task_id, version, _trace_id())
            acted = await handlers.act(runtime.unit_of_work(connection), acting, command)
            if isinstance(command, handlers.Comment):
                return StoredAnswer(201, HistoryEntry.model_validate(dict(acted.change)).model_dump(mode="json"))
            return StoredAnswer(200, TaskView.model_validate(dict(acted.task)).model_dump(mode="json"))

        try:
            answer = await answer_once(runtime.db, token.clerk.id, key, fingerprint, act)
        except NotAWorkingDayError as error:
            return problem(422, "Not a working day", [field_error("new_due_date", str(error))])
        except handlers.TaskNotFoundError as error:
            return not_found("task_id", str(error)).response()
        except ForbiddenActionError as error:
            return forbidden(str(error)).response()
        except TaskActionError as error:
            return problem(409, "Action not allowed", [field_error(error.field, str(error))])
        except IdempotencyKeyReusedError as error:
            return problem(409, "Idempotency-Key reused", [field_error("Idempotency-Key", str(error))])
        return JSONResponse(answer.body, answer.status_code, headers={"ETag": etag(answer.body["version"])})

    @api.post("/claim", response_model=TaskView, responses=ACTION_ERRORS)
    async def claim(
        task_id: UUID, token: Token, if_match: IfMatch = None, idempotency_key: IdempotencyKey = None
    ) -> JSONResponse:
        """Take an unfinished task to work on it (handler). Until released, or until the claim expires
        (`claim_expires_at`, after `LIENTHONG_CLAIM_EXPIRY_SECONDS`), other handlers cannot claim it, ask for
        supplements, return or extend it. A task whose claim has expired may be claimed by anyone."""
        return await run(task_id, token, if_match, idempotency_key, handlers.Claim(lasts=claims_last), {})

    @api.post("/release", response_model=TaskView, responses=ACTION_ERRORS)
    async def release(
        task_id: UUID, token: Token, if_match: IfMatch = None, idempotency_key: IdempotencyKey = None
    ) -> JSONResponse:
        """Give a claimed task back to the unit: the handler holding it, or a supervisor of the unit whoever
        holds it (the history names whose claim was released)."""
        return await run(task_id, token, if_match, idempotency_key, handlers.Release(), {})

    @api.post("/reassignment", response_model=TaskView, responses=ACTION_ERRORS)
    async def reassign(
        task_id: UUID,
        token: Token,
        reassignment: Reassignment,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Give an unfinished task, claimed or not, to a clerk (supervisor of the unit): they hold it as if they had
        just claimed it, and the history and audit log record who reassigned it from whom to whom."""
        command = handlers.Reassign(clerk_id=reassignment.clerk_id, lasts=claims_last)
        return await run(task_id, token, if_match, idempotency_key, command, reassignment.model_dump(mode="json"))

    @api.post("/approve", response_model=TaskView, responses=ACTION_ERRORS)
    async def approve(
        task_id: UUID,
        token: Token,
        approval: Approval | None = None,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Approve an open task (approver); the dossier moves on to its next stage or ends done."""
        body = approval or Approval()
        command = handlers.Approve(note=body.note)
        return await run(task_id, token, if_match, idempotency_key, command, body.model_dump(mode="json"))

    @api.post("/refuse", response_model=TaskView, responses=ACTION_ERRORS)
    async def refuse(
        task_id: UUID,
        token: Token,
        refusal: Refusal,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Refuse an open task with the reason the applicant is told (approver); the dossier is denied."""
        command = handlers.Refuse(reason=refusal.reason)
        return await run(task_id, token, if_match, idempotency_key, command, refusal.model_dump(mode="json"))

    @api.post("/supplement-request", response_model=TaskView, responses=ACTION_ERRORS)
    async def request_supplements(
        task_id: UUID,
        token: Token,
        request: SupplementRequest,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Ask the applicant for everything missing, in one request (handler); the task waits until routing
        resumes it. Where the procedure allows one request per dossier, a task that asked answers 409."""
        command = handlers.RequestSupplements(missing=tuple(request.missing))
        return await run(task_id, token, if_match, idempotency_key, command, request.model_dump(mode="json"))

    @api.post("/return", response_model=TaskView, responses=ACTION_ERRORS)
    async def return_task(
        task_id: UUID,
        token: Token,
        task_return: TaskReturn,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Send an open task back as not the unit's competence (handler); routing gives it to another unit."""
        command = handlers.ReturnTask(reason=task_return.reason)
        return await run(task_id, token, if_match, idempotency_key, command, task_return.model_dump(mode="json"))

    @api.post("/extension", response_model=TaskView, responses=ACTION_ERRORS)
    async def extend_task(
        task_id: UUID,
        token: Token,
        extension: TaskExtension,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Set a later due date with an apology letter (Form 04) to the applicant (handler); routing moves the
        dossier's due date by the same working days and the applicant is told the reason and the new date."""
        command = handlers.ExtendTask(new_due_date=extension.new_due_date, reason=extension.reason)
        return await run(task_id, token, if_match, idempotency_key, command, extension.model_dump(mode="json"))

    @api.post("/comments", response_model=HistoryEntry, status_code=201, responses=ACTION_ERRORS)
    async def comment(
        task_id: UUID,
        token: Token,
        body: CommentBody,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Leave a note in the task's history (handler or approver). The task and its version stay as they are;
        the answer is the history entry."""
        command = handlers.Comment(text=body.text)
        return await run(task_id, token, if_match, idempotency_key, command, body.model_dump(mode="json"))

    @api.post("/financial-obligation", response_model=TaskView, responses=ACTION_ERRORS)
    async def notify_financial_obligation(
        task_id: UUID,
        token: Token,
        obligation: FinancialObligation,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Notify the applicant of a financial obligation (handler or approver): the amount and what it is for.
        Only for a procedure that has one (otherwise 409 naming `procedure`) and an open task, which then waits;
        the dossier is `paying` (portal code 6) until the applicant pays, then routing resumes the task."""
        command = NotifyFinancialObligation(amount_vnd=obligation.amount_vnd, description=obligation.description)
        return await run(task_id, token, if_match, idempotency_key, command, obligation.model_dump(mode="json"))

    return api


def _trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
