"""The four services as real processes on the real Kafka and PostgreSQL, exporting traces."""

import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from stack import DEFAULT_PORTS, ServiceStack

from tests.support.otlp_receiver import OtlpReceiver


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def stack(
    settings_env: dict[str, str], otlp: OtlpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceStack]:
    env = {
        **settings_env,
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "LIENTHONG_OUTBOX_POLL_SECONDS": "0.2",
    }
    services = ServiceStack(
        tmp_path_factory.mktemp("stack"), env=env, ports={name: _free_port() for name in DEFAULT_PORTS}
    )
    services.start()
    try:
        services.wait_ready()
        yield services
    finally:
        services.stop()
        for name in DEFAULT_PORTS:
            log = services.log_file(name).read_text(errors="replace")
            if "Traceback" in log:
                print(f"--- {name} log (has tracebacks) ---\n{log[-4000:]}")


@pytest.fixture
async def http(stack: ServiceStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client
