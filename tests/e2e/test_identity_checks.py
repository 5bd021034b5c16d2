"""Identity checks at intake against the real population-database stand-in: outages delay, never lose.

The stack's intake asks the stand-in of ``deploy/local/standins`` (``LIENTHONG_POPULATION_DB_URL``
from ``standins.service_env()``) with the default timeout, breaker and backoff.
"""

import asyncio
import copy
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from stack import ServiceStack
from standins.process import StandinServers

from services.intake.domain.citizen_id import Sex, century_digit
from shared.kernel.settings import CommonSettings
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, open_task, submit
from tests.support.instances import MoreInstances
from tests.support.waiting import eventually

TO = "\N{EN DASH}"
CENTRE = "000.01.15.H40"


@pytest.fixture
async def intake_db(settings: CommonSettings, stack: ServiceStack) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "intake"})
    yield connection
    await connection.close()


def _citizen_id(born: date, sex: Sex = Sex.FEMALE, province: str = "040") -> str:
    """A valid ID for someone born on ``born``, with random last six digits."""
    return f"{province}{century_digit(born.year, sex)}{born.year % 100:02d}{random.randrange(10**6):06d}"


def _birth(**applicant: Any) -> dict[str, Any]:
    dossier = copy.deepcopy(BIRTH_IN_QUYNH_LUU)
    dossier["applicant"].update(applicant)
    return dossier


async def _identity(http: httpx.AsyncClient, intake: str, code: str) -> dict[str, Any]:
    response = await http.get(f"{intake}/v1/dossiers/{code}")
    assert response.status_code == 200, response.text
    identity: dict[str, Any] = response.json()["identity"]
    return identity


