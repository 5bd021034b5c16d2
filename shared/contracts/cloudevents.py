"""CloudEvents 1.0 in Kafka binary mode: the ``ce_*`` headers around an event body."""

from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.contracts.events import BaseEvent
from shared.contracts.streams import EventType, Stream, event_type_of
from shared.contracts.validation_reasons import validation_reason

E = TypeVar("E", bound=BaseEvent)

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


class MalformedEventError(ValueError):
    """A message whose headers or body do not make a valid event."""


class CloudEventHeaders(BaseModel):
    """The CloudEvents attributes, as Kafka headers (binary content mode)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    specversion: str = Field(alias="ce_specversion", pattern=r"^1\.0$")
    id: UUID = Field(alias="ce_id")
    type: str = Field(alias="ce_type", min_length=1)
    source: str = Field(alias="ce_source", min_length=1)
    time: datetime = Field(alias="ce_time")
    subject: str = Field(alias="ce_subject", min_length=1)

    def as_kafka_headers(self) -> dict[str, str]:
        return {
            "ce_specversion": self.specversion,
            "ce_id": str(self.id),
            "ce_type": self.type,
            "ce_source": self.source,
            "ce_time": self.time.isoformat(),
            "ce_subject": self.subject,
            "content-type": CONTENT_TYPE,
        }


def headers_for(event: BaseEvent, *, source: str, event_id: UUID | None = None) -> CloudEventHeaders:
    """Envelope for a new event sent by ``source`` (the service name)."""
    return CloudEventHeaders.model_validate(
        {
            "ce_specversion": SPEC_VERSION,
            "ce_id": event_id or uuid4(),
            "ce_type": event_type_of(type(event)).ce_type,
            "ce_source": source,
            "ce_time": datetime.now(UTC),
            "ce_subject": event.subject,
        }
    )


def parse_headers(headers: dict[str, str], stream: Stream) -> tuple[CloudEventHeaders, EventType]:
    """Read and check the envelope of a message received on ``stream``, and which event type it is.

    A ``ce_type`` the stream does not carry is malformed: no consumer of the stream can handle it.
    """
    try:
        envelope = CloudEventHeaders.model_validate(headers)
    except ValidationError as error:
        raise MalformedEventError(f"bad CloudEvents headers: {validation_reason(error)}") from error
    event_type = stream.carries(envelope.type)
    if event_type is None:
        carried = ", ".join(repr(t.ce_type) for t in stream.events)
        raise MalformedEventError(f"ce_type {envelope.type!r} is not carried by stream {stream.topic} ({carried})")
    return envelope, event_type


def parse_body(body: bytes, model: type[E]) -> E:
    """Decode a received event body, naming what is wrong when it cannot."""
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise MalformedEventError(f"bad {model.__name__} body: {validation_reason(error)}") from error
