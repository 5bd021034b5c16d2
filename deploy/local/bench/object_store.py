"""Benchmark of the object store: how long it takes to start, and how fast a scan goes in and out.

    python deploy/local/bench/object_store.py [--starts 5] [--runs 5] [--megabytes 5]

Start to ready: ``objectstore.sh start`` run ``--starts`` times in a folder and on a port of its own
(installed there first, untimed; stopped after each start), timed from the command to the script's
"ready" (the server's JVM started, a signed request answered, the bucket found or made); the server's
own share, as ``wait_ready.py`` reports it, beside. Throughput: a scan-like body of ``--megabytes`` MB
(a PDF header, then bytes that do not compress), a new one each run, put (SHA-256 and MD5 checked by
the server) and read back through ``S3ObjectStore`` on the object store ``make up`` started; each
object is deleted afterwards. Nothing is asserted: it measures.
"""

import argparse
import asyncio
import hashlib
import os
import platform
import re
import socket
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from figures import load_average, spread
from kafka_principals import local_dir
from objectstore_keys import object_store_env

from shared.contracts.documents import object_key
from shared.kernel.s3_object_store import S3ObjectStore
from shared.kernel.settings import CommonSettings

SCRIPT = Path(__file__).resolve().parents[1] / "objectstore.sh"
MB = 1_000_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _script(command: str, env: dict[str, str], check: bool = True) -> str:
    """``objectstore.sh <command>``'s output."""
    done = subprocess.run(  # noqa: S603 - our own script
        [str(SCRIPT), command], env=env, check=check, capture_output=True, text=True
    )
    return done.stdout


def _starts(count: int) -> tuple[list[float], list[float]]:
    """Seconds from ``objectstore.sh start`` to its "ready", and the server's own share, for each start."""
    totals, servers = [], []
    with tempfile.TemporaryDirectory(prefix="lienthong-objects-") as folder:
        env = {**os.environ, "LIENTHONG_LOCAL_DIR": folder, "LIENTHONG_OBJECT_STORE_PORT": str(_free_port())}
        _script("install", env)
        try:
            for _ in range(count):
                started = time.monotonic()
                said = _script("start", env)
                totals.append(time.monotonic() - started)
                server = re.search(r"objectstore ready after ([\d.]+)s", said)
                servers.append(float(server.group(1)) if server else float("nan"))
                _script("stop", env)
        finally:
            _script("stop", env, check=False)
    return totals, servers


def _scan(size: int) -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + os.urandom(size - 15)


async def _throughput(settings: CommonSettings, runs: int, size: int) -> tuple[list[float], list[float]]:
    """MB/s of each run's put and of its get."""
    store = S3ObjectStore.from_settings(settings)
    puts, gets = [], []
    try:
        client = await store.client()
        for _ in range(runs):
            body = _scan(size)
            key = object_key(hashlib.sha256(body).hexdigest())
            started = time.monotonic()
            await store.put(key, body, "application/pdf")
            puts.append(size / MB / (time.monotonic() - started))
            started = time.monotonic()
            read = await store.get(key)
            gets.append(size / MB / (time.monotonic() - started))
            assert read == body
            await client.delete_object(Bucket=store.bucket, Key=key)
    finally:
        await store.close()
    return puts, gets


def _line(name: str, values: list[float], unit: str) -> str:
    figures = spread(values)
    return f"{name:34} min {figures['min']:7.2f}  median {figures['median']:7.2f}  max {figures['max']:7.2f} {unit}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=5, help="starts of the server to time")
    parser.add_argument("--runs", type=int, default=5, help="uploads and downloads to time")
    parser.add_argument("--megabytes", type=float, default=5.0, help="size of the scan (MB, 10^6 bytes)")
    args = parser.parse_args()

    cpus = os.cpu_count()
    load = ", ".join(f"{value:.2f}" for value in load_average())
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"object store benchmark, {when}, {platform.node()}: {cpus} CPUs, load {load}")
    totals, servers = _starts(args.starts)
    print(_line(f"start to ready ({args.starts} starts)", totals, "s"))
    print(_line("  of which the server answering", servers, "s"))
    settings = CommonSettings.model_validate(
        {name.removeprefix("LIENTHONG_").lower(): value for name, value in object_store_env(local_dir()).items()}
    )
    size = int(args.megabytes * MB)
    puts, gets = asyncio.run(_throughput(settings, args.runs, size))
    print(_line(f"upload of {args.megabytes:g} MB ({args.runs} runs)", puts, "MB/s"))
    print(_line(f"download of {args.megabytes:g} MB ({args.runs} runs)", gets, "MB/s"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
