"""A service, declared: what it consumes, publishes, serves and runs. The kernel does the rest.

A service module builds one :class:`Service` from its settings; the registry
(``services/registry.py``) names each service with its port, settings and migrations.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from fastapi import APIRouter, FastAPI

from shared.contracts import Stream
from shared.kernel.consumers import StreamTable
from shared.kernel.polling import PollingWorker
from shared.kernel.retention import RetentionPlan
from shared.kernel.settings import CommonSettings
from shared.kernel.unit_of_work import StoreFactory

if TYPE_CHECKING:
    from shared.kernel.runtime import ServiceRuntime

StoreT = TypeVar("StoreT")
SettingsT = TypeVar("SettingsT", bound=CommonSettings)

Part = Callable[["ServiceRuntime[Any]"], Any]


def _none(_runtime: "ServiceRuntime[Any]") -> Sequence[Any]:
    return ()


def _no_retention(_runtime: "ServiceRuntime[Any]") -> RetentionPlan:
    return RetentionPlan()


@dataclass(frozen=True)
class Service(Generic[StoreT]):
    """Everything one service adds to the kernel.

    The kernel starts, in this order: migrations, the pool, the topics, the broker with one
    consumer group per consumed stream, the outbox relay, the retention worker, then ``workers``
    in the order given; it stops them in reverse, then runs ``on_stop`` (in reverse) before
    closing the pool.
    """

    name: str
    title: str
    store: StoreFactory[StoreT]
    """Builds the service's store on a connection in a transaction (the unit of work's ``store``)."""
    consumes: StreamTable = field(default_factory=dict)
    publishes: Sequence[Stream] = ()
    routers: Callable[["ServiceRuntime[StoreT]"], Sequence[APIRouter]] = _none
    workers: Callable[["ServiceRuntime[StoreT]"], Sequence[PollingWorker]] = _none
    retention: Callable[["ServiceRuntime[StoreT]"], RetentionPlan] = _no_retention
    """Its own copies of personal data to pseudonymise and rows to prune, beside the kernel's tables."""
    on_start: Sequence[Callable[[], Awaitable[Any]]] = ()
    """Run once the broker and workers are up (e.g. warn of what is not configured)."""
    on_stop: Sequence[Callable[[], Awaitable[Any]]] = ()
    """Run at stop, in reverse, after the workers and the broker stopped and before the pool closes."""
    configure: Callable[[FastAPI, "ServiceRuntime[StoreT]"], None] | None = None
    """Last touches to the app (its OpenAPI document, app state, metrics read at each scrape)."""


@dataclass(frozen=True)
class ServiceEntry(Generic[SettingsT]):
    """One line of the service registry."""

    name: str
    port: int
    settings: type[SettingsT]
    migrations: Path
    declare: Callable[[SettingsT], Service[Any]]
    documented_http: bool = True
    """Whether its OpenAPI document is committed in ``docs/openapi``."""

    def service(self, settings: SettingsT | None = None) -> Service[Any]:
        return self.declare(settings or self.settings())
