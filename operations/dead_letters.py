"""Dead letters as an operator sees them: read from the ``.dlq`` topics, shown, replayed.

A replay publishes the dead letter's body, key and original headers (without the
``dlq_*`` ones) to its original topic, so the consumer sees the event it failed on,
with the same ``ce_id`` and trace. Each replay is recorded in
``operations.dead_letter_replays`` in the transaction that decides it, with an entry of
the operations journal (chain ``service:operations``: the dead letter's place and event id,
never its body); a dead letter already recorded is not published again. Should a publish be repeated all the same
(a crash between publish and commit), the consumer's inbox drops it by ``ce_id``.
"""

import asyncio
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from operations import database as operations_database
from operations.database import MIGRATIONS as MIGRATIONS  # where the tests find them
from operations.database import SCHEMA
from operations.tokens import OperatorCredentials
from shared.contracts import STREAMS, dead_letter_topic
from shared.kernel.journal import TransactionalJournal, operator_actor, service_chain
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.settings import CommonSettings
from shared.observability.kafka_offsets import KafkaOffsets
from shared.observability.logging_setup import redact

PERSONAL_FIELDS = frozenset({"citizen_id", "full_name", "date_of_birth", "phone", "email", "zalo_user_id"})
IDENTIFYING_FIELDS = PERSONAL_FIELDS - {"date_of_birth"}
"""The fields masked in headers too (a date of birth alone names no one, and headers hold timestamps)."""


