"""Who may reach a dossier, on the running services: nobody anonymous, integrators of its province or centre,
its centre's receivers, its applicant; another province's or person's dossier does not exist for them."""

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from stack import ServiceStack

from shared.kernel.settings import CommonSettings
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, LAND_IN_QUYNH_LUU, submit

CENTRE = BIRTH_IN_QUYNH_LUU["receiving_agency"]  # 000.01.15.H40, Nghệ An (40)
APPLICANT = BIRTH_IN_QUYNH_LUU["applicant"]["citizen_id"]


@pytest.fixture
async def intake_db(settings: CommonSettings, stack: ServiceStack) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "intake"})
    yield connection
    await connection.close()


@pytest.fixture
async def anonymous(stack: ServiceStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def _url(stack: ServiceStack, service: str, path: str) -> str:
    return f"{stack.url(service)}{path}"


async def test_an_anonymous_caller_can_neither_file_read_supplement_nor_withdraw(
    http: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: ServiceStack, intake_db: asyncpg.Connection
) -> None:
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU))["code"]
    before = await intake_db.fetchval("SELECT status FROM dossiers WHERE code = $1", code)

    answers = [
        await anonymous.post(_url(stack, "intake", "/v1/dossiers"), json=BIRTH_IN_QUYNH_LUU),
        await anonymous.get(_url(stack, "intake", f"/v1/dossiers/{code}")),
        await anonymous.post(_url(stack, "intake", f"/v1/dossiers/{code}/withdrawal"), json={"reason": "mine now"}),
        await anonymous.post(_url(stack, "intake", f"/v1/dossiers/{code}/supplements"), json={"documents": ["x"]}),
        await anonymous.get(_url(stack, "intake", "/v1/identity-checks")),
        await anonymous.get(_url(stack, "routing", f"/v1/dossiers/{code}/plan")),
        await anonymous.get(_url(stack, "notification", f"/v1/dossiers/{code}/portal-syncs")),
        await anonymous.get(_url(stack, "notification", "/v1/deliveries/dead-lettered")),
        await anonymous.get(_url(stack, "department", f"/v1/dossiers/{code}/tasks")),
        await anonymous.get(_url(stack, "intake", "/metrics")),
    ]

    assert [a.status_code for a in answers] == [401] * len(answers)
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers)
    assert await intake_db.fetchval("SELECT status FROM dossiers WHERE code = $1", code) == before
    assert (await anonymous.get(_url(stack, "intake", "/healthz"))).status_code == 200


async def test_the_client_recorded_is_the_tokens_and_a_receiver_files_at_their_own_centre_only(
    http: httpx.AsyncClient, stack: ServiceStack, intake_db: asyncpg.Connection
) -> None:
    url = _url(stack, "intake", "/v1/dossiers")
    receiver = clerks.bearer(clerks.issuer().clerk_token("thu", {CENTRE: ["receiver"], "17179.KT": ["handler"]}))
    handler_only = clerks.bearer(clerks.issuer().clerk_token("an", {CENTRE: ["handler"]}))
    elsewhere = {**LAND_IN_QUYNH_LUU, "receiving_agency": "000.07.15.H91", "commune_code": "30742"}

    filed = await http.post(url, json=BIRTH_IN_QUYNH_LUU, headers={**receiver, "X-Client-Id": "national-portal"})
    not_receiver = await http.post(url, json=BIRTH_IN_QUYNH_LUU, headers=handler_only)
    other_centre = await http.post(url, json=elsewhere, headers=receiver)

    assert filed.status_code == 202, filed.text
    client = await intake_db.fetchval("SELECT client_id FROM dossiers WHERE code = $1", filed.json()["code"])
    assert client == "clerk:thu"
    assert (not_receiver.status_code, other_centre.status_code) == (403, 403)
    assert other_centre.json()["errors"][0]["field"] == "receiving_agency"


