"""Consumer failure policy: malformed messages and exhausted retries go to ``<topic>.dlq``.

A message is malformed when its CloudEvents headers are wrong for the topic or its
body cannot be decoded into the event model: it is dead-lettered at once. Any other
error is retried with backoff, a few times, before the message is dead-lettered. In
both cases the consumer acknowledges the message and carries on with the next one.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from faststream import BaseMiddleware, StreamMessage
from faststream._internal.context.repository import ContextRepo
from pydantic import ValidationError

from shared.contracts import TOPICS, EventType, dead_letter_topic
from shared.contracts.cloudevents import MalformedEventError, parse_headers
from shared.contracts.topics import DEAD_LETTER_SUFFIX

log = logging.getLogger(__name__)

PublishRaw = Callable[[bytes, str, bytes | None, dict[str, str]], Awaitable[Any]]
"""``publish(body, topic, key, headers)`` used to write a dead letter."""


class DeadLetterPolicy:
    """Broker middleware factory; ``bind`` gives it the publisher once the broker exists."""

    def __init__(self, *, service: str, prefix: str, attempts: int, backoff_seconds: float = 0.2) -> None:
        self.service = service
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self._event_types: dict[str, EventType] = {prefix + t.topic: t for t in TOPICS}
        self._publish: PublishRaw | None = None

    def bind(self, publish: PublishRaw) -> None:
        self._publish = publish

    def expected_event(self, topic: str) -> EventType | None:
        return self._event_types.get(topic)

    async def dead_letter(self, msg: StreamMessage[Any], error: BaseException, attempts: int) -> None:
        assert self._publish is not None, "DeadLetterPolicy.bind was not called"
        record = msg.raw_message
        topic = str(getattr(record, "topic", ""))
        headers = {str(k): str(v) for k, v in msg.headers.items()}
        headers |= {
            "dlq_error": f"{type(error).__name__}: {error}"[:2000],
            "dlq_original_topic": topic,
            "dlq_original_partition": str(getattr(record, "partition", "")),
            "dlq_original_offset": str(getattr(record, "offset", "")),
            "dlq_consumer": self.service,
            "dlq_attempts": str(attempts),
            "dlq_failed_at": datetime.now(UTC).isoformat(),
        }
        key = getattr(record, "key", None)
        await self._publish(msg.body, dead_letter_topic(topic), key, headers)
        log.error(
            "dead-lettered %s partition %s offset %s: %s",
            topic,
            headers["dlq_original_partition"],
            headers["dlq_original_offset"],
            headers["dlq_error"],
        )

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> "DeadLetterMiddleware":
        return DeadLetterMiddleware(msg, context=context, policy=self)


class DeadLetterMiddleware(BaseMiddleware):
    """Wraps one message's processing with the :class:`DeadLetterPolicy`."""

    def __init__(self, msg: Any, /, *, context: ContextRepo, policy: DeadLetterPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]) -> Any:
        if str(getattr(msg.raw_message, "topic", "")).endswith(DEAD_LETTER_SUFFIX):
            return await call_next(msg)  # readers of dead letters get them as they are
        try:
            self._check_envelope(msg)
        except MalformedEventError as error:
            await self.policy.dead_letter(msg, error, attempts=0)
            return None
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return await call_next(msg)
            except (MalformedEventError, ValidationError, json.JSONDecodeError, UnicodeDecodeError) as error:
                await self.policy.dead_letter(msg, error, attempts=attempt)
                return None
            except Exception as error:
                if attempt == self.policy.attempts:
                    await self.policy.dead_letter(msg, error, attempts=attempt)
                    return None
                log.warning("handler failed (attempt %d): %r; retrying", attempt, error)
                await asyncio.sleep(self.policy.backoff_seconds * 4 ** (attempt - 1))
        return None

    def _check_envelope(self, msg: StreamMessage[Any]) -> None:
        topic = str(getattr(msg.raw_message, "topic", ""))
        event_type = self.policy.expected_event(topic)
        if event_type is not None:
            parse_headers({str(k): str(v) for k, v in msg.headers.items()}, event_type.model)
