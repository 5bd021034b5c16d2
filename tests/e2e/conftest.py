"""The four services as real processes on the real Kafka and PostgreSQL, exporting traces.

The national systems and message providers they talk to are the real local stand-in servers
of ``deploy/local/standins`` (SMS gateway, SMTP, Zalo, national portal, population database).
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from local_keys import keys_env
from objectstore_keys import for_keepers
from signing_ca import signing_ca_env
from stack import DEFAULT_PORTS, ServiceStack
from standins.ports import free_port
from standins.process import StandinServers

from shared.kernel.settings import CommonSettings
from tests.support import clerks
from tests.support.instances import MoreInstances
from tests.support.kafka import Principals
from tests.support.object_store import local_object_store_env
from tests.support.otlp_receiver import OtlpReceiver
from tests.support.standin_servers import standins_on_free_ports
from tests.support.two_instances import TwoInstances, running
from tests.support.zipkin import Zipkin

CLERK_CONTACTS = Path(__file__).resolve().parents[1] / "support" / "clerk_contacts.yaml"


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
def run_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The run's own keys (pseudonyms, lookup secrets, the payment and postal stand-ins' merchant keys and callback
    secrets), as a deployment keeps them in its secret store."""
    return keys_env(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def signing_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The run's own signing authority, from which the department issues its units' certificates: the variables
    naming its files (``LIENTHONG_SIGNING_CA_CERT_FILE`` is the certificate a verifier trusts)."""
    return signing_ca_env(tmp_path_factory.mktemp("signing"))


@pytest.fixture(scope="session")
def standins(tmp_path_factory: pytest.TempPathFactory, run_keys: dict[str, str]) -> Iterator[StandinServers]:
    """The stand-in servers on free ports, for this test run only."""
    with standins_on_free_ports(tmp_path_factory.mktemp("standins"), run_keys) as servers:
        yield servers


@pytest.fixture
def fresh_standins(standins: StandinServers) -> Iterator[StandinServers]:
    """The stand-ins with default behaviour, put back to it after the test that switched them."""
    standins.reset()
    yield standins
    standins.reset()


@pytest.fixture(scope="session")
def stack(
    settings_env: dict[str, str],
    otlp: OtlpReceiver,
    zipkin: Zipkin,
    standins: StandinServers,
    kafka_principals: Principals,
    run_keys: dict[str, str],
    signing_ca: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceStack]:
    env = {
        **settings_env,
        # Both token issuers: the stand-in identity provider's realms, signing with the tests' keys.
        **standins.service_env(),
        # Deliveries tried quickly, so retries and dead letters happen within a test.
        "LIENTHONG_DELIVERY_ATTEMPTS": "4",
        "LIENTHONG_DELIVERY_BACKOFF_SECONDS": "0.2",
        "LIENTHONG_DELIVERY_BACKOFF_CAP_SECONDS": "1",
        "LIENTHONG_DELIVERY_TIMEOUT_SECONDS": "2",
        "LIENTHONG_DELIVERY_LEASE_SECONDS": "4",
        "LIENTHONG_DELIVERY_POLL_SECONDS": "0.2",
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
        "OTEL_EXPORTER_ZIPKIN_ENDPOINT": zipkin.spans_endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "LIENTHONG_OUTBOX_POLL_SECONDS": "0.2",
        "LIENTHONG_DEADLINE_POLL_SECONDS": "0.2",
        # The shipped illustrative delegation rules in force (test_plans.py moves a task by one).
        "LIENTHONG_ILLUSTRATIVE_DELEGATIONS": "true",
        # A line per consumed message, as operators switch it on (test_operator_logs.py, test_operator_traces.py).
        "LIENTHONG_LOG_EACH_MESSAGE": "true",
        # Clerks told of deadline warnings and escalation steps (test_escalation.py reads their mail).
        "LIENTHONG_CLERK_CONTACTS_FILE": str(CLERK_CONTACTS),
        **run_keys,
        **signing_ca,
    }
    services = ServiceStack(
        tmp_path_factory.mktemp("stack"),
        env=env,
        ports={name: free_port() for name in DEFAULT_PORTS},
        # Each its own Kafka principal; intake and the department the object store up.sh started, as a deployment
        # gives them their keys.
        service_env=for_keepers(kafka_principals.services_env(), local_object_store_env()),
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


@pytest.fixture(scope="session")
async def two_instances(
    settings: CommonSettings,
    kafka_principals: Principals,
    run_keys: dict[str, str],
    signing_ca: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[TwoInstances]:
    """Two instances of every service, with a database, topics and stand-ins of their own (support/two_instances)."""
    async with running(settings, kafka_principals, run_keys, signing_ca, tmp_path_factory.mktemp("two")) as pair:
        yield pair


@pytest.fixture
def more_instances(stack: ServiceStack, tmp_path: Path) -> Iterator[MoreInstances]:
    """More instances of the stack's services, started as the stack's own are; each stopped after the test."""
    instances = MoreInstances(stack, tmp_path)
    try:
        yield instances
    finally:
        instances.stop()


@pytest.fixture
async def http(stack: ServiceStack) -> AsyncIterator[httpx.AsyncClient]:
    # The tests' own client may do everything; tests of rights send narrower callers' tokens.
    async with httpx.AsyncClient(timeout=10, headers=clerks.harness_headers()) as client:
        yield client


@pytest.fixture
async def anonymous(stack: ServiceStack) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no token of its own: a test of rights sends each caller's ``Authorization`` (or none)."""
    async with httpx.AsyncClient(timeout=10) as client:
        yield client
