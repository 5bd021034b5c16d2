"""Supervisors' overdue lists (per unit, per province) and the draft apology letter of an overdue task."""

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query

from services.department import handlers
from services.department.adapters import repository
from services.department.api import cursors
from services.department.api.openapi_responses import problems
from services.department.api.overdue_models import ApologyDraft, ExtensionToSend, OverduePage, OverdueTask
from services.department.api.queries import PROCEDURE_CODE
from services.department.api.security import department_clerk, forbidden, not_found, unit_access
from services.department.domain import apology
from services.department.domain.access import Action
from services.department.escalation import overdue
from services.department.store import DepartmentStore, Task
from shared.kernel.auth.callers import Caller, Clerk, Integrator, Scope
from shared.kernel.auth.http import AnyCaller
from shared.kernel.auth.http import forbidden as scope_forbidden
from shared.kernel.http_problems import ProblemError, field_error
from shared.kernel.runtime import ServiceRuntime
from shared.reference.calendar import OFFICE_TIMEZONE, default_calendar
from shared.reference.data import catalogue
from shared.reference.units import find_unit

OFFICE_ZONE = ZoneInfo(OFFICE_TIMEZONE)
ONE_STOP = "TTPVHCC"
Province = Annotated[str, Path(pattern=r"^\d{2}$", description="Two-digit province code, e.g. 40.")]
MinDays = Annotated[int, Query(ge=0, le=3650, description="Only tasks overdue by at least this many whole days.")]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=400, description="`next_cursor` of the previous page.")]
Procedure = Annotated[str | None, Query(pattern=PROCEDURE_CODE, description="Procedure code.")]


