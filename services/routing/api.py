"""Routing's HTTP API: the plan of a dossier and why each unit got its task."""

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.routing.adapters.queries import plan_by_code
from services.routing.domain.plan import DossierPlan, PlanTask
from services.routing.store import RoutingStore
from shared.contracts import DossierStatus
from shared.kernel.auth.callers import Scope, province_of
from shared.kernel.auth.http import AnyCaller, province_reader
from shared.kernel.http_problems import field_error, problem, problems
from shared.kernel.runtime import ServiceRuntime
from shared.reference.units import find_unit


class RoutingView(BaseModel):
    unit_code: str
    unit_name: str | None = Field(description="The unit's name in Vietnamese, from the unit registry.")
    unit_kind: str = Field(description="Level and kind, e.g. province:SNNMT.")
    rule: str | None = Field(description="The delegation rule that chose the unit; null for the catalogue's default.")
    explanation: str


class TaskView(BaseModel):
    id: UUID
    key: str
    name_vi: str
    name_en: str
    state: str
    working_days: int
    routing: RoutingView
    assigned_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    reason: str | None
    replaces: UUID | None


class StageView(BaseModel):
    index: int
    state: str = Field(description="pending, current or finished.")
    tasks: list[TaskView]


class AuditView(BaseModel):
    at: datetime
    action: str
    task_key: str | None
    from_unit: str | None
    to_unit: str | None
    rule: str | None
    catalogue_version: str
    rules_version: str
    detail: str


class PlanView(BaseModel):
    """A dossier's plan: stages in order, parallel tasks inside each, and every routing decision."""

    dossier_code: str
    procedure_code: str
    status: DossierStatus
    portal_status_code: int
    catalogue_version: str
    rules_version: str
    received_at: datetime
    due_at: datetime
    clock_paused_since: datetime | None
    stages: list[StageView]
    audit: list[AuditView]


def _task_view(task: PlanTask) -> TaskView:
    unit = find_unit(task.routing.unit_code)
    routing = RoutingView(
        unit_code=task.routing.unit_code,
        unit_name=unit.name_vi if unit else None,
        unit_kind=task.routing.unit,
        rule=task.routing.rule,
        explanation=task.routing.explanation,
    )
    return TaskView(
        id=task.id,
        key=task.key,
        name_vi=task.name_vi,
        name_en=task.name_en,
        state=task.state.value,
        working_days=task.working_days,
        routing=routing,
        assigned_at=task.assigned_at,
        due_at=task.due_at,
        finished_at=task.finished_at,
        reason=task.reason,
        replaces=task.replaces,
    )


def plan_view(plan: DossierPlan, audit: list[dict[str, object]]) -> PlanView:
    return PlanView(
        dossier_code=plan.dossier_code,
        procedure_code=plan.procedure_code,
        status=plan.status,
        portal_status_code=plan.status.portal_code,
        catalogue_version=plan.catalogue_version,
        rules_version=plan.rules_version,
        received_at=plan.received_at,
        due_at=plan.due_at,
        clock_paused_since=plan.paused_at,
        stages=[
            StageView(
                index=index,
                state=plan.stage_state(index),
                tasks=[_task_view(t) for t in plan.tasks if t.stage == index],
            )
            for index in range(plan.stage_count)
        ],
        audit=[AuditView.model_validate(entry) for entry in audit],
    )


MEANINGS = {
    401: "No valid bearer token (field `Authorization`).",
    403: "The token has neither the scope dossiers:read nor operator.",
    404: "Routing has no plan for this dossier among the caller's provinces.",
    422: "A field is invalid; each error names it.",
}


def build_api(runtime: ServiceRuntime[RoutingStore]) -> APIRouter:
    api = APIRouter(prefix="/v1")

    @api.get("/dossiers/{code}/plan", response_model=PlanView, responses=problems(MEANINGS, 401, 403, 404, 422))
    async def get_plan(code: str, caller: AnyCaller) -> PlanView | JSONResponse:
        """The dossier's plan: which unit handles each task, by which rule, due when.

        For integrators with `dossiers:read` for the dossier's province, and operators.
        """
        province_reader(caller, Scope.READ, province_of(code))
        async with runtime.db.acquire() as connection:
            found = await plan_by_code(connection, code)
        if found is None:
            return problem(404, "No such dossier", [field_error("code", f"routing has no plan for dossier {code!r}")])
        plan, audit = found
        return plan_view(plan, [dict(row) for row in audit])

    return api
