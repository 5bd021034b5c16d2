"""The public board over HTTP: ``GET /v1/units/{unit}/stats`` (JSON) and ``…/stats.html`` (a page); a province's
results returned (``/v1/board/provinces/{province}/results``, :mod:`results_board`).

No authentication: these are the figures a service centre shows on its screen.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse

from services.department.stats import page, store
from services.department.stats.figures import Period, PeriodError, ReturnTally, Tally, tally_by, timeliness
from services.department.stats.results_board import RETURNS_DEFINITION, build_results_board
from services.department.stats.views import (
    BoardStats,
    DueDatesMoved,
    Figures,
    PeriodView,
    ProcedureFigures,
    ReturnFigures,
    UnitRef,
)
from shared.kernel.auth.http import PUBLIC
from shared.kernel.http_problems import field_error, problem
from shared.reference.calendar import OFFICE_TIMEZONE
from shared.reference.data import catalogue
from shared.reference.units import find_unit

ZONE = ZoneInfo(OFFICE_TIMEZONE)
DEFINITIONS = (
    "Task figures (`total`, `procedures`): completions are the unit's approved and refused tasks that finished"
    " on a local day (Asia/Ho_Chi_Minh) of the period. Early: finished on a day before the due day. On time:"
    " finished on the due day at or before the due time. Late: finished after the due time, or extended with an"
    " apology letter (Form 04). The on-time rate is (early + on time) / completed, null when nothing was"
    " completed. The period defaults to the current month; `from` alone runs to the end of the current month,"
    " `to` alone starts on the first of its month; at most 366 days. A due time moved by a closure (force"
    " majeure) or a change of the working-day calendar counts from its new time, so the closed days are not"
    " late; `due_dates_moved` names each reason. " + RETURNS_DEFINITION
)
FromDay = Annotated[date | None, Query(alias="from", description="First local day counted (YYYY-MM-DD).")]
ToDay = Annotated[date | None, Query(alias="to", description="Last local day counted (YYYY-MM-DD), included.")]
Answers: dict[int | str, dict[str, Any]] = {
    404: {"description": "No unit has this code."},
    422: {"description": "The period is wrong."},
}


def build_board(pool: Callable[[], asyncpg.Pool]) -> APIRouter:
    """The board's routes, public; ``pool`` gives the service's database pool once it runs."""
    board = APIRouter(prefix="/v1", tags=["public board"], dependencies=[PUBLIC])
    board.include_router(build_results_board(pool))

    @board.get("/units/{unit}/stats", response_model=BoardStats, responses=Answers, description=DEFINITIONS)
    async def unit_stats(unit: str, first: FromDay = None, last: ToDay = None) -> BoardStats | JSONResponse:
        """Early, on-time and late completions of a unit over a period, in total and per procedure."""
        return await _stats(unit, first, last)

    @board.get(
        "/units/{unit}/stats.html",
        response_class=HTMLResponse,
        response_model=None,
        responses=Answers,
        description=DEFINITIONS,
    )
    async def unit_stats_page(unit: str, first: FromDay = None, last: ToDay = None) -> HTMLResponse | JSONResponse:
        """The same figures as a page for a screen in a service centre (Vietnamese, large figures, no script)."""
        stats = await _stats(unit, first, last)
        if isinstance(stats, JSONResponse):
            return stats
        return HTMLResponse(page.render(stats, generated_at=datetime.now(ZONE)))

    async def _stats(unit: str, first: date | None, last: date | None) -> BoardStats | JSONResponse:
        found = find_unit(unit)
        if found is None:
            return problem(404, "No such unit", [field_error("unit", f"no unit has code {unit!r}")])
        try:
            period = Period.asked(first, last, today=datetime.now(ZONE).date())
        except PeriodError as error:
            return problem(422, "Invalid period", [field_error("from", str(error))])
        async with pool().acquire() as connection:
            rows = await store.completions(connection, unit, *period.bounds(ZONE))
            moves = await store.due_date_moves(connection, unit, *period.bounds(ZONE))
            returned = await store.returns(connection, *period.bounds(ZONE), unit=unit)
        classified = [
            (row["procedure_code"], timeliness(row["due_at"], row["completed_at"], extended=row["extended"], zone=ZONE))
            for row in rows
        ]
        procedures = catalogue()
        return BoardStats(
            unit=UnitRef(code=found.code, name=found.name_vi),
            period=PeriodView(first=period.first, last=period.last, timezone=OFFICE_TIMEZONE),
            total=Figures.of(Tally.of(item for _, item in classified)),
            procedures=[
                ProcedureFigures(
                    code=code, name=getattr(procedures.find(code), "name_vi", None), **Figures.of(tally).model_dump()
                )
                for code, tally in tally_by(classified).items()
            ],
            due_dates_moved=[DueDatesMoved(reason=m["reason"] or "", tasks=m["tasks"]) for m in moves],
            results_returned=ReturnFigures.of(ReturnTally.of((r["due_at"], r["returned_at"]) for r in returned)),
        )

    return board