def build_overdue(runtime: ServiceRuntime[DepartmentStore]) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["overdue"])

    async def page(where: overdue.OverdueFilter, now: datetime, cursor: str | None, limit: int) -> OverduePage:
        after = cursors.overdue_position(cursor) if cursor else None
        async with runtime.db.acquire() as connection:
            rows = await overdue.overdue_page(connection, where, after, limit + 1)
        items = [OverdueTask.model_validate({**row, "days_overdue": (now - row["due_at"]).days}) for row in rows]
        last = items[limit - 1] if len(items) > limit else None
        next_cursor = (
            cursors.overdue_cursor(overdue.OverduePosition(last.due_at, last.id)) if last and last.due_at else None
        )
        return OverduePage(items=items[:limit], next_cursor=next_cursor)

    @api.get("/units/{unit}/overdue", response_model=OverduePage, responses=problems(401, 403, 404, 422))
    async def unit_overdue(
        unit: str,
        caller: AnyCaller,
        procedure: Procedure = None,
        min_days_overdue: MinDays = 0,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> OverduePage:
        """The unit's open tasks past their due time, most overdue first, with the escalation step each reached.

        For the unit's supervisors, and operators. Pages follow `next_cursor`.
        """
        _supervisor_of(caller, unit, "unit")
        now = datetime.now(UTC)
        where = overdue.OverdueFilter(
            now - timedelta(days=min_days_overdue), unit=unit, procedure_codes=[procedure] if procedure else None
        )
        return await page(where, now, cursor, limit)

    @api.get("/provinces/{province}/overdue", response_model=OverduePage, responses=problems(401, 403, 404, 422))
    async def province_overdue(
        province: Province,
        caller: AnyCaller,
        unit: Annotated[str | None, Query(max_length=40, description="Only this unit's tasks.")] = None,
        procedure: Procedure = None,
        min_days_overdue: MinDays = 0,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> OverduePage:
        """Every open task past its due time on the province's dossiers, most overdue first.

        For supervisors of the province's Public Administration Service Centre (unit `<province>.TTPVHCC`),
        and operators. Filters combine; pages follow `next_cursor`.
        """
        _supervisor_of(caller, f"{province}.{ONE_STOP}", "province")
        now = datetime.now(UTC)
        where = overdue.OverdueFilter(
            now - timedelta(days=min_days_overdue),
            unit=unit,
            province=province,
            procedure_codes=[procedure] if procedure else None,
        )
        return await page(where, now, cursor, limit)

    @api.get("/tasks/{task_id}/apology-draft", response_model=ApologyDraft, responses=problems(401, 403, 404, 409, 422))
    async def apology_draft(task_id: UUID, caller: AnyCaller) -> ApologyDraft:
        """A draft of the apology letter (Form 04, Decree 61/2018/NĐ-CP) for an overdue task not yet extended.

        For the handlers and supervisors of the task's unit. The reason is left to the clerk, the new return
        date is proposed from the calendar; they send both with `POST /v1/tasks/{id}/extension`. 409 when the
        task is not open and overdue, or was extended already.
        """
        if not isinstance(caller, Clerk):
            raise forbidden("the apology draft is for the task's clerks")
        clerk = department_clerk(caller)
        now = datetime.now(UTC)
        async with runtime.db.acquire() as connection:
            try:
                task = handlers.visible(await repository.task(connection, task_id), clerk, task_id)
            except handlers.TaskNotFoundError as error:
                raise not_found("task_id", str(error)) from error
            unit_access(clerk, task["unit_code"], Action.DRAFT_APOLOGY)
            extended = await overdue.was_extended(connection, task_id)
        try:
            due_at = apology.check_draftable(task["status"], task["due_at"], now, extended=extended)
        except apology.NotDraftableError as error:
            raise ProblemError(409, "No apology to draft", [field_error(error.field, str(error))]) from error
        return _draft(task, due_at, now)

    return api


def _supervisor_of(caller: Caller, unit: str, field: str) -> None:
    """Operators pass; a clerk needs the supervisor role in ``unit`` (404 outside their units, 403 without it)."""
    if isinstance(caller, Integrator):
        if not caller.has(Scope.OPERATOR):
            raise scope_forbidden("the overdue lists need a supervisor's token or the operator scope")
        return
    if not isinstance(caller, Clerk):
        raise forbidden("the overdue lists are for supervisors and operators")
    clerk = department_clerk(caller)
    if not clerk.sees(unit):
        raise not_found(field, f"no unit {unit} among yours")
    unit_access(clerk, unit, Action.READ_OVERDUE)


def _draft(task: Task, due_at: datetime, now: datetime) -> ApologyDraft:
    calendar = default_calendar()
    today = now.astimezone(OFFICE_ZONE).date()
    assigned_at = task["assigned_at"]
    new_date = apology.proposed_new_date(
        calendar,
        assigned=assigned_at.astimezone(OFFICE_ZONE).date(),
        due=due_at.astimezone(OFFICE_ZONE).date(),
        today=today,
    )
    procedure = catalogue().find(task["procedure_code"])
    unit = find_unit(task["unit_code"])
    procedure_name = procedure.name_vi if procedure else task["procedure_code"]
    unit_name = unit.name_vi if unit else task["unit_code"]
    facts = apology.LetterFacts(
        unit_name=unit_name,
        dossier_code=task["dossier_code"],
        procedure_name=procedure_name,
        received_on=assigned_at.astimezone(OFFICE_ZONE).date(),
        due_on=due_at.astimezone(OFFICE_ZONE).date(),
        new_due_on=new_date,
        today=today,
    )
    return ApologyDraft(
        form=apology.FORM,
        task_id=task["id"],
        dossier_code=task["dossier_code"],
        procedure_code=task["procedure_code"],
        procedure_name=procedure_name,
        unit_code=task["unit_code"],
        unit_name=unit_name,
        received_at=assigned_at,
        original_due_at=due_at,
        proposed_new_due_date=new_date,
        letter=apology.letter(facts),
        send_with=ExtensionToSend(
            path=f"/v1/tasks/{task['id']}/extension",
            body={"new_due_date": new_date.isoformat(), "reason": None},
        ),
    )
