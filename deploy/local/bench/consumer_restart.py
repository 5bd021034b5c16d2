"""Benchmark of a consumer process's restart after ``kill -9``: from the new process's start to consuming again.

    python deploy/local/bench/consumer_restart.py [--runs 3]

Needs Kafka (``make up``). A consumer process builds the kernel's broker (``create_broker``: the
same consumer builder as the services) with one consumer per partition of a 6-partition topic of
its own, like a service's stream, and reports each partition it consumes from. A producer sends
to every partition every 50 ms. Once the first process consumes all six, it is killed with
SIGKILL and a new one started at once with the same settings; the time from that start to a
message consumed from every partition is the restart's. Side by side, once per run each: dynamic
membership (``LIENTHONG_KAFKA_STATIC_MEMBERSHIP=false``, as the services were) and static
membership (as they are). Nothing is asserted: it measures.
"""

import argparse
import asyncio
import os
import signal
import statistics
import sys
import time
import uuid

from aiokafka import AIOKafkaProducer
from faststream import AckPolicy
from faststream.kafka import KafkaMessage, Topic
from kafka_principals import as_local_admin

from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.messaging import create_broker, ensure_topics
from shared.kernel.settings import CommonSettings

PARTITIONS = 6
MODES = {"dynamic": "false", "static": "true"}
MARK = "consumer-restart:"
"""Starts the consumer process's own lines on its standard output (FastStream logs there too)."""


async def consume(topic: str, group: str) -> None:
    """The consumer process: prints ``started <time>`` once its broker runs, then ``<partition> <time>`` once per
    partition."""
    settings = as_local_admin(CommonSettings())
    broker = create_broker(settings, "bench", None)
    seen: set[int] = set()

    async def on_message(_body: bytes, message: KafkaMessage) -> None:
        partition = message.raw_message.partition  # type: ignore[union-attr]
        if partition not in seen:
            seen.add(partition)
            print(f"{MARK} {partition} {time.time()}", flush=True)

    broker.subscriber(Topic(topic, declare=False), group_id=group, ack_policy=AckPolicy.ACK, max_workers=PARTITIONS)(
        on_message
    )
    await broker.start()
    print(f"{MARK} started {time.time()}", flush=True)
    await asyncio.Event().wait()


async def _produce(settings: CommonSettings, topic: str, stop: asyncio.Event) -> None:
    producer = AIOKafkaProducer(**kafka_connection(settings))
    await producer.start()
    try:
        while not stop.is_set():
            for partition in range(PARTITIONS):
                await producer.send(topic, b"probe", partition=partition)
            await asyncio.sleep(0.05)
    finally:
        await producer.stop()


async def _start(topic: str, group: str, static: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "LIENTHONG_KAFKA_STATIC_MEMBERSHIP": static, "LIENTHONG_INSTANCE_ID": "bench"}
    return await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--consume", topic, group, env=env, stdout=asyncio.subprocess.PIPE
    )


async def _consuming(process: asyncio.subprocess.Process) -> tuple[float, float]:
    """When the process's broker started and when it had consumed from every partition (epoch seconds)."""
    assert process.stdout is not None
    started, last, partitions = 0.0, 0.0, set[int]()
    while len(partitions) < PARTITIONS:
        read = await process.stdout.readline()
        if not read:
            raise RuntimeError("the consumer process ended")
        line = read.decode().split()[1:] if read.startswith(MARK.encode()) else []
        if not line:
            continue
        if line[0] == "started":
            started = float(line[1])
        else:
            partitions.add(int(line[0]))
            last = float(line[1])
    return started, last


async def _run(settings: CommonSettings, topic: str, static: str) -> tuple[float, float]:
    """Seconds from the new process's start to its broker started, and to consuming every partition."""
    group = f"bench-restart-{uuid.uuid4().hex[:8]}"
    first = await _start(topic, group, static)
    await asyncio.wait_for(_consuming(first), 60)
    first.send_signal(signal.SIGKILL)
    restarted = time.time()
    second = await _start(topic, group, static)
    try:
        broker_started, consuming = await asyncio.wait_for(_consuming(second), 120)
    finally:
        second.send_signal(signal.SIGKILL)
        await asyncio.gather(first.wait(), second.wait())
    return broker_started - restarted, consuming - restarted


async def bench(runs: int) -> None:
    settings = as_local_admin(CommonSettings(topic_partitions=PARTITIONS))
    topic = f"bench-restart-{uuid.uuid4().hex[:6]}"
    await ensure_topics(settings, [topic])
    stop = asyncio.Event()
    producing = asyncio.create_task(_produce(settings, topic, stop))
    results: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
    try:
        for run in range(1, runs + 1):
            for mode, static in MODES.items():  # side by side: each once per run
                started, consuming = await _run(settings, topic, static)
                results[mode].append((started, consuming))
                print(f"run {run}/{runs}  {mode:<7}: broker started {started:5.2f} s, consuming {consuming:5.2f} s")
    finally:
        stop.set()
        await producing
    print(f"\nafter kill -9, new process start → every partition consuming, {runs} runs (min / median / max):")
    for mode, figures in results.items():
        times = [f[1] for f in figures]
        print(f"  {mode:<7}: {min(times):5.2f} / {statistics.median(times):5.2f} / {max(times):5.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--consume", nargs=2, metavar=("TOPIC", "GROUP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.consume:
        asyncio.run(consume(*args.consume))
    else:
        asyncio.run(bench(args.runs))


if __name__ == "__main__":
    main()
