"""Routing's HTTP API of closures (force majeure): declare, list, end early, extend.

For a province's supervisors (a clerk with role ``supervisor`` in a province-level unit of that
province) and operators. Each change marks the open dossiers concerned; the re-projection worker
counts their due dates again and the applicants are told their new appointment.
"""

from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID, uuid4

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.routing.adapters import closures_sql as sql
from services.routing.domain.closures import Closure, ClosureRejectedError, Decision
from services.routing.reprojection import closure_changed, connection_of
from services.routing.store import RoutingStore
from shared.kernel.auth.callers import Caller, Clerk, Integrator, Scope
from shared.kernel.auth.http import AnyCaller, forbidden, not_found
from shared.kernel.http_problems import ProblemError, field_error, problems
from shared.kernel.journal import clerk_actor, operator_actor
from shared.kernel.runtime import ServiceRuntime
from shared.reference.admin_units import find_commune, province_codes
from shared.reference.units import find_unit

SUPERVISOR = "supervisor"


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=100, description="e.g. 1234/QĐ-UBND")
    issued_on: date
    issuer: str = Field(min_length=1, max_length=200, description="e.g. Ủy ban nhân dân tỉnh Nghệ An")


class ClosureDeclared(BaseModel):
    """A closure to declare: a province, its communes concerned (none: the whole province), the days,
    why, and the decision that ordered it."""

    model_config = ConfigDict(extra="forbid")

    province_code: str = Field(pattern=r"^\d{2}$")
    communes: list[str] = Field(default_factory=list, max_length=200, description="5-digit commune codes; empty: all")
    first_day: date
    last_day: date = Field(description="The last closed day, included.")
    reason: str = Field(min_length=1, max_length=500)
    decision: DecisionBody


