"""The authorisation matrix, generated from the committed OpenAPI documents, against the running services.

Every operation, crossed with {no token, each forged token, another province or unit, a wrong scope or role, the right
caller}: 401 with ``WWW-Authenticate`` for the first, 404 (or 403 where the body names the object, as a
centre to file at) for another province's or unit's object, 403 for a missing scope or role, and for the
right caller an answer past authorisation (2xx, or a 4xx about the input such as the stale ``If-Match``'s
409). Public operations answer without a token. Every refusal is a problem document, nothing is a 500.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from stack import ServiceStack
from standins.process import StandinServers

from tests.support import authz_matrix as matrix
from tests.support import clerks
from tests.support.dossiers import LAND_IN_QUYNH_LUU, open_task, submit
from tests.support.journey import received
from tests.support.waiting import eventually

OPERATIONS = matrix.operations()
PROTECTED = [op for op in OPERATIONS if not op.public]
PUBLIC = [op for op in OPERATIONS if op.public]
MATRIX_ADDRESS = "127.0.0.31"
"""The matrix's own source address, so its failed lookup counts against no other test's limit."""
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
async def caller_http(stack: ServiceStack) -> AsyncIterator[httpx.AsyncClient]:
    """A client without a token of its own: each case sends its caller's."""
    transport = httpx.AsyncHTTPTransport(local_address=MATRIX_ADDRESS)
    async with httpx.AsyncClient(transport=transport, timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
async def objects(stack: ServiceStack, standins: StandinServers) -> dict[str, str]:
    """The path parameters: a dossier filed at a centre of province 40, its first task, its unit, one of the task's
    documents, a delivery, the province, a closure of days long past in one of its communes."""
    async with httpx.AsyncClient(timeout=10, headers=clerks.harness_headers()) as http:
        code = (await received(http, stack.url("intake"), standins, LAND_IN_QUYNH_LUU))["code"]
        task = await open_task(http, stack.url("department"), matrix.UNIT, code)
        documents = await http.get(
            f"{stack.url('department')}/v1/tasks/{task['id']}/documents", headers=clerks.headers(matrix.UNIT)
        )
        assert documents.status_code == 200, documents.text
        assert documents.json()["items"], f"task {task['id']} of {code} has no documents to read"

        async def delivery() -> str | None:
            answer = await http.get(f"{stack.url('notification')}/v1/deliveries", params={"dossier": code})
            assert answer.status_code == 200, answer.text
            return next((str(d["id"]) for d in answer.json()), None)

        delivery_id = await eventually(delivery, what=f"a delivery about {code}")
        closure = await http.post(f"{stack.url('routing')}/v1/closures", json=matrix.CLOSURE_DECLARED)
        assert closure.status_code == 201, closure.text
    return {
        "closure_id": closure.json()["id"],
        "code": code,
        "chain": code,
        "task_id": task["id"],
        "document_id": documents.json()["items"][0]["document_id"],
        "unit": task["unit_code"],
        "delivery_id": delivery_id,
        "province": matrix.PROVINCE,
    }


async def _own_dossier(stack: ServiceStack) -> str:
    """A dossier of the test's own to change: filed, still new (its fee unpaid), so a centre may refuse to accept it."""
    async with httpx.AsyncClient(timeout=10, headers=clerks.harness_headers()) as http:
        return str((await submit(http, stack.url("intake"), LAND_IN_QUYNH_LUU))["code"])


async def _call(
    http: httpx.AsyncClient,
    stack: ServiceStack,
    op: matrix.Operation,
    values: dict[str, str],
    headers: dict[str, str],
    body: dict[str, Any] | None,
) -> httpx.Response:
    url = stack.url(op.service) + matrix.fill(op.path, values)
    # The change feed streams until the token expires: its status and headers are the answer.
    async with http.stream(op.method, url, headers=headers, json=body) as response:
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            await response.aread()
        return response


def _assert_refusal(response: httpx.Response, status: int, case: str) -> None:
    assert response.status_code == status, f"{case}: {response.status_code} {response.text}"
    assert response.headers["content-type"] == PROBLEM, f"{case}: {response.headers['content-type']}"
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer"), case


def test_the_tables_know_every_operation_of_the_documents_and_no_other() -> None:
    assert matrix.unknown_operations(OPERATIONS) == []
    assert matrix.stale_entries(OPERATIONS) == []
    assert len(matrix.documented_operations()) == len({op.key for op in matrix.documented_operations()})


def test_the_sweep_is_counted_per_service(capsys: pytest.CaptureFixture[str]) -> None:
    counts = matrix.swept_per_service(OPERATIONS)
    with capsys.disabled():
        print(
            "\nauthorisation matrix: anonymous requests to "
            + ", ".join(f"{n['protected']} operations of {service}" for service, n in counts.items())
            + f" all 401 ({len(matrix.VARIANTS)} token variants each); public: "
            + ", ".join(f"{service} {n['public']}" for service, n in counts.items())
        )
    assert all(n["protected"] > 0 for n in counts.values())


@pytest.mark.parametrize("variant", matrix.VARIANTS)
@pytest.mark.parametrize("op", PROTECTED, ids=lambda op: op.name)
async def test_a_protected_operation_admits_only_the_right_caller(
    caller_http: httpx.AsyncClient, stack: ServiceStack, objects: dict[str, str], op: matrix.Operation, variant: str
) -> None:
    access = matrix.ACCESS.get(op.key)
    assert access is not None, f"{op.name} is in a document but not in the matrix's table: add who may call it"
    values, case = dict(objects), f"{op.name} as {variant}"
    extra = dict(access.headers)
    if variant == "no-token":
        headers: dict[str, str] = {}
    elif variant in matrix.UNAUTHENTICATED:
        headers = access.right.forged_headers(variant)
    elif variant == matrix.ELSEWHERE:
        if access.elsewhere is None:
            pytest.skip(f"{op.name} reaches no object of a province or unit")
        headers = access.elsewhere.headers()
    elif variant == matrix.WRONG:
        headers = access.wrong.headers()
    else:
        headers = access.right.headers()
        if access.changes_its_object:
            values["code"] = await _own_dossier(stack)

    response = await _call(caller_http, stack, op, values, {**extra, **headers}, access.body)

    if variant in matrix.UNAUTHENTICATED:
        _assert_refusal(response, 401, case)
    elif variant == matrix.ELSEWHERE:
        _assert_refusal(response, access.elsewhere_status, case)
    elif variant == matrix.WRONG:
        _assert_refusal(response, 403, case)
    else:
        assert response.status_code not in (401, 403, 404), f"{case}: {response.status_code} {response.text}"
        assert response.status_code < 500, f"{case}: {response.status_code} {response.text}"
        if response.status_code >= 400:
            assert response.headers["content-type"] == PROBLEM, case


@pytest.mark.parametrize("op", PUBLIC, ids=lambda op: op.name)
async def test_a_public_operation_answers_without_a_token(
    caller_http: httpx.AsyncClient, stack: ServiceStack, objects: dict[str, str], op: matrix.Operation
) -> None:
    call = matrix.PUBLIC_CALLS[op.key]

    response = await _call(caller_http, stack, op, objects, dict(call.headers), None)

    assert response.status_code in call.answers, f"{op.name}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        assert response.headers["content-type"] == PROBLEM, op.name


async def test_the_task_is_unchanged_by_the_matrix(stack: ServiceStack, objects: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        url = f"{stack.url('department')}/v1/tasks/{objects['task_id']}"
        response = await http.get(url, headers=clerks.headers(objects["unit"]))

    assert response.status_code == 200, response.text
    assert response.json()["task"]["status"] == "open"
    assert [h["action"] for h in response.json()["history"]] == ["assigned"]
