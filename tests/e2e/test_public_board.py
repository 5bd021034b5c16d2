"""The public board of the running department: no token needed, figures in JSON and HTML."""

from datetime import datetime

import asyncpg
import httpx
from stack import ServiceStack

from shared.kernel.settings import CommonSettings
from tests.support import clerks
from tests.support.department_rows import add_task, finish_task
from tests.support.waiting import eventually

UNIT = "30742.VP"  # Phường Rạch Giá's office; March 2026 is this test's own period
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.fromisoformat(f"2026-03-{day:02d}T{hour:02d}:{minute:02d}:00+07:00")


async def test_the_board_counts_a_month_of_completions_and_an_extension_made_through_the_clerk_api(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings
) -> None:
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "department"})
    board = f"{stack.url('department')}/v1/units/{UNIT}/stats"
    try:
        due = at(18, 17)
        for finished in (at(16, 9), at(18, 10), at(18, 17, 30)):
            task_id = await add_task(connection, assigned_at=at(13, 9), due_at=due, unit=UNIT)
            await finish_task(connection, task_id, "approved", finished)
        before = (await http.get(board, params=MARCH)).json()["total"]
        assert before == {"completed": 3, "early": 1, "on_time": 1, "late": 1, "on_time_rate": 2 / 3}

        # The last one was due on the 16th; its unit extended it to the 18th with an apology letter,
        # then finished it on the 17th: early by the clock, but apologised for, so late.
        task_id = await add_task(connection, assigned_at=at(13, 9), due_at=at(16, 17), unit=UNIT)
        extended = await http.post(
            f"{stack.url('department')}/v1/tasks/{task_id}/extension",
            json={"new_due_date": "2026-03-18", "reason": "Cần xác minh thêm nguồn gốc đất"},
            headers=clerks.headers(UNIT, "handler", version=1),
        )
        assert extended.status_code == 200, extended.text
        await finish_task(connection, task_id, "approved", at(17, 15))
    finally:
        await connection.close()

    async def late_counted() -> dict[str, object] | None:
        total: dict[str, object] = (await http.get(board, params=MARCH)).json()["total"]
        return total if total["completed"] == 4 else None

    assert await eventually(late_counted, what="the extended task counted late") == {
        "completed": 4,
        "early": 1,
        "on_time": 1,
        "late": 2,
        "on_time_rate": 0.5,
    }
    page = await http.get(f"{board}.html", params=MARCH)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường Rạch Giá" in page.text
    assert "50,0%" in page.text