class ClosureEnded(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reopened_on: date = Field(description="The first day the offices work again.")


class ClosureExtended(BaseModel):
    model_config = ConfigDict(extra="forbid")

    last_day: date = Field(description="The new last closed day, later than the present one.")


class ClosureView(BaseModel):
    id: UUID
    province_code: str
    communes: list[str]
    first_day: date
    last_day: date
    reason: str
    decision: DecisionBody
    declared_by: str
    declared_at: datetime
    ended_at: datetime | None
    dossiers_concerned: int | None = Field(default=None, description="Open dossiers whose due dates move (on changes).")


MEANINGS = {
    401: "No valid bearer token (field `Authorization`).",
    403: "Neither a supervisor of a province-level unit of that province nor an operator.",
    404: "No such closure in the caller's province.",
    409: "The change does not apply to the closure (field named).",
    422: "A field is invalid; each error names it.",
}


def _view(closure: Closure, concerned: int | None = None) -> ClosureView:
    d = closure.decision
    return ClosureView(
        id=closure.id,
        province_code=closure.province_code,
        communes=list(closure.communes),
        first_day=closure.first_day,
        last_day=closure.last_day,
        reason=closure.reason,
        decision=DecisionBody(number=d.number, issued_on=d.issued_on, issuer=d.issuer),
        declared_by=closure.declared_by,
        declared_at=closure.declared_at,
        ended_at=closure.ended_at,
        dossiers_concerned=concerned,
    )


def supervises(caller: Caller, province: str) -> bool:
    """A clerk with role supervisor in a province-level unit of ``province``."""
    if not isinstance(caller, Clerk):
        return False
    for unit_code in caller.units:
        unit = find_unit(unit_code)
        if (
            unit
            and unit.level == "province"
            and unit.province_code == province
            and SUPERVISOR in caller.roles_in(unit_code)
        ):
            return True
    return False


def _actor(caller: Caller, province: str, field: str = "province_code") -> str:
    if isinstance(caller, Integrator) and caller.has(Scope.OPERATOR):
        return operator_actor(caller.client_id)
    if isinstance(caller, Clerk):
        if supervises(caller, province):
            return clerk_actor(caller.id)
        if field != "province_code":
            raise not_found(field, "no such closure in your province")
    raise forbidden(f"needs the role {SUPERVISOR} in a province-level unit of province {province}, or {Scope.OPERATOR}")


def _checked_place(body: ClosureDeclared) -> None:
    if body.province_code not in province_codes():
        raise ProblemError(422, "Unknown province", [field_error("province_code", "no such province")])
    for index, code in enumerate(body.communes):
        commune = find_commune(code)
        if commune is None or commune.province_code != body.province_code:
            raise ProblemError(
                422, "Unknown commune", [field_error(f"communes[{index}]", f"no commune {code} in this province")]
            )
    if body.last_day < body.first_day:
        raise ProblemError(422, "Bad days", [field_error("last_day", "before first_day")])


def _rejected(error: ClosureRejectedError, field: str) -> ProblemError:
    return ProblemError(409, "Change refused", [field_error(field, str(error))])


def build_closures_api(runtime: ServiceRuntime[RoutingStore]) -> APIRouter:
    api = APIRouter(prefix="/v1/closures", tags=["closures"])

    @api.post("", status_code=201, response_model=ClosureView, responses=problems(MEANINGS, 401, 403, 422))
    async def declare(body: ClosureDeclared, caller: AnyCaller) -> ClosureView:
        """Declare a closure: the clocks of the open dossiers and tasks of the communes concerned stop on its days."""
        actor = _actor(caller, body.province_code)
        _checked_place(body)
        d = body.decision
        async with runtime.transactions() as uow:
            closure = Closure(
                uuid4(),
                body.province_code,
                tuple(sorted(set(body.communes))),
                body.first_day,
                body.last_day,
                body.reason,
                Decision(d.number, d.issued_on, d.issuer),
                actor,
                uow.now,
            )
            concerned = await closure_changed(uow, closure, "declared", actor)
        return _view(closure, concerned)

    @api.get("", response_model=list[ClosureView], responses=problems(MEANINGS, 401, 403, 422))
    async def list_closures(caller: AnyCaller, province_code: str | None = None) -> list[ClosureView]:
        """The closures of a province, latest first; without one, an operator's are all, a supervisor's
        those of the provinces they supervise."""
        if province_code is not None:
            _actor(caller, province_code)
            provinces: list[str | None] = [province_code]
        elif isinstance(caller, Integrator) and caller.has(Scope.OPERATOR):
            provinces = [None]
        else:
            provinces = [p for p in sorted(province_codes()) if supervises(caller, p)]
            if not provinces:
                raise forbidden(f"needs the role {SUPERVISOR} in a province-level unit, or {Scope.OPERATOR}")
        async with runtime.db.acquire() as connection:
            return [_view(c) for p in provinces for c in await sql.closures(connection, p)]

    async def change(
        closure_id: UUID, caller: Caller, action: str, field: str, apply: Callable[[Closure, datetime], Closure]
    ) -> ClosureView:
        async with runtime.transactions() as uow:
            closure = await sql.closure_for_update(connection_of(uow), closure_id)
            if closure is None:
                raise not_found("closure_id", "no such closure")
            actor = _actor(caller, closure.province_code, "closure_id")
            try:
                changed = apply(closure, uow.now)
            except ClosureRejectedError as error:
                raise _rejected(error, field) from error
            concerned = await closure_changed(uow, changed, action, actor)
        return _view(changed, concerned)

    @api.post("/{closure_id}/end", response_model=ClosureView, responses=problems(MEANINGS, 401, 403, 404, 409, 422))
    async def end(closure_id: UUID, body: ClosureEnded, caller: AnyCaller) -> ClosureView:
        """End a closure early: the offices reopen on ``reopened_on``; due dates are counted again."""
        return await change(closure_id, caller, "ended", "reopened_on", lambda c, now: c.ended(body.reopened_on, now))

    @api.post(
        "/{closure_id}/extension", response_model=ClosureView, responses=problems(MEANINGS, 401, 403, 404, 409, 422)
    )
    async def extend(closure_id: UUID, body: ClosureExtended, caller: AnyCaller) -> ClosureView:
        """Extend a closure to a later last day; due dates are counted again."""
        return await change(closure_id, caller, "extended", "last_day", lambda c, _now: c.extended(body.last_day))

    return api
