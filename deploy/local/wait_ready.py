"""Wait until a local service answers a real client request, with a deadline.

    python deploy/local/wait_ready.py kafka    [--bootstrap 127.0.0.1:19092] [--brokers N]
    python deploy/local/wait_ready.py postgres [--dsn postgresql://...]
    python deploy/local/wait_ready.py objectstore [--url http://127.0.0.1:19300]
    common options: [--timeout 60] [--pid PID]... [--log FILE] [--quiet]

kafka:    an aiokafka admin client bootstraps (metadata request), lists topics and finds N brokers
          (default 1): a cluster's node is a broker only once the quorum's active controller registered it.
          Every address of a comma-separated --bootstrap must answer so, itself: the others go on
          listing a node killed a moment ago until the controller fences it.
postgres: an asyncpg connection runs `select 1`.
objectstore: a signed S3 request finds the bucket (LIENTHONG_OBJECT_STORE_BUCKET and keys), made when missing.

Polls until success or the deadline; exits 0 when ready, 1 otherwise. With --pid the
wait stops at once if that process (or any of several) has died (and --log names the file to read).
Used by kafka.sh and postgres.sh; no fixed sleeps anywhere, only short poll gaps.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import os
import sys
import time

POLL_INTERVAL_S = 0.25
PROGRESS_EVERY_S = 3.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as dead.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


async def _kafka_once(bootstrap: str, brokers_wanted: int, attempt_timeout_s: float) -> str:
    answers = await asyncio.gather(
        *(_kafka_node_once(address, brokers_wanted, attempt_timeout_s) for address in bootstrap.split(","))
    )
    return answers[0]


async def _kafka_node_once(bootstrap: str, brokers_wanted: int, attempt_timeout_s: float) -> str:
    from aiokafka.admin import AIOKafkaAdminClient

    from shared.kernel.kafka_connection import kafka_connection
    from shared.kernel.settings import CommonSettings

    # The principal of the LIENTHONG_KAFKA_* variables (kafka.sh passes admin's), on the given bootstrap.
    admin = AIOKafkaAdminClient(
        **kafka_connection(CommonSettings(kafka_bootstrap_servers=bootstrap)),
        client_id="lienthong-wait-ready",
        request_timeout_ms=int(attempt_timeout_s * 1000),
    )
    try:
        await asyncio.wait_for(admin.start(), attempt_timeout_s)
        topics = await asyncio.wait_for(admin.list_topics(), attempt_timeout_s)
        cluster = await asyncio.wait_for(admin.describe_cluster(), attempt_timeout_s)
        brokers = cluster.get("brokers", [])
        if len(brokers) < brokers_wanted:
            raise RuntimeError(f"metadata has {len(brokers)} of {brokers_wanted} broker(s) yet")
        return f"{len(brokers)} broker(s), {len(topics)} topic(s)"
    finally:
        # Best effort: a failed close while polling changes nothing.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(admin.close(), attempt_timeout_s)


async def _postgres_once(dsn: str, attempt_timeout_s: float) -> str:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=attempt_timeout_s)
    try:
        one = await conn.fetchval("select 1", timeout=attempt_timeout_s)
        if one != 1:
            raise RuntimeError(f"select 1 returned {one!r}")
        version = await conn.fetchval("show server_version", timeout=attempt_timeout_s)
        return f"server {version}"
    finally:
        await conn.close(timeout=attempt_timeout_s)


async def _objectstore_once(url: str, attempt_timeout_s: float) -> str:
    from shared.kernel.s3_object_store import S3ObjectStore
    from shared.kernel.settings import CommonSettings

    settings = CommonSettings(object_store_url=url)
    store = S3ObjectStore.from_settings(settings, connect_timeout=attempt_timeout_s, read_timeout=attempt_timeout_s)
    try:
        await store.ensure_bucket()
        return f"bucket {store.bucket}"
    finally:
        await store.close()


async def _wait(args: argparse.Namespace) -> int:
    if args.mode == "kafka":
        target = args.bootstrap
        attempt = functools.partial(_kafka_once, args.bootstrap, args.brokers)
    elif args.mode == "objectstore":
        target = args.url
        attempt = functools.partial(_objectstore_once, args.url)
    else:
        target = _redact(args.dsn)
        attempt = functools.partial(_postgres_once, args.dsn)

    start = time.monotonic()
    deadline = start + args.timeout
    next_progress = start + PROGRESS_EVERY_S
    last_error = "no attempt yet"
    tries = 0
    if not args.quiet:
        print(f"wait_ready: waiting for {args.mode} at {target} (deadline {args.timeout:.0f}s)", flush=True)
    while True:
        now = time.monotonic()
        dead = [pid for pid in args.pid or () if not _alive(pid)]
        if dead:
            print(
                f"wait_ready: {args.mode} process {dead[0]} exited before becoming ready (last error: {last_error})",
                file=sys.stderr,
                flush=True,
            )
            if args.log:
                print(f"wait_ready: see {args.log}", file=sys.stderr, flush=True)
            return 1
        remaining = deadline - now
        if remaining <= 0:
            print(
                f"wait_ready: {args.mode} at {target} not ready after {args.timeout:.0f}s"
                f" ({tries} attempts; last error: {last_error})",
                file=sys.stderr,
                flush=True,
            )
            if args.log:
                print(f"wait_ready: see {args.log}", file=sys.stderr, flush=True)
            return 1
        tries += 1
        try:
            detail = await asyncio.wait_for(attempt(min(5.0, remaining)), min(10.0, remaining + 0.5))
        except Exception as exc:  # anything means "not ready yet"
            last_error = f"{type(exc).__name__}: {exc}".strip()[:300]
        else:
            if not args.quiet:
                print(f"wait_ready: {args.mode} ready after {time.monotonic() - start:.1f}s ({detail})", flush=True)
            return 0
        now = time.monotonic()
        if not args.quiet and now >= next_progress:
            print(f"wait_ready: still waiting for {args.mode} ({now - start:.0f}s; {last_error})", flush=True)
            next_progress = now + PROGRESS_EVERY_S
        await asyncio.sleep(POLL_INTERVAL_S)


def _redact(dsn: str) -> str:
    # postgresql://user:password@host:port/db -> postgresql://user:***@host:port/db
    if "://" in dsn and "@" in dsn:
        scheme, rest = dsn.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        return f"{scheme}://{creds}@{host}"
    return dsn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["kafka", "postgres", "objectstore"])
    parser.add_argument("--bootstrap", default=f"127.0.0.1:{os.environ.get('LIENTHONG_KAFKA_PORT', '19092')}")
    parser.add_argument(
        "--dsn",
        default=f"postgresql://lienthong:lienthong@127.0.0.1:{os.environ.get('LIENTHONG_PG_PORT', '15432')}/lienthong",
    )
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('LIENTHONG_OBJECT_STORE_PORT', '19300')}")
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("LIENTHONG_READY_TIMEOUT", "60")))
    parser.add_argument("--brokers", type=int, default=1, help="kafka: how many brokers the metadata must list")
    parser.add_argument("--pid", type=int, action="append", help="stop waiting if this process dies (repeatable)")
    parser.add_argument("--log", default=None, help="log file to point at on failure")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()

    # aiokafka logs every refused connection at ERROR level; polling expects those.
    logging.basicConfig(level=logging.CRITICAL)
    try:
        return asyncio.run(_wait(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
