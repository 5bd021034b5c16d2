"""A commune clerk and a provincial department clerk each act on their share of one dossier over HTTP."""

from typing import Any

import httpx
from stack import ServiceStack
from standins.process import StandinServers

from tests.support import clerks
from tests.support.dossiers import LAND_IN_QUYNH_LUU, dossier_status, open_task
from tests.support.journey import received

COMMUNE = "17179.KT"  # economy section of Xã Quỳnh Lưu
DEPARTMENT = "40.SNNMT"  # Nghệ An's Department of Agriculture and Environment


class Clerk:
    """One person at one unit, acting through the API with their own token."""

    def __init__(self, http: httpx.AsyncClient, base: str, name: str, unit: str, *roles: str) -> None:
        self.http, self.base, self.unit = http, base, unit
        self.token = {"Authorization": f"Bearer {clerks.token([unit], *roles, clerk=name)}"}

    async def inbox(self, code: str) -> list[dict[str, Any]]:
        response = await self.http.get(
            f"{self.base}/v1/units/{self.unit}/tasks", params={"dossier": code}, headers=self.token
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def read(self, task_id: str) -> httpx.Response:
        return await self.http.get(f"{self.base}/v1/tasks/{task_id}", headers=self.token)

    async def act(self, task: dict[str, Any], action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.base}/v1/tasks/{task['id']}/{action}",
            json=body,
            headers={**self.token, "If-Match": f'"{task["version"]}"'},
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer


async def test_a_commune_clerk_and_a_department_clerk_each_act_on_their_share_of_a_land_dossier(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    base = stack.url("department")
    code = (await received(http, stack.url("intake"), standins, LAND_IN_QUYNH_LUU))["code"]
    commune_handler = Clerk(http, base, "kt.nguyen-lan", COMMUNE, "handler")
    commune_approver = Clerk(http, base, "kt.tran-hoa", COMMUNE, "approver")
    department_clerk = Clerk(http, base, "snnmt.le-minh", DEPARTMENT, "handler", "approver")

    confirm = await open_task(http, base, COMMUNE, code)
    assert (await department_clerk.read(confirm["id"])).status_code == 404, "the commune's task is not the province's"
    claimed = await commune_handler.act(confirm, "claim")
    await commune_approver.act(claimed, "approve", {"note": "Đã xác nhận hiện trạng sử dụng đất"})

    register = await open_task(http, base, DEPARTMENT, code)
    assert register["task_key"] == "register-land"
    foreign_inbox = await http.get(f"{base}/v1/units/{DEPARTMENT}/tasks", headers=commune_handler.token)
    assert foreign_inbox.status_code == 404
    assert (await commune_handler.read(register["id"])).status_code == 404
    claimed = await department_clerk.act(register, "claim")
    await department_clerk.act(claimed, "approve")

    certificate = await open_task(http, base, COMMUNE, code)
    assert certificate["task_key"] == "issue-land-certificate"
    await commune_approver.act(certificate, "approve")

    ready = await dossier_status(http, stack.url("intake"), code, "releasing")
    assert ready["result"]["issued_by"] == COMMUNE, "the unit of the last stage issues the certificate"
    history = (await department_clerk.read(register["id"])).json()["history"]
    assert [(h["action"], h["actor"]) for h in history] == [
        ("assigned", "routing"),
        ("claimed", "snnmt.le-minh"),
        ("approved", "snnmt.le-minh"),
    ]
    own = await commune_handler.inbox(code)
    assert {(t["task_key"], t["status"], t["completed_by"]) for t in own} == {
        ("confirm-land-use", "approved", "kt.tran-hoa"),
        ("issue-land-certificate", "approved", "kt.tran-hoa"),
    }
