"""Delivery guarantees on the real broker: duplicates have no effect, bad messages go to the DLQ."""

import json
import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg
import httpx
from stack import ServiceStack

from shared.contracts import DossierStatusChanged, TaskAssigned, dead_letter_topic, topic_of
from shared.kernel.settings import CommonSettings
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, ledger, open_task, submit, unit_tasks
from tests.support.kafka import publish_raw, read_topic
from tests.support.waiting import eventually


async def _outbox_row(settings: CommonSettings, schema: str, topic: str, key: str) -> asyncpg.Record:
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": schema})
    try:
        row = await connection.fetchrow(
            "SELECT headers, payload FROM outbox WHERE topic = $1 AND key = $2 ORDER BY id DESC LIMIT 1", topic, key
        )
    finally:
        await connection.close()
    assert row is not None
    return row


async def _republish(
    settings: CommonSettings, row: Mapping[str, Any], topic: str, key: str, **header_changes: str
) -> None:
    headers = {**json.loads(row["headers"]), **header_changes}
    await publish_raw(settings, topic, row["payload"].encode(), key=key.encode(), headers=headers)


def _newer(row: asyncpg.Record) -> dict[str, Any]:
    """The status change of ``row`` numbered one higher: a new change, not a stale copy of one applied."""
    payload = json.loads(row["payload"])
    return {**row, "payload": json.dumps({**payload, "sequence": payload["sequence"] + 1})}


async def test_a_redelivered_event_with_the_same_ce_id_changes_nothing(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings
) -> None:
    accepted = await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU)
    code, key = accepted["code"], accepted["id"]
    await open_task(http, stack.url("department"), "17179.VP", code)
    assert len(await ledger(http, stack.url("notification"), code, 2)) == 2
    assigned_topic = topic_of(TaskAssigned, settings.topic_prefix)
    status_topic = topic_of(DossierStatusChanged, settings.topic_prefix)
    assigned = await _outbox_row(settings, "routing", assigned_topic, key)
    status = await _outbox_row(settings, "routing", status_topic, key)

    await _republish(settings, assigned, assigned_topic, key)
    await _republish(settings, status, status_topic, key)
    # A newer change under a new ce_id is a new event: once it is processed, the duplicate
    # before it on the same partition has been processed too.
    await _republish(settings, _newer(status), status_topic, key, ce_id=str(uuid.uuid4()))

    entries = await ledger(http, stack.url("notification"), code, 3)
    assert len(entries) == 3
    assert len(await unit_tasks(http, stack.url("department"), "17179.VP", code)) == 1


async def test_malformed_messages_go_to_the_dlq_with_the_error_and_the_next_message_is_processed(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings
) -> None:
    accepted = await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU)
    code, key = accepted["code"], accepted["id"]
    await ledger(http, stack.url("notification"), code, 2)
    status_topic = topic_of(DossierStatusChanged, settings.topic_prefix)
    good = await _outbox_row(settings, "routing", status_topic, key)
    envelope = json.loads(good["headers"])
    marker = f"malformed-{uuid.uuid4()}"

    bad_body = {**envelope, "ce_id": str(uuid.uuid4()), "x-test-marker": marker}
    await publish_raw(settings, status_topic, b"{not json", key=key.encode(), headers=bad_body)
    no_envelope = {"x-test-marker": marker}
    await publish_raw(settings, status_topic, good["payload"].encode(), key=key.encode(), headers=no_envelope)
    await _republish(settings, _newer(good), status_topic, key, ce_id=str(uuid.uuid4()))

    assert len(await ledger(http, stack.url("notification"), code, 3)) == 3

    async def dead_letters() -> list[dict[str, str]] | None:
        records = await read_topic(settings, dead_letter_topic(status_topic), at_least=1, timeout=2)
        mine = [r.headers for r in records if r.headers.get("x-test-marker") == marker]
        return mine if len(mine) >= 2 * 2 else None  # two bad messages, two consumers (intake, notification)

    letters = await eventually(dead_letters, what="dead letters of the malformed messages")
    errors = {(h["dlq_consumer"], h["dlq_error"].split(":")[0]) for h in letters}
    assert errors == {
        ("intake", "MalformedEventError"),
        ("notification", "MalformedEventError"),
        ("intake", "JSONDecodeError"),
        ("notification", "JSONDecodeError"),
    }
    assert all(h["dlq_original_topic"] == status_topic for h in letters)


async def test_an_event_type_its_stream_does_not_carry_is_dead_lettered_naming_the_stream(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings
) -> None:
    accepted = await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU)
    code, key = accepted["code"], accepted["id"]
    await open_task(http, stack.url("department"), "17179.VP", code)
    orders = topic_of(TaskAssigned, settings.topic_prefix)
    assigned = await _outbox_row(settings, "routing", orders, key)
    marker = f"foreign-{uuid.uuid4()}"

    # A task outcome sent on routing's task orders: department has no handler for it there.
    await _republish(
        settings,
        assigned,
        orders,
        key,
        ce_id=str(uuid.uuid4()),
        ce_type="vn.lienthong.task.completed.v1",
        **{"x-test-marker": marker},
    )

    async def dead_letter() -> dict[str, str] | None:
        records = await read_topic(settings, dead_letter_topic(orders), at_least=1, timeout=2)
        mine = [r.headers for r in records if r.headers.get("x-test-marker") == marker]
        return mine[0] if mine else None

    letter = await eventually(dead_letter, what="the dead letter of the foreign event type")
    assert letter["dlq_consumer"] == "department"
    assert letter["dlq_attempts"] == "0"
    assert letter["dlq_error"].startswith(
        "MalformedEventError: ce_type 'vn.lienthong.task.completed.v1' is not carried by stream routing.task-orders.v1"
    )
    assert len(await unit_tasks(http, stack.url("department"), "17179.VP", code)) == 1
