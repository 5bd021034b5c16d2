"""A province's results returned on time, on the public board: ``GET /v1/board/provinces/{province}/results``
(JSON) and ``….html`` (a page), per issuing unit.

No authentication: figures a province shows its citizens.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse

from services.department.stats import results_page, store
from services.department.stats.figures import Period, PeriodError, ReturnTally
from services.department.stats.views import PeriodView, ProvinceResults, ReturnFigures, UnitReturnFigures
from shared.kernel.http_problems import field_error, problem
from shared.reference.admin_units import commune_codes, find_commune, province_codes
from shared.reference.calendar import OFFICE_TIMEZONE
from shared.reference.units import find_unit

ZONE = ZoneInfo(OFFICE_TIMEZONE)
RETURNS_DEFINITION = (
    "Results returned (`results_returned`, and the province's board): a result is returned on time when it was"
    " handed to the applicant (at the counter, by post, or downloaded online) at or before the appointment date on"
    " the receipt, as routing last set it (moved by closures, supplements and a paused payment); late otherwise."
    " Counted by the local day of the return, for the unit that issued the result; the province's are those of its"
    " dossiers (the two digits after H in the dossier code). The on-time rate is on_time / returned, null when none"
    " was returned."
)
Province = Annotated[str, Path(pattern=r"^\d{2}$", description="Two-digit province code, e.g. 40.")]
FromDay = Annotated[date | None, Query(alias="from", description="First local day counted (YYYY-MM-DD).")]
ToDay = Annotated[date | None, Query(alias="to", description="Last local day counted (YYYY-MM-DD), included.")]
Answers: dict[int | str, dict[str, Any]] = {
    404: {"description": "No province has this code."},
    422: {"description": "The period is wrong."},
}


def province_name(province: str) -> str | None:
    """The province's name, as the administrative units registry writes it."""
    communes = commune_codes(province)
    commune = find_commune(communes[0]) if communes else None
    return commune.province_name if commune else None


def build_results_board(pool: Callable[[], asyncpg.Pool]) -> APIRouter:
    """The province's routes (public; the board's router adds the access declaration)."""
    board = APIRouter(prefix="/board/provinces/{province}")

    @board.get("/results", response_model=ProvinceResults, responses=Answers, description=RETURNS_DEFINITION)
    async def province_results(province: Province, first: FromDay = None, last: ToDay = None) -> Any:
        """Results of the province's dossiers returned to applicants, on time or late, in total and per unit."""
        return await _results(province, first, last)

    @board.get(
        "/results.html",
        response_class=HTMLResponse,
        response_model=None,
        responses=Answers,
        description=RETURNS_DEFINITION,
    )
    async def province_results_page(
        province: Province, first: FromDay = None, last: ToDay = None
    ) -> HTMLResponse | JSONResponse:
        """The same figures as a page for a screen (Vietnamese, large figures, no script), saying what on time is."""
        results = await _results(province, first, last)
        if isinstance(results, JSONResponse):
            return results
        return HTMLResponse(results_page.render(results, generated_at=datetime.now(ZONE)))

    async def _results(province: str, first: date | None, last: date | None) -> ProvinceResults | JSONResponse:
        if province not in province_codes():
            return problem(404, "No such province", [field_error("province", f"no province has code {province!r}")])
        try:
            period = Period.asked(first, last, today=datetime.now(ZONE).date())
        except PeriodError as error:
            return problem(422, "Invalid period", [field_error("from", str(error))])
        async with pool().acquire() as connection:
            rows = await store.returns(connection, *period.bounds(ZONE), province=province)
        by_unit: dict[str, list[tuple[datetime, datetime]]] = {}
        for row in rows:
            by_unit.setdefault(row["unit_code"], []).append((row["due_at"], row["returned_at"]))
        return ProvinceResults(
            province=province,
            name=province_name(province),
            period=PeriodView(first=period.first, last=period.last, timezone=OFFICE_TIMEZONE),
            total=ReturnFigures.of(ReturnTally.of((r["due_at"], r["returned_at"]) for r in rows)),
            units=[
                UnitReturnFigures(
                    code=code,
                    name=getattr(find_unit(code), "name_vi", None),
                    **ReturnFigures.of(ReturnTally.of(by_unit[code])).model_dump(),
                )
                for code in sorted(by_unit)
            ],
        )

    return board