@dataclass(frozen=True)
class DeadLetter:
    """One message of a ``.dlq`` topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def id(self) -> str:
        """``<dlq topic>:<partition>:<offset>``, the handle operators pass around."""
        return f"{self.topic}:{self.partition}:{self.offset}"

    @property
    def original_topic(self) -> str:
        return self.headers.get("dlq_original_topic") or self.topic.removesuffix(".dlq")

    @property
    def dossier_code(self) -> str | None:
        return self.headers.get("ce_subject")

    def replay_headers(self) -> dict[str, str]:
        """The headers the message had before it was dead-lettered."""
        return {k: v for k, v in self.headers.items() if not k.startswith("dlq_")}

    def body(self, *, reveal: bool = False) -> Any:
        """The decoded body; personal fields masked unless ``reveal``."""
        try:
            decoded = json.loads(self.value)
        except ValueError:
            return self.value.decode("utf-8", errors="replace")
        return decoded if reveal else _masked(decoded)

    def shown_headers(self, *, reveal: bool = False) -> dict[str, str]:
        """The headers; unless ``reveal``, the body's personal values masked wherever they appear in them.

        A reason written before reasons left values out may quote them (PostgreSQL's ``Failing
        row contains (…)``, pydantic's ``input_value=…``); citizen ID and phone numbers are
        masked whatever they belong to.
        """
        if reveal:
            return dict(self.headers)
        try:
            personal = sorted(set(_personal_values(json.loads(self.value))), key=len, reverse=True)
        except ValueError:
            personal = []
        return {key: _hidden(value, personal) for key, value in self.headers.items()}


ORIGINAL_READ_SECONDS = 10.0
"""How long a replay looks for the original of a truncated dead letter."""


class OriginalGoneError(LookupError):
    """A dead letter was stored truncated and its original is no longer in its topic."""


async def whole(settings: CommonSettings, letter: DeadLetter) -> DeadLetter:
    """The dead letter with its original body and headers: read back from the original topic when the dead
    letter was stored truncated (too big to publish whole), else the dead letter itself."""
    if letter.headers.get("dlq_truncated", "").lower() != "true":
        return letter
    where = TopicPartition(letter.original_topic, int(letter.headers["dlq_original_partition"]))
    offset = int(letter.headers["dlq_original_offset"])
    original = await _record_at(settings, where, offset)
    if original is None:
        raise OriginalGoneError(
            f"{letter.id} was stored truncated and its original, {where.topic}:{where.partition}:{offset}, is no"
            " longer in the topic (retention): restore it from a backup and publish it by hand"
        )
    failure = {k: v for k, v in letter.headers.items() if k.startswith("dlq_")}
    headers = {**original.headers, **failure}
    return DeadLetter(letter.topic, letter.partition, letter.offset, original.key, original.value, headers)


async def _record_at(settings: CommonSettings, where: TopicPartition, offset: int) -> DeadLetter | None:
    consumer = AIOKafkaConsumer(**kafka_connection(settings), group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([where])
        consumer.seek(where, offset)
        deadline = time.monotonic() + ORIGINAL_READ_SECONDS
        while time.monotonic() < deadline:
            records = (await consumer.getmany(where, timeout_ms=500)).get(where, [])
            if records:  # the first record read is at the offset, or past it when that one is gone
                first = records[0]
                return _letter(first) if first.offset == offset else None
        return None
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Replay:
    """What ``replay`` did with one dead letter."""

    letter: DeadLetter
    replayed: bool
    by: str
    at: datetime


def dead_letter_topics(prefix: str) -> list[str]:
    """The ``.dlq`` topics of this deployment."""
    return [dead_letter_topic(prefix + s.topic) for s in STREAMS]


def parse_id(letter_id: str) -> tuple[str, int, int]:
    """``topic:partition:offset`` → its parts; ValueError naming the expected form otherwise."""
    topic, _, rest = letter_id.rpartition(":")
    topic, _, partition = topic.rpartition(":")
    if not topic or not partition.isdigit() or not rest.isdigit():
        raise ValueError(f"{letter_id!r} is not a dead-letter id (<dlq topic>:<partition>:<offset>)")
    return topic, int(partition), int(rest)


async def read_dead_letters(
    settings: CommonSettings, topics: Iterable[str], *, progress: Callable[[str], None] = lambda _: None
) -> list[DeadLetter]:
    """Every message still held in ``topics``, in topic, partition and offset order."""
    async with KafkaOffsets(kafka_connection(settings), client_id="lienthong-cli") as offsets:
        bounds = {tp: b for tp, b in (await offsets.bounds(await offsets.partitions(topics))).items() if b[1] > b[0]}
    total = sum(end - start for start, end in bounds.values())
    if not bounds:
        return []
    progress(f"reading {total} dead letter(s) from {len({tp.topic for tp in bounds})} topic(s)")
    consumer = AIOKafkaConsumer(**kafka_connection(settings), group_id=None, enable_auto_commit=False)
    await consumer.start()
    letters: list[DeadLetter] = []
    try:
        consumer.assign(list(bounds))
        for tp, (start, _end) in bounds.items():
            consumer.seek(tp, start)
        ends = {(tp.topic, tp.partition): end for tp, (_start, end) in bounds.items()}
        deadline = time.monotonic() + 60
        while any([await consumer.position(tp) < end for tp, (_start, end) in bounds.items()]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"read {len(letters)} of {total} dead letters in 60 s")
            for records in (await consumer.getmany(timeout_ms=500)).values():
                letters += [_letter(r) for r in records if r.offset < ends[(r.topic, r.partition)]]
            progress(f"read {len(letters)} of {total}")
    finally:
        await consumer.stop()
    return sorted(letters, key=lambda d: (d.topic, d.partition, d.offset))


async def replay(
    settings: CommonSettings,
    letters: list[DeadLetter],
    *,
    by: str,
    reason: str,
    operator: str | None = None,
    progress: Callable[[int, int, Replay], None] = lambda *_: None,
) -> list[Replay]:
    """Publish each dead letter to its original topic once, recording who did it and why.

    The journal names ``operator``: the CLI's OAuth client (``LIENTHONG_OPERATOR_CLIENT_ID``) unless
    given, else ``by``.
    """
    actor = operator_actor(operator or OperatorCredentials.from_environ().client_id or by)
    connection = await operations_database.connect(settings)
    producer = AIOKafkaProducer(**kafka_connection(settings), enable_idempotence=True)
    outcomes: list[Replay] = []
    try:
        await producer.start()
        for number, stored in enumerate(letters, 1):
            letter = await whole(settings, stored)
            async with connection.transaction():
                recorded = await connection.fetchrow(
                    'INSERT INTO operations.dead_letter_replays (dead_letter_topic, partition, "offset",'
                    " original_topic, event_id, dossier_code, replayed_by, reason)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                    " ON CONFLICT DO NOTHING RETURNING replayed_by, replayed_at",
                    letter.topic,
                    letter.partition,
                    letter.offset,
                    letter.original_topic,
                    letter.headers.get("ce_id"),
                    letter.dossier_code,
                    by,
                    reason,
                )
                if recorded is not None:
                    await TransactionalJournal(connection).append(
                        REPLAY_CHAIN, "dead letter replayed", actor, replay_details(letter)
                    )
                    await producer.send_and_wait(
                        letter.original_topic,
                        letter.value,
                        key=letter.key,
                        headers=[(k, v.encode()) for k, v in letter.replay_headers().items()],
                    )
                    outcome = Replay(letter, True, recorded["replayed_by"], recorded["replayed_at"])
                else:
                    earlier = await replays_of(connection, [letter])
                    outcome = earlier[letter.id]
            outcomes.append(outcome)
            progress(number, len(letters), outcome)
    finally:
        await asyncio.gather(producer.stop(), connection.close())
    return outcomes


REPLAY_CHAIN = service_chain(SCHEMA)
"""The operations journal's chain of replays."""


def replay_details(letter: DeadLetter) -> dict[str, object]:
    """What the journal says of a replay: where the dead letter was and which event; never its body."""
    return {
        "dead_letter_topic": letter.topic,
        "partition": letter.partition,
        "offset": letter.offset,
        "original_topic": letter.original_topic,
        "event_id": letter.headers.get("ce_id"),
        "event_type": letter.headers.get("ce_type"),
        "dossier_code": letter.dossier_code,
    }


async def replays_of(connection: asyncpg.Connection, letters: list[DeadLetter]) -> dict[str, Replay]:
    """The recorded replays of these dead letters, by dead-letter id."""
    if await connection.fetchval("SELECT to_regclass('operations.dead_letter_replays')") is None:
        return {}
    rows = await connection.fetch(
        'SELECT dead_letter_topic, partition, "offset", replayed_by, replayed_at FROM operations.dead_letter_replays'
        " WHERE dead_letter_topic = ANY($1::text[])",
        sorted({d.topic for d in letters}),
    )
    by_id = {d.id: d for d in letters}
    found = {}
    for r in rows:
        letter = by_id.get(f"{r['dead_letter_topic']}:{r['partition']}:{r['offset']}")
        if letter is not None:
            found[letter.id] = Replay(letter, False, r["replayed_by"], r["replayed_at"])
    return found


def _letter(record: Any) -> DeadLetter:
    headers = {str(k): bytes(v or b"").decode("utf-8", errors="replace") for k, v in record.headers}
    return DeadLetter(record.topic, record.partition, record.offset, record.key, record.value or b"", headers)


def _personal_values(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in IDENTIFYING_FIELDS and isinstance(inner, str | int) and len(str(inner)) >= 3:
                yield str(inner)
            else:
                yield from _personal_values(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _personal_values(inner)


def _hidden(text: str, personal: list[str]) -> str:
    for value in personal:
        text = text.replace(value, "[hidden]")
    return redact(text)


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "[hidden]" if k in PERSONAL_FIELDS and v else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value
