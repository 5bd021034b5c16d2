"""A dossier's task history across units, for operators (``lienthong timeline``), beside the clerk API."""

from collections.abc import Callable

import asyncpg
from fastapi import APIRouter

from services.department.adapters import dossier_tasks
from services.department.api.models import TaskView


def build_dossier_history(pool: Callable[[], asyncpg.Pool]) -> APIRouter:
    # Not in the clerk API's document, whose every route needs a clerk's token.
    api = APIRouter(prefix="/v1", include_in_schema=False)

    @api.get("/dossiers/{code}/tasks", response_model=list[TaskView])
    async def tasks_of_dossier(code: str) -> list[TaskView]:
        """Every task of the dossier in every unit, oldest assigned first: status, due date, who completed it, why.

        For operators, who follow a dossier across units; clerks read their own units' tasks through
        the clerk API. Anonymous for now, like every API but the clerk API.
        """
        async with pool().acquire() as connection:
            rows = await dossier_tasks.of_dossier(connection, code)
        return [TaskView.model_validate(dict(row)) for row in rows]

    return api