async def _identity_becomes(
    http: httpx.AsyncClient, intake: str, code: str, status: str, timeout: float = 60
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        identity = await _identity(http, intake, code)
        return identity if identity["status"] == status else None

    return await eventually(probe, timeout=timeout, what=f"the identity of {code} to become {status}")


async def _listed(http: httpx.AsyncClient, intake: str, **params: str) -> list[dict[str, Any]]:
    response = await http.get(f"{intake}/v1/identity-checks", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _notes(http: httpx.AsyncClient, intake: str, code: str) -> list[str]:
    history = (await http.get(f"{intake}/v1/dossiers/{code}")).json()["history"]
    return [entry["note"] or "" for entry in history]


async def test_during_an_outage_the_dossier_is_received_pending_and_verified_once_the_database_is_back(
    http: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers
) -> None:
    intake = stack.url("intake")
    fresh_standins.behave("population", outage=True)

    accepted = await submit(http, intake, BIRTH_IN_QUYNH_LUU)

    code = accepted["code"]
    assert accepted["identity"]["status"] == "pending"
    # Nothing waits for the population database: the dossier goes its way as usual.
    await open_task(http, stack.url("department"), "17179.VP", code)
    identity = await _identity(http, intake, code)
    assert identity["status"] == "pending"
    assert identity["attempts"] >= 1
    assert "unreachable (HTTP 503)" in identity["detail"]
    assert code in [item["code"] for item in await _listed(http, intake, status="pending", receiving_agency=CENTRE)]

    fresh_standins.behave("population", outage=False)

    verified = await _identity_becomes(http, intake, code, "verified")
    assert verified["detail"] is None
    assert verified["attempts"] >= 2
    notes = await _notes(http, intake, code)
    assert notes[0].startswith("received; identity check pending: population database unreachable")
    assert sum(note.startswith("identity verified with the National Population Database") for note in notes) == 1
    applicant = BIRTH_IN_QUYNH_LUU["applicant"]
    assert not [n for n in notes if applicant["citizen_id"] in n or applicant["full_name"] in n]
    assert code not in [item["code"] for item in await _listed(http, intake, status="pending")]


async def test_a_database_slower_than_the_timeout_does_not_hold_the_dossier(
    http: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers
) -> None:
    intake = stack.url("intake")
    fresh_standins.behave("population", latency_seconds=4)

    started = time.monotonic()
    accepted = await submit(http, intake, BIRTH_IN_QUYNH_LUU)
    waited = time.monotonic() - started

    assert accepted["identity"]["status"] == "pending"
    assert waited < 4, f"intake waited {waited:.1f} s for a 2 s timeout"
    assert "unreachable (timeout)" in (await _identity(http, intake, accepted["code"]))["detail"]
    fresh_standins.behave("population", latency_seconds=0)
    await _identity_becomes(http, intake, accepted["code"], "verified")


async def test_a_mismatched_name_is_received_flagged_and_listed_for_the_receiving_clerk(
    http: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers
) -> None:
    intake = stack.url("intake")
    other_name = "Hồ Thị Hoa Mai"

    accepted = await submit(http, intake, _birth(full_name=other_name))

    code = accepted["code"]
    assert accepted["identity"]["status"] == "failed"
    await open_task(http, stack.url("department"), "17179.VP", code)
    identity = await _identity(http, intake, code)
    assert identity["detail"] == "full_name does not match the National Population Database"
    listed = {item["code"]: item for item in await _listed(http, intake, receiving_agency=CENTRE)}
    assert listed[code] == {
        "code": code,
        "receiving_agency": CENTRE,
        "procedure_code": "1.001193",
        "status": "failed",
        "detail": "full_name does not match the National Population Database",
        "attempts": 1,
        "checked_at": identity["checked_at"],
    }
    assert code not in [item["code"] for item in await _listed(http, intake, receiving_agency="000.07.15.H91")]
    assert code not in [item["code"] for item in await _listed(http, intake, status="verified", limit="500")]
    assert other_name not in stack.log_file("intake").read_text(encoding="utf-8", errors="replace")


async def test_a_citizen_the_database_does_not_know_is_received_flagged_not_found(
    http: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers
) -> None:
    intake = stack.url("intake")

    accepted = await submit(http, intake, _birth(citizen_id=_citizen_id(date(2001, 5, 14))))

    assert accepted["identity"]["status"] == "failed"
    identity = await _identity(http, intake, accepted["code"])
    assert identity["detail"] == "citizen ID not found in the National Population Database"
    items = await _listed(http, intake, receiving_agency=CENTRE)
    assert items[0]["code"] == accepted["code"], "newest check first"


@pytest.mark.parametrize(
    ("citizen_id", "reason"),
    [
        ("099301000123", f"digits 1{TO}3 (province of birth registration) are '099': no province has that code"),
        ("040101000123", f"digit 4 (century and sex) is '1': born 1900{TO}1999, but date_of_birth is 2001-05-14"),
        ("040302000123", f"digits 5{TO}6 (year of birth) are '02', but date_of_birth is in 2001"),
    ],
)
async def test_a_malformed_citizen_id_is_refused_naming_the_digit_group_and_nothing_is_stored_or_asked(
    http: httpx.AsyncClient,
    stack: ServiceStack,
    standins: StandinServers,
    intake_db: asyncpg.Connection,
    citizen_id: str,
    reason: str,
) -> None:
    counts = "SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM outbox)"
    before = tuple(await intake_db.fetchrow(counts))

    response = await http.post(f"{stack.url('intake')}/v1/dossiers", json=_birth(citizen_id=citizen_id))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [{"field": "applicant.citizen_id", "reason": reason}]
    assert tuple(await intake_db.fetchrow(counts)) == before
    assert citizen_id not in [r["body"].get("citizen_id") for r in standins.received("population")]


async def test_a_dossier_without_a_date_of_birth_is_refused(http: httpx.AsyncClient, stack: ServiceStack) -> None:
    dossier = copy.deepcopy(BIRTH_IN_QUYNH_LUU)
    del dossier["applicant"]["date_of_birth"]

    response = await http.post(f"{stack.url('intake')}/v1/dossiers", json=dossier)

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["applicant.date_of_birth"]


@pytest.fixture
def more_intakes(more_instances: MoreInstances) -> list[str]:
    """Two more intake instances on the same database, looking for due rechecks every 50 ms."""
    env = {
        "LIENTHONG_IDENTITY_RECHECK_BASE_SECONDS": "4",
        "LIENTHONG_IDENTITY_RECHECK_CAP_SECONDS": "8",
        "LIENTHONG_IDENTITY_RECHECK_POLL_SECONDS": "0.05",
        "LIENTHONG_IDENTITY_RECHECK_BATCH": "2",
        "LIENTHONG_POPULATION_DB_BREAKER_OPEN_SECONDS": "1",
    }
    return [more_instances.start("intake", env).url("intake") for _ in (1, 2)]


async def test_three_intake_instances_recheck_each_pending_dossier_exactly_once(
    http: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers, more_intakes: list[str]
) -> None:
    born = date(1990, 8, 31)
    people = [
        {
            "citizen_id": _citizen_id(born, Sex.MALE, "001"),
            "full_name": f"Lê Văn {n}",
            "date_of_birth": born.isoformat(),
        }
        for n in ("An", "Bình", "Cường", "Dũng", "Giang", "Hùng", "Khánh", "Long")
    ]
    fresh_standins.add_citizens(people)
    fresh_standins.behave("population", outage=True)
    answers = await asyncio.gather(
        *(submit(http, more_intakes[n % 2], _birth(phone=None, **person)) for n, person in enumerate(people))
    )
    assert {a["identity"]["status"] for a in answers} == {"pending"}

    fresh_standins.behave("population", outage=False)

    for answer in answers:
        await _identity_becomes(http, stack.url("intake"), answer["code"], "verified")
    ids = {person["citizen_id"] for person in people}
    verifies = [r["body"]["citizen_id"] for r in fresh_standins.received("population") if r["route"] == "verify"]
    assert Counter(i for i in verifies if i in ids) == Counter(ids), "each pending dossier checked once"
    for answer in answers:
        notes = await _notes(http, stack.url("intake"), answer["code"])
        assert sum(note.startswith("identity verified") for note in notes) == 1


@pytest.fixture
def doomed_intake(more_instances: MoreInstances) -> ServiceStack:
    """One more intake instance with a 3 s lease, to be killed while it checks."""
    env = {
        "LIENTHONG_IDENTITY_RECHECK_BASE_SECONDS": "1",
        "LIENTHONG_IDENTITY_RECHECK_CAP_SECONDS": "2",
        "LIENTHONG_IDENTITY_RECHECK_POLL_SECONDS": "0.05",
        "LIENTHONG_IDENTITY_RECHECK_LEASE_SECONDS": "3",
        "LIENTHONG_POPULATION_DB_BREAKER_OPEN_SECONDS": "1",
    }
    return more_instances.start("intake", env)


async def test_an_instance_killed_while_it_checks_loses_nothing(
    http: httpx.AsyncClient,
    stack: ServiceStack,
    fresh_standins: StandinServers,
    doomed_intake: ServiceStack,
    intake_db: asyncpg.Connection,
) -> None:
    born = date(2002, 12, 1)
    people = [
        {"citizen_id": _citizen_id(born, Sex.MALE, "079"), "full_name": f"Phạm Quốc {n}", "date_of_birth": "2002-12-01"}
        for n in ("Đạt", "Huy", "Nam", "Sơn")
    ]
    fresh_standins.add_citizens(people)
    fresh_standins.behave("population", outage=True)
    answers = [await submit(http, doomed_intake.url("intake"), _birth(phone=None, **p)) for p in people]
    codes = [answer["code"] for answer in answers]
    # Back, but slow: each call takes 1.5 s, so the doomed instance is caught holding its claims.
    fresh_standins.behave("population", latency_seconds=1.5)

    async def claimed_by_the_doomed_instance() -> list[str] | None:
        rows = await intake_db.fetch(
            "SELECT code FROM dossiers WHERE code = ANY($1) AND identity_claim IS NOT NULL"
            " AND identity_next_check_at < now() + interval '4 seconds'",
            codes,
        )
        return [row["code"] for row in rows] or None

    held = await eventually(claimed_by_the_doomed_instance, what="the doomed instance to claim a recheck")
    doomed_intake.kill("intake")
    killed_at = datetime.now(UTC)
    fresh_standins.behave("population", latency_seconds=0)

    checked_at = {}
    for code in codes:
        verified = await _identity_becomes(http, stack.url("intake"), code, "verified")
        checked_at[code] = datetime.fromisoformat(verified["checked_at"])
        notes = await _notes(http, stack.url("intake"), code)
        assert sum(note.startswith("identity verified") for note in notes) == 1
    # What the dead instance held was checked again by another one once its lease ended.
    assert any(checked_at[code] > killed_at for code in held)
