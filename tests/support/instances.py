"""More instances of a running stack's services, for tests of several instances sharing one database and group."""

from collections.abc import Mapping
from pathlib import Path

from stack import ServiceStack
from standins.ports import free_port


class MoreInstances:
    """Starts instances of ``stack``'s services as the stack starts its own: the stack's environment (JWKS,
    stand-ins, keys, database) with the test's variables over it and the service's own Kafka principal, each
    on a free port with a run directory of its own under ``directory``."""

    def __init__(self, stack: ServiceStack, directory: Path) -> None:
        self.stack = stack
        self.directory = directory
        self.started: list[ServiceStack] = []

    def start(self, service: str, variables: Mapping[str, str] | None = None) -> ServiceStack:
        """One more instance of ``service``, once it is ready (its URL is ``instance.url(service)``)."""
        instance = ServiceStack(
            self.directory / f"{service}-{len(self.started) + 1}",
            env={**self.stack.env, **(variables or {})},
            ports={service: free_port()},
            service_env={service: self.stack.service_env.get(service, {})},
        )
        self.started.append(instance)
        instance.start()
        instance.wait_ready()
        return instance

    def stop(self) -> None:
        """Stop every instance started here."""
        for instance in self.started:
            instance.stop()
