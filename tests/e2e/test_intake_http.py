"""Intake's HTTP contract: clear errors for bad input, codes unique under load, idempotent retries."""

import asyncio
import copy
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from stack import ServiceStack

from shared.kernel.settings import CommonSettings
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, submit


@pytest.fixture
async def intake_db(settings: CommonSettings, stack: ServiceStack) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "intake"})
    yield connection
    await connection.close()


async def _counts(db: asyncpg.Connection) -> tuple[int, int]:
    return await db.fetchval("SELECT count(*) FROM dossiers"), await db.fetchval("SELECT count(*) FROM outbox")


def _with(path: str, value: Any) -> dict[str, Any]:
    dossier = copy.deepcopy(BIRTH_IN_QUYNH_LUU)
    *parents, leaf = path.split(".")
    target = dossier
    for part in parents:
        target = target[part]
    target[leaf] = value
    return dossier


@pytest.mark.parametrize(
    ("dossier", "field", "words"),
    [
        (_with("procedure_code", "9.999999"), "procedure_code", "unknown procedure"),
        (_with("applicant.citizen_id", "04030100012"), "applicant.citizen_id", "pattern"),
        (_with("applicant.citizen_id", "04030100012X"), "applicant.citizen_id", "pattern"),
        (_with("commune_code", "99999"), "commune_code", "no commune has code"),
        (_with("commune_code", "30742"), "commune_code", "An Giang"),
        (_with("receiving_agency", "000.00.15.H99"), "receiving_agency", "unknown receiving centre"),
        ({k: v for k, v in BIRTH_IN_QUYNH_LUU.items() if k != "applicant"}, "applicant", "Field required"),
    ],
)
async def test_bad_dossier_is_refused_naming_the_field_and_nothing_is_stored(
    http: httpx.AsyncClient, stack: ServiceStack, intake_db: asyncpg.Connection, dossier: Any, field: str, words: str
) -> None:
    before = await _counts(intake_db)
    response = await http.post(f"{stack.url('intake')}/v1/dossiers", json=dossier)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert any(e["field"] == field and words in e["reason"] for e in errors), errors
    assert await _counts(intake_db) == before


async def test_malformed_json_is_a_400_and_nothing_is_stored(
    http: httpx.AsyncClient, stack: ServiceStack, intake_db: asyncpg.Connection
) -> None:
    before = await _counts(intake_db)
    response = await http.post(
        f"{stack.url('intake')}/v1/dossiers",
        content=b'{"procedure_code": "1.001193",',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"
    assert await _counts(intake_db) == before


async def test_unknown_dossier_code_is_a_404(http: httpx.AsyncClient, stack: ServiceStack) -> None:
    response = await http.get(f"{stack.url('intake')}/v1/dossiers/000.01.15.H40-200101-9999")
    assert response.status_code == 404


async def test_concurrent_submissions_get_distinct_consecutive_codes(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    dossier = {**BIRTH_IN_QUYNH_LUU, "receiving_agency": "000.00.15.H40"}
    answers = await asyncio.gather(*(submit(http, stack.url("intake"), dossier) for _ in range(25)))
    numbers = sorted(int(a["code"].rsplit("-", 1)[1]) for a in answers)
    assert numbers == list(range(numbers[0], numbers[0] + 25))


async def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_answer(
    http: httpx.AsyncClient, stack: ServiceStack, intake_db: asyncpg.Connection
) -> None:
    url = f"{stack.url('intake')}/v1/dossiers"
    headers = {"Idempotency-Key": "retry-7f3a", **clerks.client_headers("portal-40", "dossiers:submit")}
    answers = await asyncio.gather(*(http.post(url, json=BIRTH_IN_QUYNH_LUU, headers=headers) for _ in range(5)))
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["code"] for a in answers}) == 1
    code = answers[0].json()["code"]
    assert await intake_db.fetchval("SELECT count(*) FROM dossiers WHERE code = $1", code) == 1

    other = await http.post(url, json=_with("commune_code", "17180"), headers=headers)
    assert other.status_code == 409
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
