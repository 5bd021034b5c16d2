"""The journals' daily roots on the public board: ``GET /v1/board/journal-roots`` (JSON) and ``….html``.

Anyone may compare a root printed here with what ``lienthong audit verify --all`` recomputes from
the services' journals: a journal changed after its day was sealed no longer gives the root shown.
"""

from collections.abc import Callable
from datetime import date, datetime
from html import escape
from typing import Annotated
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from shared.contracts import SEALING_SERVICES
from shared.kernel.auth.http import PUBLIC
from shared.reference.calendar import OFFICE_TIMEZONE

ZONE = ZoneInfo(OFFICE_TIMEZONE)
MAX_DAYS = 366
DESCRIPTION = (
    "Each service seals its journal when a local day (Asia/Ho_Chi_Minh) is over: its root is SHA-256 over the sorted"
    " `chain:head_hash` lines of every chain. The day's root is SHA-256 over the sorted `service:root` lines of"
    f" {', '.join(SEALING_SERVICES)}; null until every one of them has sealed the day."
)
Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="How many of the latest days.")]


class ServiceRoot(BaseModel):
    service: str
    root: str
    chains: int = Field(description="Chains the service's root covers.")
    entries: int = Field(description="Entries those chains held at the day's end.")


class DayRoot(BaseModel):
    """One sealed local day of the journals."""

    day: date
    root: str | None = Field(description="The day's root over every service's root; null while one is missing.")
    services: list[ServiceRoot] = Field(description="The services' roots received, by service.")


async def latest_days(connection: asyncpg.Connection, days: int) -> list[DayRoot]:
    """The latest ``days`` days some service sealed, newest first."""
    rows = await connection.fetch(
        "SELECT s.day, d.root AS day_root, s.service, s.root, s.chains, s.entries"
        " FROM journal_service_roots s LEFT JOIN journal_day_roots d ON d.day = s.day"
        " WHERE s.day IN (SELECT DISTINCT day FROM journal_service_roots ORDER BY day DESC LIMIT $1)"
        " ORDER BY s.day DESC, s.service",
        days,
    )
    found: dict[date, DayRoot] = {}
    for r in rows:
        day = found.setdefault(r["day"], DayRoot(day=r["day"], root=r["day_root"], services=[]))
        day.services.append(ServiceRoot(service=r["service"], root=r["root"], chains=r["chains"], entries=r["entries"]))
    return list(found.values())


def build_journal_board(pool: Callable[[], asyncpg.Pool]) -> APIRouter:
    """The roots' routes, public; ``pool`` gives the service's database pool once it runs."""
    board = APIRouter(prefix="/v1/board", tags=["public board"], dependencies=[PUBLIC])

    @board.get("/journal-roots", response_model=list[DayRoot], description=DESCRIPTION)
    async def journal_roots(days: Days = 7) -> list[DayRoot]:
        """The journals' roots of the latest sealed days, newest first."""
        async with pool().acquire() as connection:
            return await latest_days(connection, days)

    @board.get("/journal-roots.html", response_class=HTMLResponse, response_model=None, description=DESCRIPTION)
    async def journal_roots_page(days: Days = 7) -> HTMLResponse:
        """The same roots as a page (Vietnamese, no script)."""
        async with pool().acquire() as connection:
            found = await latest_days(connection, days)
        return HTMLResponse(render(found, generated_at=datetime.now(ZONE)))

    return board


def render(days: list[DayRoot], *, generated_at: datetime) -> str:
    """The page: one section per day, its root and each service's; every text from data escaped."""
    sections = "\n".join(_section(d) for d in days) or "<p>Chưa có ngày nào được niêm phong.</p>"
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mã niêm phong nhật ký hồ sơ</title>
<style>body {{ font-family: "Noto Sans", Arial, sans-serif; margin: 2vw 3vw; }}
code {{ word-break: break-all; }}</style>
</head>
<body>
<h1>Mã niêm phong nhật ký xử lý hồ sơ theo ngày</h1>
{sections}
<p>{escape(DESCRIPTION)}</p>
<p>Cập nhật lúc {escape(generated_at.strftime("%H:%M %d/%m/%Y"))}.</p>
</body>
</html>
"""


def _section(day: DayRoot) -> str:
    root = escape(day.root) if day.root else "chưa đủ các dịch vụ niêm phong"
    items = "\n".join(
        f"<li>{escape(s.service)}: <code>{escape(s.root)}</code> ({s.chains} chuỗi, {s.entries} mục)</li>"
        for s in day.services
    )
    heading = f"<h2>Ngày {escape(day.day.strftime('%d/%m/%Y'))}</h2>"
    return f"{heading}\n<p>Mã của ngày: <code>{root}</code></p>\n<ul>\n{items}\n</ul>"
