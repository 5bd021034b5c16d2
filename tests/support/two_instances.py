"""Two instances of every service, as ``stack.py start --instances all=2`` runs them, for the e2e tests of scale-out.

The stack has a database, a topic prefix (its topics and ACLs made by the administrator) and stand-ins
of its own: its dossier codes start at ``…-0001`` again, so it must not share the portal's or the postal
service's stand-in with the session's stack. Intake and the department reach the object store up.sh
started. :class:`Spreading` is an HTTP transport that sends each request for a service's first
instance to its instances in turn, so helpers written for one address spread their calls over all.
"""

import asyncio
import contextlib
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from objectstore_keys import for_keepers
from stack import DEFAULT_PORTS, ServiceStack
from stack_instances import instance_keys
from standins.ports import free_port
from standins.process import StandinServers

from shared.kernel.settings import CommonSettings
from tests.support.kafka import Principals
from tests.support.object_store import local_object_store_env
from tests.support.scratch_database import scratch_database
from tests.support.standin_servers import standins_on_free_ports

INSTANCES = 2
FAST_WORKERS = {
    "LIENTHONG_OUTBOX_POLL_SECONDS": "0.2",
    "LIENTHONG_DEADLINE_POLL_SECONDS": "0.2",
    "LIENTHONG_DELIVERY_POLL_SECONDS": "0.2",
    "LIENTHONG_DELIVERY_BACKOFF_SECONDS": "0.2",
    "LIENTHONG_DELIVERY_BACKOFF_CAP_SECONDS": "1",
    "LIENTHONG_DELIVERY_TIMEOUT_SECONDS": "2",
    "LIENTHONG_DELIVERY_LEASE_SECONDS": "4",
    "OTEL_TRACES_EXPORTER": "none",
}


@dataclass(frozen=True)
class TwoInstances:
    """The running stack, its stand-ins, and settings reaching its database and topics as the administrator."""

    stack: ServiceStack
    standins: StandinServers
    settings: CommonSettings

    def url(self, service: str) -> str:
        """The first instance's address: a :class:`Spreading` client sends each request to one instance in turn."""
        return self.stack.url(service)

    def spreading(self) -> "Spreading":
        return Spreading(
            {service: [self.stack.ports[key] for key in self.stack.instances(service)] for service in DEFAULT_PORTS}
        )


class Spreading(httpx.AsyncBaseTransport):
    """Sends a request for a service's first instance's port to each of its instances' ports in turn.

    ``served`` counts the requests each port was sent. A request for another port (a later instance named
    on purpose, a stand-in) goes where it was sent.
    """

    def __init__(self, ports: Mapping[str, list[int]]) -> None:
        self._next = {instances[0]: itertools.cycle(instances) for instances in ports.values()}
        self._transport = httpx.AsyncHTTPTransport()
        self.served: Counter[int] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        port = request.url.port
        if port in self._next:
            port = next(self._next[port])
            request.url = request.url.copy_with(port=port)
            request.headers["Host"] = f"{request.url.host}:{port}"
        self.served[port or 0] += 1
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._transport.aclose()


@contextlib.asynccontextmanager
async def running(
    settings: CommonSettings,
    principals: Principals,
    keys: Mapping[str, str],
    signing_ca: Mapping[str, str],
    directory: Path,
) -> AsyncIterator[TwoInstances]:
    """Two instances of every service on free ports, ready, with their own database, topics and stand-ins."""
    async with scratch_database(settings.database_url, "pair") as database:
        own = settings.model_copy(update={"database_url": database, "topic_prefix": f"{settings.topic_prefix}pair."})
        await principals.provision(settings, own.topic_prefix)
        with standins_on_free_ports(directory / "standins", keys) as standins:
            env = {
                "LIENTHONG_DATABASE_URL": own.database_url,
                "LIENTHONG_TOPIC_PREFIX": own.topic_prefix,
                "LIENTHONG_KAFKA_BOOTSTRAP_SERVERS": own.kafka_bootstrap_servers,
                **standins.service_env(),
                **FAST_WORKERS,
                **keys,
                **signing_ca,
            }
            stack = ServiceStack(
                directory / "stack",
                env=env,
                ports={key: free_port() for key in instance_keys(dict.fromkeys(DEFAULT_PORTS, INSTANCES))},
                service_env=for_keepers(principals.services_env(), local_object_store_env()),
            )
            stack.start()
            try:
                await asyncio.to_thread(stack.wait_ready, None, 240)
                yield TwoInstances(stack, standins, own)
            finally:
                stack.stop()
                for key in stack.ports:
                    log = stack.log_file(key).read_text(errors="replace")
                    if "Traceback" in log:
                        print(f"--- {key} log (has tracebacks) ---\n{log[-4000:]}")
