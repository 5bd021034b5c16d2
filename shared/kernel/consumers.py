"""A service's consumed streams, from its table ``{stream: {event model: handler}}`` to Kafka subscribers.

Each (service, stream) is one consumer group, ``<prefix>lienthong.<service>.<stream topic>``, whose
subscriber dispatches on the ``ce_type`` header to the handler of that event type. The group
id and the inbox key come from that one name. Every handler runs in the kernel's inbox
transaction with a unit of work; a redelivered event finds its inbox row and does nothing.
"""

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol
from uuid import UUID

from faststream import AckPolicy, StreamMessage
from faststream.kafka import KafkaBroker, Topic

from shared.contracts import BaseEvent, Stream, event_type_of
from shared.kernel.dead_letters import UNREADABLE, parse_leniently
from shared.kernel.unit_of_work import UnitOfWork

Handler = Callable[[UnitOfWork[Any], Any], Awaitable[None]]
"""A use case run for one event: ``handler(uow, event)``."""

StreamTable = Mapping[Stream, Mapping[type[BaseEvent], Handler]]
"""What a service consumes: for each stream, the handler of each event type it carries."""


class EventRunner(Protocol):
    """Runs a handler once per event id for a consumer (the service's runtime)."""

    async def handle_once(self, consumer: str, event_id: UUID, event: Any, handler: Handler) -> None: ...


def consumer_name(service: str, stream: Stream) -> str:
    """The inbox key of ``service`` reading ``stream``; the group id is :func:`consumer_group`."""
    return f"{service}.{stream.topic}"


def consumer_group(service: str, stream: Stream, prefix: str = "") -> str:
    """The group id of ``service`` reading ``stream`` in the deployment whose topics start with ``prefix``.

    Prefixed like the topics, so deployments (or test runs) sharing a cluster never join each other's groups.
    """
    return f"{prefix}lienthong.{consumer_name(service, stream)}"


def check_table(service: str, table: StreamTable) -> None:
    """Refuse a table with a handler for an event its stream does not carry, or a carried event with none."""
    for stream, handlers in table.items():
        carried = {t.model for t in stream.events}
        if set(handlers) != carried:
            missing = sorted(m.__name__ for m in carried - set(handlers))
            foreign = sorted(m.__name__ for m in set(handlers) - carried)
            raise ValueError(f"{service} on {stream.topic}: no handler for {missing}, not on the stream: {foreign}")
        if service not in stream.consumers:
            raise ValueError(f"{service} consumes {stream.topic}, whose consumers are {stream.consumers}")


def subscribe(
    broker: KafkaBroker, service: str, table: StreamTable, prefix: str, runner: EventRunner, *, workers: int = 1
) -> None:
    """One subscriber per stream on ``broker``, one filtered call per event type.

    ``workers`` consumers of the stream's group run in this process, each on its own partitions, so a
    dossier whose handler is slow or waits on a lock holds back only its own partition, not the stream.
    """
    check_table(service, table)
    for stream, handlers in table.items():
        name = consumer_name(service, stream)
        subscriber = broker.subscriber(
            # The deployment's administrator creates the topics; a service's ACLs do not let it.
            Topic(prefix + stream.topic, declare=False),
            group_id=consumer_group(service, stream, prefix),
            ack_policy=AckPolicy.ACK,  # commit after the handler's transaction, never before
            auto_offset_reset="earliest",
            max_workers=workers,
            parser=parse_leniently,  # unreadable headers reach the dead-letter middleware instead of failing here
            title=f"{stream.topic} (consumed by {service})",
            description=stream.description,
        )
        carried = frozenset(t.ce_type for t in stream.events)
        for n, (model, handler) in enumerate(handlers.items()):
            ce_type = event_type_of(model).ce_type
            subscriber(
                _call(model, handler, name, runner, broker),
                filter=_takes(ce_type, carried if n == 0 else None),
            )


def _takes(ce_type: str, carried: frozenset[str] | None) -> Callable[[StreamMessage[Any]], bool]:
    """The filter of ``ce_type``'s handler; with ``carried``, also every message no handler would take.

    Every message must reach the middlewares' handler scope, where the dead-letter policy
    dead-letters what cannot be handled (unreadable headers, a missing or foreign ``ce_type``)
    and the offset is committed with it; a message no filter took would be committed only
    with the next one.
    """

    def matches(message: StreamMessage[Any]) -> bool:
        found = message.headers.get("ce_type")
        if found == ce_type:
            return True
        return carried is not None and (found not in carried or getattr(message, UNREADABLE, None) is not None)

    matches.__name__ = f"ce_type == {ce_type}" + (" or no other handler's" if carried is not None else "")
    return matches


def _call(
    model: type[BaseEvent], handler: Handler, consumer: str, runner: EventRunner, broker: KafkaBroker
) -> Callable[..., Awaitable[None]]:
    """A FastStream handler decoding ``model`` (which the AsyncAPI document shows) and running ``handler``."""

    async def on_event(event: BaseEvent) -> None:
        # The id is read from the message in the context rather than declared as a Header dependency:
        # FastDepends resolves such a dependency in a worker thread, a thread hop for every message.
        # The broker's context is looked up now: an application built on the broker replaces it.
        message = broker.context.get_local("message")
        await runner.handle_once(consumer, UUID(message.headers["ce_id"]), event, handler)

    # FastStream decodes the body from the signature, as ``model``.
    on_event.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("event", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=model)],
        return_annotation=None,
    )
    on_event.__name__ = f"on_{model.__name__}"
    on_event.__qualname__ = on_event.__name__
    on_event.__doc__ = f"{model.__name__}: {model.__doc__ or ''}".strip()
    return on_event
