"""A citizen with nothing but the receipt: its code and lookup secret show the dossier's progress and let them
withdraw it; wrong guesses get one 404 for any mistake, and an address that keeps guessing gets 429."""

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from stack import ServiceStack

from services.intake.settings import IntakeSettings
from shared.kernel.settings import CommonSettings
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, with_required_documents

FAILURES_ALLOWED = IntakeSettings.model_fields["lookup_failures_per_minute"].default
PERSONAL = ("040301000123", "Hồ Thị Lan", "0912345678", "2001-05-14")


@pytest.fixture
async def intake_db(settings: CommonSettings, stack: ServiceStack) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "intake"})
    yield connection
    await connection.close()


def _from(address: str) -> httpx.AsyncClient:
    """A client whose requests come from ``address`` (any 127.x.y.z is this machine): an address of its own."""
    return httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=address), timeout=10)


async def _receipt(http: httpx.AsyncClient, stack: ServiceStack, **headers: str) -> dict[str, Any]:
    caller = {**clerks.client_headers("portal-40"), **headers}
    dossier = await with_required_documents(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU, caller)
    response = await http.post(f"{stack.url('intake')}/v1/dossiers", json=dossier, headers=caller)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def _look_up(http: httpx.AsyncClient, stack: ServiceStack, code: str, secret: str) -> httpx.Response:
    return await http.get(f"{stack.url('intake')}/v1/lookup/{code}", headers={"X-Lookup-Secret": secret})


async def test_the_receipts_code_and_secret_show_the_dossier_and_nothing_personal(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    receipt = await _receipt(http, stack)
    code, secret = receipt["code"], receipt["lookup_secret"]

    response = await _look_up(http, stack, code, secret)

    assert response.status_code == 200, response.text
    dossier = response.json()
    assert dossier["code"] == code
    assert dossier["status"] in {"receiving", "in_progress"}
    assert dossier["received_at"] == receipt["received_at"]
    assert dossier["due_at"] == receipt["due_at"]
    assert dossier["receiving_agency"] == BIRTH_IN_QUYNH_LUU["receiving_agency"]
    assert dossier["missing"] == []
    assert [step["status"] for step in dossier["history"]][:1] == ["receiving"]
    assert not [value for value in PERSONAL if value in response.text]
    assert {"applicant", "identity", "lookup_secret"}.isdisjoint(dossier)
    typed = secret.lower().replace("-", " ")
    assert (await _look_up(http, stack, code, typed)).status_code == 200, "case and separators do not matter"


async def test_the_secret_is_shown_once_and_kept_only_as_a_hash(
    http: httpx.AsyncClient, stack: ServiceStack, intake_db: asyncpg.Connection
) -> None:
    key = {"Idempotency-Key": "citizen-lookup-once"}
    first = await _receipt(http, stack, **key)
    replayed = await _receipt(http, stack, **key)

    assert first["lookup_secret"]
    assert replayed["code"] == first["code"]
    assert replayed["lookup_secret"] is None
    stored = await intake_db.fetchval("SELECT lookup_secret_hash FROM dossiers WHERE code = $1", first["code"])
    kept = await intake_db.fetchval("SELECT response FROM idempotency_keys WHERE key = $1", "citizen-lookup-once")
    plain = first["lookup_secret"].replace("-", "")
    assert stored.startswith(("hmac-sha256$", "sha256$"))
    assert plain not in stored
    assert first["lookup_secret"] not in kept
    assert json.loads(kept)["lookup_secret"] is None


async def test_a_wrong_secret_and_an_unknown_code_get_the_same_404(stack: ServiceStack) -> None:
    async with _from("127.0.0.21") as http:
        code = (await _receipt(http, stack))["code"]
        unknown = code.rsplit("-", 1)[0] + "-9999"
        wrong_secret = await _look_up(http, stack, code, "AAAA-BBBB-CCCC")
        wrong_code = await _look_up(http, stack, unknown, "AAAA-BBBB-CCCC")

    assert (wrong_secret.status_code, wrong_code.status_code) == (404, 404)
    assert wrong_secret.headers["content-type"] == wrong_code.headers["content-type"] == "application/problem+json"
    assert wrong_secret.text.replace(code, "CODE") == wrong_code.text.replace(unknown, "CODE")
    assert wrong_secret.json()["errors"][0]["field"] == "code"


async def test_an_address_that_keeps_guessing_gets_429_even_with_the_right_secret(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    receipt = await _receipt(http, stack)
    code, secret = receipt["code"], receipt["lookup_secret"]
    async with _from("127.0.0.22") as guesser:
        for _ in range(3):  # successes are not counted
            assert (await _look_up(guesser, stack, code, secret)).status_code == 200
        tries = [await _look_up(guesser, stack, code, f"AAAA-BBBB-{n:04d}") for n in range(FAILURES_ALLOWED + 1)]
        right_but_blocked = await _look_up(guesser, stack, code, secret)

    assert [t.status_code for t in tries] == [404] * FAILURES_ALLOWED + [429]
    refused = tries[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["errors"][0]["field"] == "X-Lookup-Secret"
    assert right_but_blocked.status_code == 429
    assert (await _look_up(http, stack, code, secret)).status_code == 200, "other addresses are not blocked"


async def test_the_secret_withdraws_the_dossier_and_nothing_withdraws_it_without_a_credential(
    stack: ServiceStack,
) -> None:
    async with _from("127.0.0.23") as http:
        receipt = await _receipt(http, stack)
        code, secret = receipt["code"], receipt["lookup_secret"]
        url = f"{stack.url('intake')}/v1/dossiers/{code}/withdrawal"
        body = {"reason": "Gia đình nộp lại hồ sơ khác"}

        anonymous = await http.post(url, json=body)
        wrong = await http.post(url, json=body, headers={"X-Lookup-Secret": "AAAA-BBBB-CCCC"})
        withdrawn = await http.post(url, json=body, headers={"X-Lookup-Secret": secret})

    assert anonymous.status_code == 401, anonymous.text
    assert wrong.status_code == 404, wrong.text
    assert withdrawn.status_code == 202, withdrawn.text
    assert withdrawn.json()["code"] == code
    assert "withdrawn by the applicant" in withdrawn.json()["history"][-1]["note"]


async def test_the_secret_opens_supplements_of_its_dossier_only(stack: ServiceStack) -> None:
    async with _from("127.0.0.24") as http:
        first, second = await _receipt(http, stack), await _receipt(http, stack)
        documents = {"documents": ["00000000-0000-4000-8000-000000000000"]}

        def url(receipt: dict[str, Any]) -> str:
            return f"{stack.url('intake')}/v1/dossiers/{receipt['code']}/supplements"

        others = await http.post(url(second), json=documents, headers={"X-Lookup-Secret": first["lookup_secret"]})
        own = await http.post(url(first), json=documents, headers={"X-Lookup-Secret": first["lookup_secret"]})

    assert others.status_code == 404, others.text
    # Through the door: refused only because nothing was asked of a dossier that is not waiting.
    assert own.status_code == 409, own.text
    assert own.json()["errors"][0]["field"] == "status"
