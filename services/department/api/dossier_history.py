"""A dossier's task history across units, for operators (``lienthong timeline``) and the clerks of its units."""

from collections.abc import Callable

import asyncpg
from fastapi import APIRouter

from services.department.adapters import dossier_tasks
from services.department.api.models import TaskView
from shared.kernel.auth.callers import Clerk, Integrator, Scope
from shared.kernel.auth.http import AnyCaller, forbidden, not_found


def build_dossier_history(pool: Callable[[], asyncpg.Pool]) -> APIRouter:
    # Not in the clerk API's document: operators call it too.
    api = APIRouter(prefix="/v1", include_in_schema=False)

    @api.get("/dossiers/{code}/tasks", response_model=list[TaskView])
    async def tasks_of_dossier(code: str, caller: AnyCaller) -> list[TaskView]:
        """Every task of the dossier in every unit, oldest assigned first: status, due date, who completed it, why.

        For operators (the ``operator`` scope), who follow a dossier across units, and for the clerks of
        a unit with a task on it; to any other clerk the dossier does not exist (404).
        """
        if not isinstance(caller, Clerk | Integrator) or (
            isinstance(caller, Integrator) and not caller.has(Scope.OPERATOR)
        ):
            raise forbidden("needs the scope operator, or a clerk of a unit with a task on the dossier")
        async with pool().acquire() as connection:
            rows = await dossier_tasks.of_dossier(connection, code)
        if isinstance(caller, Clerk) and not any(row["unit_code"] in caller.units for row in rows):
            raise not_found("code", f"no dossier {code} has a task in your units")
        return [TaskView.model_validate(dict(row)) for row in rows]

    return api
