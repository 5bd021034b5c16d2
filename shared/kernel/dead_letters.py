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
from types import TracebackType
from typing import Any

from faststream import BaseMiddleware, StreamMessage
from faststream._internal.context.repository import ContextRepo
from faststream.exceptions import SubscriberNotFound
from pydantic import ValidationError

from shared.contracts import STREAMS, Stream, dead_letter_topic
from shared.contracts.cloudevents import MalformedEventError, parse_headers
from shared.contracts.streams import DEAD_LETTER_SUFFIX
from shared.kernel.retry import RetryPolicy

log = logging.getLogger(__name__)

PublishRaw = Callable[[bytes, str, bytes | None, dict[str, str]], Awaitable[Any]]
"""``publish(body, topic, key, headers)`` used to write a dead letter."""


class DeadLetterPolicy:
    """Broker middleware factory; ``bind`` gives it the publisher once the broker exists."""

    def __init__(self, *, service: str, prefix: str, retry: RetryPolicy) -> None:
        self.service = service
        self.retry = retry
        self._streams: dict[str, Stream] = {prefix + s.topic: s for s in STREAMS}
        self._publish: PublishRaw | None = None

    def bind(self, publish: PublishRaw) -> None:
        self._publish = publish

    def stream(self, topic: str) -> Stream | None:
        return self._streams.get(topic)

    async def dead_letter(self, msg: StreamMessage[Any], error: BaseException, attempts: int) -> None:
        """Dead-letter a decoded message (its handler failed, or its envelope or body is malformed)."""
        headers = {str(k): str(v) for k, v in msg.headers.items()}
        await self._dead_letter(msg.raw_message, msg.body, headers, error, attempts)

    async def dead_letter_record(self, record: Any, error: BaseException) -> None:
        """Dead-letter a raw Kafka record that no handler of its stream matched."""
        headers = {str(k): (v or b"").decode("utf-8", "replace") for k, v in getattr(record, "headers", ())}
        await self._dead_letter(record, getattr(record, "value", b"") or b"", headers, error, attempts=0)

    async def _dead_letter(
        self, record: Any, body: bytes, headers: dict[str, str], error: BaseException, attempts: int
    ) -> None:
        assert self._publish is not None, "DeadLetterPolicy.bind was not called"
        topic = str(getattr(record, "topic", ""))
        headers = dict(headers)
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
        await self._publish(body, dead_letter_topic(topic), key, headers)
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
        attempt = 0
        while True:
            attempt += 1
            try:
                return await call_next(msg)
            except (MalformedEventError, ValidationError, json.JSONDecodeError, UnicodeDecodeError) as error:
                await self.policy.dead_letter(msg, error, attempts=attempt)
                return None
            except Exception as error:
                if self.policy.retry.gives_up_after(attempt):
                    await self.policy.dead_letter(msg, error, attempts=attempt)
                    return None
                delay = self.policy.retry.delay(attempt)
                log.warning("handler failed (attempt %d): %r; retrying in %.2fs", attempt, error, delay)
                await asyncio.sleep(delay)

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool:
        """A message no handler of its stream takes (no or unknown ``ce_type``) is dead-lettered, not retried."""
        if not isinstance(exc_val, SubscriberNotFound):
            return False
        headers = {str(k): (v or b"").decode("utf-8", "replace") for k, v in getattr(self.msg, "headers", ())}
        try:
            self._check_headers(str(getattr(self.msg, "topic", "")), headers)
            error: Exception = MalformedEventError(f"no handler takes ce_type {headers.get('ce_type')!r}")
        except MalformedEventError as malformed:
            error = malformed
        await self.policy.dead_letter_record(self.msg, error)
        return True

    def _check_envelope(self, msg: StreamMessage[Any]) -> None:
        self._check_headers(
            str(getattr(msg.raw_message, "topic", "")), {str(k): str(v) for k, v in msg.headers.items()}
        )

    def _check_headers(self, topic: str, headers: dict[str, str]) -> None:
        stream = self.policy.stream(topic)
        if stream is not None:
            parse_headers(headers, stream)
