"""An anonymous attacker on the network walks today's sequential dossier codes of a centre and changes nothing.

The walk asks every GET route of every service (from the committed OpenAPI documents and the kernel's
routes) about each code, and tries a withdrawal and supplements for each: every answer is 401. Guessing
lookup secrets instead (the citizen lookup, or a withdrawal with ``X-Lookup-Secret``) is answered 404 until
the address's failures reach the limit, then 429. The dossiers filed before the walk are, to an authorised
reader, exactly as they were: status, history, tasks and journal.
"""

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from stack import ServiceStack
from standins.process import StandinServers

from services.intake.settings import IntakeSettings
from tests.support import authz_matrix as matrix
from tests.support import clerks
from tests.support.dossiers import LAND_IN_QUYNH_LUU, dossier_status, open_task
from tests.support.journey import received

FILED = 4
PROBLEM = "application/problem+json"
LIMIT = IntakeSettings.model_fields["lookup_failures_per_minute"].default
"""Failed lookups an address may make in a minute (the stack runs with the default)."""
GETS = [op for op in matrix.operations() if op.method == "GET" and not op.public]


def _from(address: str) -> httpx.AsyncClient:
    """An anonymous client sending from its own loopback address (the lookup limiter counts per address)."""
    return httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=address), timeout=10)


@pytest.fixture(scope="module")
async def filed(stack: ServiceStack, standins: StandinServers) -> list[str]:
    """Dossiers filed today at the centre, each settled: its fee paid, processing, its first task open."""
    async with httpx.AsyncClient(timeout=10, headers=clerks.harness_headers()) as http:
        codes = [(await received(http, stack.url("intake"), standins, LAND_IN_QUYNH_LUU))["code"] for _ in range(FILED)]
        for code in codes:
            await dossier_status(http, stack.url("intake"), code, "processing")
            await open_task(http, stack.url("department"), matrix.UNIT, code)
    return codes


def _walk(codes: list[str]) -> list[str]:
    """Every code of the centre and day from ``-0001`` to past the highest filed, and past the lookup limit."""
    prefix = codes[0].rsplit("-", 1)[0]
    highest = max(int(code.rsplit("-", 1)[1]) for code in codes)
    return [f"{prefix}-{n:04d}" for n in range(1, max(highest, LIMIT) + 4)]


async def _seen_by_a_reader(http: httpx.AsyncClient, stack: ServiceStack, code: str) -> dict[str, Any]:
    operator = clerks.operator_headers()
    dossier = (await http.get(f"{stack.url('intake')}/v1/dossiers/{code}")).json()
    tasks = (await http.get(f"{stack.url('department')}/v1/dossiers/{code}/tasks", headers=operator)).json()
    journal = (await http.get(f"{stack.url('intake')}/v1/journal/{code}", headers=operator)).json()
    return {
        "dossier": {key: dossier[key] for key in ("status", "history", "missing", "handling_unit")},
        "tasks": [(t["id"], t["status"], t["version"]) for t in tasks],
        "journal": journal["entries"],
    }


@pytest.fixture(scope="module")
async def before(stack: ServiceStack, filed: list[str]) -> dict[str, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10, headers=clerks.harness_headers()) as http:
        return {code: await _seen_by_a_reader(http, stack, code) for code in filed}


@pytest.fixture
async def attacker(stack: ServiceStack) -> AsyncIterator[httpx.AsyncClient]:
    async with _from("127.0.0.41") as client:
        yield client


def _refused(response: httpx.Response, statuses: tuple[int, ...], what: str) -> int:
    assert response.status_code in statuses, f"{what}: {response.status_code} {response.text}"
    assert response.headers["content-type"] == PROBLEM, what
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) >= 1, what
    return response.status_code


async def test_every_get_route_refuses_every_code_of_the_walk(
    attacker: httpx.AsyncClient, stack: ServiceStack, filed: list[str], before: dict[str, Any]
) -> None:
    for code in _walk(filed):
        values = {
            "code": code,
            "chain": code,
            "unit": matrix.UNIT,
            "task_id": str(uuid4()),
            "document_id": str(uuid4()),
            "province": "40",
        }
        for op in GETS:
            url = stack.url(op.service) + matrix.fill(op.path, values)
            response = await attacker.get(url, params={"dossier": code})
            _refused(response, (401,), f"{op.name} for {code}")
            assert response.headers["www-authenticate"].startswith("Bearer")


async def test_no_withdrawal_or_supplement_is_taken_without_a_credential(
    attacker: httpx.AsyncClient, stack: ServiceStack, filed: list[str], before: dict[str, Any]
) -> None:
    intake = stack.url("intake")
    for code in _walk(filed):
        withdrawal = await attacker.post(f"{intake}/v1/dossiers/{code}/withdrawal", json={"reason": "not mine"})
        supplement = await attacker.post(f"{intake}/v1/dossiers/{code}/supplements", json={"documents": ["x"]})
        _refused(withdrawal, (401,), f"withdrawal of {code}")
        _refused(supplement, (401,), f"supplements of {code}")


async def test_guessing_lookup_secrets_along_the_walk_is_throttled(
    stack: ServiceStack, filed: list[str], before: dict[str, Any]
) -> None:
    intake, guess = stack.url("intake"), {"X-Lookup-Secret": "000000000000"}
    async with _from("127.0.0.42") as looker, _from("127.0.0.43") as withdrawer:
        lookups = [
            _refused(await looker.get(f"{intake}/v1/lookup/{code}", headers=guess), (404, 429), f"lookup {code}")
            for code in _walk(filed)
        ]
        withdrawals = []
        for code in _walk(filed):
            url = f"{intake}/v1/dossiers/{code}/withdrawal"
            answer = await withdrawer.post(url, json={"reason": "not mine"}, headers=guess)
            withdrawals.append(_refused(answer, (404, 429), f"withdrawal of {code} with a guessed secret"))
        last = await withdrawer.post(f"{intake}/v1/dossiers/{filed[0]}/supplements", json={"documents": ["x"]})

    for statuses in (lookups, withdrawals):
        assert statuses == [404] * LIMIT + [429] * (len(statuses) - LIMIT), statuses
    assert last.status_code == 401, "without the secret header a token is asked for, whatever the address did"


async def test_every_dossier_is_as_it_was_after_the_walk(
    stack: ServiceStack, filed: list[str], before: dict[str, dict[str, Any]]
) -> None:
    async with httpx.AsyncClient(timeout=10, headers=clerks.harness_headers()) as http:
        after = {code: await _seen_by_a_reader(http, stack, code) for code in filed}

    assert after == before
    assert all(seen["dossier"]["status"] == "processing" for seen in after.values())
