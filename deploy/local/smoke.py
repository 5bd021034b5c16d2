"""End-to-end check of the local Kafka and PostgreSQL with the project's own clients.

    .venv/bin/python deploy/local/smoke.py [kafka] [postgres]     (default: both)

kafka (aiokafka):
  * AIOKafkaAdminClient.create_topics: a fresh topic with 6 partitions, checked by describe_topics
  * AIOKafkaProducer (enable_idempotence, acks=all): one message per partition, with headers
  * AIOKafkaConsumer with group_id, auto_offset_reset=earliest, enable_auto_commit=False:
    reads everything, commits, and a *new* consumer of the same group then sees the
    committed offsets (committed() and list_consumer_group_offsets) and nothing to re-read
  * auto-created topic (auto.create.topics.enable) gets num.partitions=6
postgres (asyncpg): connects as lienthong, creates/drops a temp table, checks UTF-8 round trip.

Exit code 0 when every check passes. Uses unique topic/group names; leaves the
topics behind only if deleting them fails.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from typing import Any

KAFKA = f"127.0.0.1:{os.environ.get('LIENTHONG_KAFKA_PORT', '19092')}"
PG_DSN = f"postgresql://lienthong:lienthong@127.0.0.1:{os.environ.get('LIENTHONG_PG_PORT', '15432')}/lienthong"


def ok(msg: str) -> None:
    print(f"  ok  {msg}", flush=True)


async def check_kafka() -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    run = uuid.uuid4().hex[:8]
    topic = f"lienthong.smoke.{run}"
    auto_topic = f"lienthong.smoke-auto.{run}"
    group = f"lienthong-smoke-{run}"
    print(f"kafka {KAFKA}: topic {topic}, group {group}")

    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        ok(f"describe_cluster: {len(cluster['brokers'])} broker(s), controller {cluster['controller_id']}")
        await admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=1)])
        described = await admin.describe_topics([topic])
        parts = len(described[0]["partitions"])
        assert parts == 6, described
        ok(f"create_topics: {topic} has {parts} partitions")
        assert topic in await admin.list_topics()
        ok("list_topics sees it")

        producer = AIOKafkaProducer(bootstrap_servers=KAFKA, enable_idempotence=True, linger_ms=0)
        await producer.start()
        try:
            sent = {}
            for p in range(6):
                md = await producer.send_and_wait(
                    topic,
                    f"hello {p}: xin chào".encode(),
                    key=f"k{p}".encode(),
                    partition=p,
                    headers=[("ce_id", f"{run}-{p}".encode())],
                )
                sent[p] = md.offset
            ok(f"produced 6 messages (idempotent, acks=all) to partitions {sorted(sent)}")
            md = await producer.send_and_wait(auto_topic, b"auto")
            ok(f"produced to a non-existent topic -> auto-created ({auto_topic})")
        finally:
            await producer.stop()

        t0 = time.monotonic()
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=KAFKA,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            got: list[Any] = []
            deadline = time.monotonic() + 30
            while len(got) < 6 and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    got.extend(records)
            assert len(got) == 6, f"consumed {len(got)} of 6"
            assert {r.headers[0][1].decode() for r in got} == {f"{run}-{p}" for p in range(6)}
            assert got[0].value.decode().endswith("xin chào")
            ok(f"consumer group {group} joined and read 6 messages in {time.monotonic() - t0:.2f}s")
            await consumer.commit()
            ok("commit() succeeded")
        finally:
            await consumer.stop()

        offsets = await admin.list_consumer_group_offsets(group)
        committed = {tp.partition: om.offset for tp, om in offsets.items() if tp.topic == topic}
        assert committed == {p: 1 for p in range(6)}, committed
        ok(f"list_consumer_group_offsets: {committed}")

        # A new member of the same group resumes from the commits: nothing left to read.
        consumer2 = AIOKafkaConsumer(
            topic,
            bootstrap_servers=KAFKA,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer2.start()
        try:
            c = await consumer2.committed(TopicPartition(topic, 0))
            assert c == 1, c
            leftovers = []
            end = time.monotonic() + 2
            while time.monotonic() < end:
                batch = await consumer2.getmany(timeout_ms=300)
                for records in batch.values():
                    leftovers.extend(records)
            assert not leftovers, f"re-read {len(leftovers)} committed messages"
            ok("second consumer of the group resumes after the committed offsets (0 re-read)")
        finally:
            await consumer2.stop()

        groups = await admin.list_consumer_groups()
        assert any(g[0] == group for g in groups), groups
        ok("list_consumer_groups sees the group")

        described = await admin.describe_topics([auto_topic])
        parts = len(described[0]["partitions"])
        assert parts == 6, described
        ok(f"auto-created topic has {parts} partitions (num.partitions=6)")

        await admin.delete_topics([topic, auto_topic])
        ok("delete_topics cleaned up")
    finally:
        await admin.close()


async def check_postgres() -> None:
    import asyncpg

    print(f"postgres {PG_DSN.replace(':lienthong@', ':***@')}")
    conn = await asyncpg.connect(PG_DSN)
    try:
        user, db, enc, ver = await conn.fetchrow(
            "select current_user, current_database(), pg_encoding_to_char(encoding), version()"
            " from pg_database where datname = current_database()"
        )
        assert (user, db, enc) == ("lienthong", "lienthong", "UTF8"), (user, db, enc)
        ok(f"connected as {user} to {db} ({enc}); {ver.split(',')[0]}")
        async with conn.transaction():
            await conn.execute("create temp table smoke (id int primary key, name text)")
            await conn.execute("insert into smoke values (1, $1)", "Thủ tục liên thông")
            name = await conn.fetchval("select name from smoke where id = 1")
            assert name == "Thủ tục liên thông", name
        ok("temp table write/read with Vietnamese text")
        can_create = await conn.fetchval("select has_database_privilege(current_user, current_database(), 'CREATE')")
        assert can_create
        ok("lienthong owns/can create schemas in database lienthong")
    finally:
        await conn.close()


async def main(which: list[str]) -> int:
    for name in which:
        await {"kafka": check_kafka, "postgres": check_postgres}[name]()
    print("smoke: all checks passed")
    return 0


if __name__ == "__main__":
    targets = sys.argv[1:] or ["kafka", "postgres"]
    bad = [t for t in targets if t not in ("kafka", "postgres")]
    if bad:
        sys.exit(f"usage: {sys.argv[0]} [kafka] [postgres]")
    sys.exit(asyncio.run(main(targets)))