async def test_an_integrator_files_only_at_its_centres_and_with_the_submit_scope(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    url = _url(stack, "intake", "/v1/dossiers")
    counter = clerks.bearer(clerks.client_token("counter-40", ["dossiers:submit"], ["40"], [CENTRE]))
    reader = clerks.bearer(clerks.client_token("reader", ["dossiers:read"], ["*"]))
    other_centre = {**BIRTH_IN_QUYNH_LUU, "receiving_agency": "000.02.15.H40"}

    assert (await http.post(url, json=BIRTH_IN_QUYNH_LUU, headers=counter)).status_code == 202
    assert (await http.post(url, json=other_centre, headers=counter)).status_code == 403
    assert (await http.post(url, json=BIRTH_IN_QUYNH_LUU, headers=reader)).status_code == 403


async def test_a_dossier_is_read_by_its_province_its_receivers_and_its_applicant_and_is_unknown_to_others(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU))["code"]
    url = _url(stack, "intake", f"/v1/dossiers/{code}")
    callers: dict[str, dict[str, str]] = {
        "province reader": clerks.bearer(clerks.client_token("p40", ["dossiers:read"], ["40"])),
        "receiver": clerks.bearer(clerks.issuer().clerk_token("thu", {CENTRE: ["receiver"]})),
        "applicant": clerks.citizen_headers(APPLICANT),
        "other province": clerks.bearer(clerks.client_token("p91", ["dossiers:read"], ["91"])),
        "other centre's receiver": clerks.bearer(clerks.issuer().clerk_token("hoa", {"000.07.15.H91": ["receiver"]})),
        "another citizen": clerks.citizen_headers("091085004321"),
        "submitter without read": clerks.bearer(clerks.client_token("s40", ["dossiers:submit"], ["40"])),
        "handler": clerks.headers("17179.KT", "handler"),
    }

    statuses = {who: (await http.get(url, headers=headers)).status_code for who, headers in callers.items()}

    assert statuses == {
        "province reader": 200,
        "receiver": 200,
        "applicant": 200,
        "other province": 404,
        "other centre's receiver": 404,
        "another citizen": 404,
        "submitter without read": 403,
        "handler": 403,
    }


async def test_only_the_applicant_their_receivers_or_a_portal_of_the_centre_withdraw(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    codes = [(await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU))["code"] for _ in range(2)]

    async def withdraw(code: str, headers: dict[str, str]) -> int:
        url = _url(stack, "intake", f"/v1/dossiers/{code}/withdrawal")
        return (await http.post(url, json={"reason": "changed my mind"}, headers=headers)).status_code

    assert await withdraw(codes[0], clerks.citizen_headers("091085004321")) == 404
    assert await withdraw(codes[0], clerks.bearer(clerks.client_token("p91", ["dossiers:submit"], ["91"]))) == 404
    assert await withdraw(codes[0], clerks.bearer(clerks.client_token("r40", ["dossiers:read"], ["40"]))) == 403
    assert await withdraw(codes[0], clerks.citizen_headers(APPLICANT)) == 202
    assert await withdraw(codes[1], clerks.bearer(clerks.issuer().clerk_token("thu", {CENTRE: ["receiver"]}))) == 202


async def test_plans_and_portal_records_are_read_within_the_province_and_by_operators(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU))["code"]
    plan = _url(stack, "routing", f"/v1/dossiers/{code}/plan")
    syncs = _url(stack, "notification", f"/v1/dossiers/{code}/portal-syncs")
    deliveries = _url(stack, "notification", "/v1/deliveries")

    async def status(url: str, headers: dict[str, str]) -> int:
        return (await http.get(url, headers=headers)).status_code

    reader_91 = clerks.bearer(clerks.client_token("p91", ["dossiers:read", "portal:push"], ["91"]))
    pusher_40 = clerks.bearer(clerks.client_token("portal-40", ["portal:push"], ["40"]))
    citizen = clerks.citizen_headers(APPLICANT)
    assert await status(plan, reader_91) == 404
    assert await status(plan, citizen) == 403
    assert await status(plan, pusher_40) == 403
    assert await status(syncs, pusher_40) == 200
    assert await status(syncs, reader_91) == 404
    assert await status(deliveries, pusher_40) == 403
    assert await status(deliveries, clerks.operator_headers()) == 200
