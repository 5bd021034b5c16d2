"""The four services as real processes on the real Kafka and PostgreSQL, exporting traces."""

import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from stack import DEFAULT_PORTS, ServiceStack

from tests.support import clerks
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.zipkin import Zipkin


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
def zipkin() -> Zipkin:
    """The trace UI the services also export to (deploy/local/zipkin.sh, reused when running)."""
    server = Zipkin()
    server.start()
    return server


@pytest.fixture(scope="session")
def stack(
    settings_env: dict[str, str], otlp: OtlpReceiver, zipkin: Zipkin, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceStack]:
    jwks = clerks.issuer().write_jwks(tmp_path_factory.mktemp("auth") / "jwks.json")
    env = {
        **settings_env,
        "LIENTHONG_JWKS_FILE": str(jwks),
        "LIENTHONG_JWT_ISSUER": clerks.issuer().issuer,
        "LIENTHONG_JWT_AUDIENCE": clerks.issuer().audience,
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
        "OTEL_EXPORTER_ZIPKIN_ENDPOINT": zipkin.spans_endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "LIENTHONG_OUTBOX_POLL_SECONDS": "0.2",
        "LIENTHONG_DEADLINE_POLL_SECONDS": "0.2",
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
