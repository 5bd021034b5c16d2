"""Stale events change nothing: an old status change published again after newer ones moves no status back.

Routing numbers every event it emits for a dossier; intake and notification apply a status
change only if its number is higher than the last they applied.
"""

import json
import uuid
from typing import Any

import asyncpg
import httpx
from stack import ServiceStack
from standins.process import StandinServers

from shared.contracts import DossierStatus, DossierStatusChanged, topic_of
from shared.kernel.settings import CommonSettings
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, act, open_task, submit
from tests.support.journey import hand_over, in_order
from tests.support.kafka import publish_raw
from tests.support.waiting import eventually


async def _fetch(settings: CommonSettings, schema: str, query: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": schema})
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def _get(http: httpx.AsyncClient, url: str) -> Any:
    response = await http.get(url)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_week_old_status_change_replayed_after_the_dossier_finished_changes_nothing(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings, standins: StandinServers
) -> None:
    accepted = await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU)
    code, key = accepted["code"], accepted["id"]
    task = await open_task(http, stack.url("department"), "17179.VP", code)
    await act(http, stack.url("department"), task, "approve")
    await hand_over(http, stack.url("intake"), code)
    portal = f"{standins.url('portal')}/api/v1/dossiers/{code}/statuses"
    topic = topic_of(DossierStatusChanged, settings.topic_prefix)
    announced = await _fetch(
        settings, "routing", "SELECT headers, payload FROM outbox WHERE topic = $1 AND key = $2 ORDER BY id", topic, key
    )

    async def every_record_at_the_portal() -> list[dict[str, Any]] | None:
        records: list[dict[str, Any]] = await _get(http, portal)
        return records if len(records) >= len(announced) else None

    await eventually(every_record_at_the_portal, what=f"the portal's {len(announced)} status records of {code}")
    dossier = await _get(http, f"{stack.url('intake')}/v1/dossiers/{code}")
    messages = await _get(http, f"{stack.url('notification')}/v1/dossiers/{code}/notifications")
    syncs = await _get(http, f"{stack.url('notification')}/v1/dossiers/{code}/portal-syncs")
    old = next(row for row in announced if json.loads(row["payload"])["status"] == "processing")
    sequences = [json.loads(row["payload"])["sequence"] for row in announced]
    assert sequences == sorted(set(sequences)), "numbered in the order written"

    # Published again as `lienthong dlq replay` publishes a dead letter: body, key and headers
    # to the status stream; under an event id neither consumer recorded, as for a consumer
    # that dead-lettered it the first time and so has no inbox row of it.
    replayed = str(uuid.uuid4())
    headers = {**json.loads(old["headers"]), "ce_id": replayed}
    await publish_raw(settings, topic, old["payload"].encode(), key=key.encode(), headers=headers)

    async def handled_by_intake_and_notification() -> set[str] | None:
        consumers = set()
        for schema in ("intake", "notification"):
            rows = await _fetch(settings, schema, "SELECT consumer FROM inbox WHERE event_id = $1", uuid.UUID(replayed))
            consumers |= {f"{schema}:{row['consumer']}" for row in rows}
        return consumers if len(consumers) == 2 else None

    await eventually(handled_by_intake_and_notification, what="intake and notification to take the replayed change")
    after = await _get(http, f"{stack.url('intake')}/v1/dossiers/{code}")
    assert after["status"] == "done"
    assert after["history"] == dossier["history"]
    assert [h["status"] for h in after["history"]] == ["receiving", "processing", "releasing", "done"]
    assert await _get(http, f"{stack.url('notification')}/v1/dossiers/{code}/notifications") == messages
    assert await _get(http, f"{stack.url('notification')}/v1/dossiers/{code}/portal-syncs") == syncs
    codes = [r["status_code"] for r in await _get(http, portal)]
    assert codes == [DossierStatus(json.loads(row["payload"])["status"]).portal_code for row in announced]
    assert in_order(codes) == [2, 4, 9, 10]
