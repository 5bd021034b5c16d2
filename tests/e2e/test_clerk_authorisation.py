"""The clerk API's authorisation matrix against the running department, with real RS256 tokens.

Every endpoint, for: own unit with the right role / own unit with a wrong role / another unit /
no token / forged tokens (expired, wrong signature, HS256, alg none, other audience or issuer).
Actions are sent with a stale If-Match where the clerk is allowed: the 409 proves that
authentication and authorisation passed, and the task is left as it was for the next case.
"""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from stack import ServiceStack
from standins.process import StandinServers

from tests.support import clerks
from tests.support.dossiers import LAND_IN_QUYNH_LUU, open_task
from tests.support.forged_tokens import FORGED_KINDS, forged
from tests.support.journey import received

UNIT = "17179.KT"
OTHER_UNIT = "40.SNNMT"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    roles: tuple[str, ...]
    body: dict[str, Any] | None = None
    allowed: int = 409
    """Answer of the own unit with the right role (actions: 409 for the stale If-Match)."""

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


READERS = ("receiver", "handler", "approver", "supervisor")
ENDPOINTS = [
    Endpoint("GET", "/v1/units/{unit}/tasks", READERS, allowed=200),
    Endpoint("GET", "/v1/tasks/{task}", READERS, allowed=200),
    Endpoint("GET", "/v1/units/{unit}/audit", ("supervisor",), allowed=200),
    Endpoint("GET", "/v1/units/{unit}/events", READERS, allowed=200),
    Endpoint("POST", "/v1/tasks/{task}/claim", ("handler",)),
    Endpoint("POST", "/v1/tasks/{task}/release", ("handler", "supervisor")),
    Endpoint("POST", "/v1/tasks/{task}/reassignment", ("supervisor",), {"clerk_id": "kt.le-minh"}),
    Endpoint("POST", "/v1/tasks/{task}/approve", ("approver",), {"note": "ok"}),
    Endpoint("POST", "/v1/tasks/{task}/refuse", ("approver",), {"reason": "không đủ điều kiện"}),
    Endpoint("POST", "/v1/tasks/{task}/supplement-request", ("handler",), {"missing": ["Sơ đồ thửa đất"]}),
    Endpoint("POST", "/v1/tasks/{task}/return", ("handler",), {"reason": "không thuộc thẩm quyền"}),
    Endpoint("POST", "/v1/tasks/{task}/extension", ("handler",), {"new_due_date": "2030-01-02", "reason": "xác minh"}),
    Endpoint("POST", "/v1/tasks/{task}/comments", ("handler", "approver"), {"text": "đã gọi điện"}),
]


@pytest.fixture(scope="module")
async def task(stack: ServiceStack, standins: StandinServers) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10, headers=clerks.harness_headers()) as http:
        code = (await received(http, stack.url("intake"), standins, LAND_IN_QUYNH_LUU))["code"]
        return await open_task(http, stack.url("department"), UNIT, code)


async def _call(
    http: httpx.AsyncClient, stack: ServiceStack, endpoint: Endpoint, task: dict[str, Any], headers: dict[str, str]
) -> int:
    url = stack.url("department") + endpoint.path.format(unit=task["unit_code"], task=task["id"])
    if endpoint.path.endswith("/events"):
        async with http.stream("GET", url, headers=headers) as response:
            return response.status_code
    response = await http.request(endpoint.method, url, json=endpoint.body, headers={**headers, "If-Match": '"0"'})
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", response.text
        assert response.json()["errors"][0]["field"], response.text
    return response.status_code


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


CASES = ["own-unit", "wrong-role", "other-unit", "no-token", *FORGED_KINDS]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
async def test_each_endpoint_admits_only_a_valid_token_of_the_tasks_unit_with_the_right_role(
    anonymous: httpx.AsyncClient, stack: ServiceStack, task: dict[str, Any], endpoint: Endpoint, case: str
) -> None:
    wrong_roles = [r for r in READERS if r not in endpoint.roles]
    if case == "own-unit":
        headers, expected = _bearer(clerks.token([UNIT], *endpoint.roles)), endpoint.allowed
    elif case == "wrong-role":
        # a token whose only role this service does not know has no role at all
        headers, expected = _bearer(clerks.token([UNIT], *(wrong_roles or ["visitor"]))), 403
    elif case == "other-unit":
        headers, expected = _bearer(clerks.token([OTHER_UNIT], *READERS)), 404
    elif case == "no-token":
        headers, expected = {}, 401
    else:
        headers, expected = _bearer(forged(case, [UNIT])), 401

    assert await _call(anonymous, stack, endpoint, task, headers) == expected


async def test_the_task_is_unchanged_after_the_whole_matrix(
    http: httpx.AsyncClient, stack: ServiceStack, task: dict[str, Any]
) -> None:
    response = await http.get(f"{stack.url('department')}/v1/tasks/{task['id']}", headers=clerks.headers(UNIT))

    assert response.status_code == 200
    assert response.headers["etag"] == f'"{task["version"]}"'
    assert response.json()["task"]["status"] == "open"
    assert [h["action"] for h in response.json()["history"]] == ["assigned"]
