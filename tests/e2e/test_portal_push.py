"""Dossiers the National Public Service Portal pushes in: one dossier per portal id, however often it pushes."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from stack import ServiceStack
from standins.process import StandinServers

from shared.contracts import DossierFiled, DossierSubmitted, event_type_of, topic_of
from shared.kernel.settings import CommonSettings
from tests.support import clerks
from tests.support.dossiers import (
    BIRTH_IN_QUYNH_LUU,
    LAND_IN_RACH_GIA,
    dossier_status,
    open_task,
    with_required_documents,
)
from tests.support.kafka import read_topic
from tests.support.waiting import eventually


@pytest.fixture
async def intake_db(settings: CommonSettings, stack: ServiceStack) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "intake"})
    yield connection
    await connection.close()


def _portal_id() -> str:
    return f"G22.99-{uuid.uuid4().hex[:12]}"


PORTAL = clerks.client_headers("dvcqg", "dossiers:submit")


async def _with_papers(http: httpx.AsyncClient, stack: ServiceStack, dossier: dict[str, Any]) -> dict[str, Any]:
    """The dossier as the portal pushes it: with the papers its applicant handed in there, uploaded by the portal."""
    return await with_required_documents(http, stack.url("intake"), dossier, PORTAL)


async def _push(
    http: httpx.AsyncClient, stack: ServiceStack, dossier: dict[str, Any], **headers: str
) -> httpx.Response:
    return await http.post(f"{stack.url('intake')}/v1/dossiers", json=dossier, headers={**PORTAL, **headers})


async def _stored(db: asyncpg.Connection, portal_id: str) -> tuple[int, int]:
    """Dossiers with the portal id, and events announcing them (filed new, or received)."""
    dossiers = await db.fetchval("SELECT count(*) FROM dossiers WHERE portal_dossier_id = $1", portal_id)
    events = await db.fetchval(
        "SELECT count(*) FROM outbox WHERE payload->>'portal_dossier_id' = $1 AND headers->>'ce_type' = ANY($2)",
        portal_id,
        [event_type_of(DossierSubmitted).ce_type, event_type_of(DossierFiled).ce_type],
    )
    return dossiers, events


async def test_a_second_push_of_the_same_portal_id_answers_the_first_dossier_and_creates_nothing(
    http: httpx.AsyncClient, stack: ServiceStack, intake_db: asyncpg.Connection
) -> None:
    portal_id = _portal_id()
    pushed = await _with_papers(http, stack, {**BIRTH_IN_QUYNH_LUU, "portal_dossier_id": portal_id})

    first = await _push(http, stack, pushed)
    assert first.status_code == 202, first.text
    code = first.json()["code"]
    await open_task(http, stack.url("department"), "17179.VP", code)
    await dossier_status(http, stack.url("intake"), code, "processing")
    again = await _push(http, stack, pushed)

    assert again.status_code == 200, again.text
    body, receipt = again.json(), first.json()
    assert body["status"] == "processing", "the current status"
    assert None not in (receipt["lookup_secret"], receipt["journal_head"]), "the receipt shows both"
    # The first answer alone had them: only the secret's hash is kept, and the head was the one at receipt.
    assert (body["lookup_secret"], body["journal_head"]) == (None, None)
    now_and_then = ("status", "identity", "lookup_secret", "journal_head")
    assert {k: v for k, v in body.items() if k not in now_and_then} == {
        k: v for k, v in receipt.items() if k not in now_and_then
    }
    assert body["portal_dossier_id"] == portal_id
    assert await _stored(intake_db, portal_id) == (1, 1)
    view = (await http.get(f"{stack.url('intake')}{body['links']['self']}")).json()
    assert view["portal_dossier_id"] == portal_id


async def test_concurrent_pushes_of_one_portal_id_make_one_dossier(
    http: httpx.AsyncClient, stack: ServiceStack, intake_db: asyncpg.Connection
) -> None:
    portal_id = _portal_id()
    # A land dossier: filed new until its fee is paid, announced once all the same.
    pushed = await _with_papers(http, stack, {**LAND_IN_RACH_GIA, "portal_dossier_id": portal_id})

    answers = await asyncio.gather(*(_push(http, stack, pushed) for _ in range(8)))

    assert sorted(a.status_code for a in answers) == [200] * 7 + [202], [a.text for a in answers]
    assert len({a.json()["code"] for a in answers}) == 1
    assert len({a.json()["id"] for a in answers}) == 1
    assert await _stored(intake_db, portal_id) == (1, 1)


async def test_a_push_changed_in_between_still_answers_the_dossier_received_first(
    http: httpx.AsyncClient, stack: ServiceStack, intake_db: asyncpg.Connection
) -> None:
    portal_id = _portal_id()
    pushed = await _with_papers(http, stack, {**BIRTH_IN_QUYNH_LUU, "portal_dossier_id": portal_id})
    first = await _push(http, stack, pushed)
    changed = {**pushed, "commune_code": "17176"}

    again = await _push(http, stack, changed)

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["code"] == first.json()["code"]
    assert await _stored(intake_db, portal_id) == (1, 1)


async def test_idempotency_keys_and_portal_ids_work_together(
    http: httpx.AsyncClient, stack: ServiceStack, intake_db: asyncpg.Connection
) -> None:
    portal_id = _portal_id()
    pushed = await _with_papers(http, stack, {**BIRTH_IN_QUYNH_LUU, "portal_dossier_id": portal_id})

    first = await _push(http, stack, pushed, **{"Idempotency-Key": f"push-{portal_id}"})
    retried = await _push(http, stack, pushed, **{"Idempotency-Key": f"push-{portal_id}"})
    other_key = await _push(http, stack, pushed, **{"Idempotency-Key": f"again-{portal_id}"})
    reused = await _push(http, stack, {**pushed, "commune_code": "17176"}, **{"Idempotency-Key": f"push-{portal_id}"})

    assert (first.status_code, retried.status_code, other_key.status_code) == (202, 202, 200)
    receipt = first.json()
    assert None not in (receipt["lookup_secret"], receipt["journal_head"]), "the receipt shows both"
    assert retried.json() == {**receipt, "lookup_secret": None}, "the first answer replayed, its secret shown once"
    assert other_key.json()["code"] == receipt["code"]
    assert (other_key.json()["lookup_secret"], other_key.json()["journal_head"]) == (None, None)
    assert reused.status_code == 409
    assert await _stored(intake_db, portal_id) == (1, 1)


async def test_the_portal_id_travels_with_the_event_and_back_to_the_portal(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers, settings: CommonSettings
) -> None:
    portal_id = _portal_id()
    pushed = await _with_papers(http, stack, {**BIRTH_IN_QUYNH_LUU, "portal_dossier_id": portal_id})
    code = (await _push(http, stack, pushed)).json()["code"]

    await open_task(http, stack.url("department"), "17179.VP", code)  # so the event is on the topic
    # Everything on the topic within a few seconds: more than it holds, so it reads until the timeout.
    records = await read_topic(settings, topic_of(DossierSubmitted, settings.topic_prefix), at_least=10**6, timeout=5)
    submitted = [json.loads(r.value) for r in records if r.headers.get("ce_subject") == code]
    assert [event["portal_dossier_id"] for event in submitted] == [portal_id]

    def synced() -> list[dict[str, Any]]:
        return [r["body"] for r in standins.received("portal") if r["body"].get("dossier_code") == code]

    async def probe() -> list[dict[str, Any]] | None:
        return synced() or None

    [first, *_] = await eventually(probe, what=f"the portal's status record of {code}")
    assert first["portal_dossier_id"] == portal_id


async def test_a_dossier_filed_at_a_counter_has_no_portal_id(http: httpx.AsyncClient, stack: ServiceStack) -> None:
    accepted = await _push(http, stack, BIRTH_IN_QUYNH_LUU)

    assert accepted.status_code == 202
    assert accepted.json()["portal_dossier_id"] is None
