"""Consumer failure policy: transient faults are waited out, what can never be handled goes to ``<topic>.dlq``.

Every message a kernel subscriber receives ends in exactly one of two ways: its handler
succeeds, or it is dead-lettered with the reason. Only then is its offset committed.

- Headers that cannot be read (a null value, a value that is not UTF-8), a malformed
  CloudEvents envelope, an unknown ``ce_type``, a body that does not decode into the event
  model: dead-lettered at once, without calling the handler.
- A handler failure is classified by :func:`shared.kernel.failures.classify`. Transient
  (database or broker unavailable, serialization failure, timeout): retried with the retry
  policy's capped backoff for as long as it lasts, never dead-lettered; the consumer stays on
  the message (its partition paused, the consumer still polling so that it keeps its place in
  the group) and stopping the service interrupts the wait at once without committing. Final
  (invalid data, a rule): dead-lettered at once. Unknown: dead-lettered after
  ``LIENTHONG_HANDLER_ATTEMPTS`` tries.
- A dead letter too big for the producer's size limit is published truncated, with
  ``dlq_truncated`` and the original size; ``dlq_original_topic``/``partition``/``offset``
  say where the whole message is. Publishing a dead letter is retried until it succeeds:
  nothing is acknowledged before it is handled or dead-lettered.
"""

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError, MessageSizeTooLargeError
from faststream import BaseMiddleware, StreamMessage
from faststream._internal.context.repository import ContextRepo
from faststream.exceptions import HandlerException, NackMessage, SubscriberNotFound

from shared.contracts import STREAMS, Stream, dead_letter_topic
from shared.contracts.cloudevents import MalformedEventError, parse_headers
from shared.contracts.streams import DEAD_LETTER_SUFFIX
from shared.kernel.failure_reasons import failure_reason
from shared.kernel.failures import Failure, classify
from shared.kernel.retry import RetryPolicy

log = logging.getLogger(__name__)

PublishRaw = Callable[[bytes, str, bytes | None, dict[str, str]], Awaitable[Any]]
"""``publish(body, topic, key, headers)`` used to write a dead letter."""

UNREADABLE = "lienthong_unreadable_headers"
"""Attribute :func:`parse_leniently` sets on a message whose headers could not be read: the reason."""

DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024
"""aiokafka's default ``max_request_size`` (Kafka's ``message.max.bytes`` is 1,048,588)."""

_SIZE_MARGIN = 4096
"""Bytes kept free under the limit for the record's framing and the headers FastStream adds."""

_POLL_SECONDS = 0.2
"""How often a waiting consumer polls (paused) and checks whether its service is stopping."""


def _always() -> bool:
    return True


def header_problems(headers: Iterable[tuple[str, bytes | None]]) -> list[str]:
    """What makes raw Kafka headers unreadable as text: null values and values that are not UTF-8."""
    problems = []
    for key, value in headers:
        if value is None:
            problems.append(f"header {key!r} has a null value")
            continue
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(f"header {key!r} is not valid UTF-8 ({error.reason} at byte {error.start})")
    return problems


def readable_headers(headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    """The headers as text: a null value becomes empty, bytes that are not UTF-8 become U+FFFD."""
    return {str(key): (value or b"").decode("utf-8", "replace") for key, value in headers}


async def parse_leniently(record: Any, parse: Callable[[Any], Awaitable[StreamMessage[Any]]]) -> StreamMessage[Any]:
    """FastStream's Kafka parser, except that unreadable headers mark the message instead of failing.

    FastStream decodes every header value as UTF-8 before any middleware sees the message;
    a null or non-UTF-8 value made it fail there, and the message was committed with the next
    one and lost. Here such a message is parsed with readable headers (see
    :func:`readable_headers`), keeps its raw record, and carries the reason in
    :data:`UNREADABLE` for the dead-letter middleware.
    """
    try:
        return await parse(record)
    except Exception as error:
        raw = list(getattr(record, "headers", ()) or ())
        problems = header_problems(raw)
        if not problems or not isinstance(record, ConsumerRecord):
            raise  # not a header problem: the middleware's after_processed dead-letters the raw record
        clean = [(key, value.encode()) for key, value in readable_headers(raw).items()]
        readable = dataclasses.replace(record, headers=clean)
        if hasattr(record, "consumer"):  # set by FastStream's per-partition subscribers
            setattr(readable, "consumer", record.consumer)  # noqa: B010 (not a field of the record)
        message = await parse(readable)
        message.raw_message = record
        setattr(message, UNREADABLE, "; ".join(problems))
        log.warning("unreadable headers on %s: %s (%s)", getattr(record, "topic", "?"), problems, failure_reason(error))
        return message


class DeadLetterPolicy:
    """Broker middleware factory; ``bind`` gives it the publisher once the broker exists."""

    def __init__(
        self,
        *,
        service: str,
        prefix: str,
        retry: RetryPolicy,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        self.service = service
        self.retry = retry
        self.max_message_bytes = max_message_bytes
        self._streams: dict[str, Stream] = {prefix + s.topic: s for s in STREAMS}
        self._publish: PublishRaw | None = None

    def bind(self, publish: PublishRaw) -> None:
        self._publish = publish

    def stream(self, topic: str) -> Stream | None:
        return self._streams.get(topic)

    async def dead_letter(
        self, msg: StreamMessage[Any], error: BaseException, attempts: int, *, running: Callable[[], bool] = _always
    ) -> None:
        """Dead-letter a parsed message (its handler failed, or its envelope, headers or body are malformed)."""
        headers = {str(k): str(v) for k, v in msg.headers.items()}
        await self._dead_letter(msg.raw_message, msg.body, headers, error, attempts, msg=msg, running=running)

    async def dead_letter_record(self, record: Any, error: BaseException) -> None:
        """Dead-letter a raw Kafka record that never reached a handler."""
        headers = readable_headers(getattr(record, "headers", ()) or ())
        await self._dead_letter(record, getattr(record, "value", b"") or b"", headers, error, attempts=0)

    async def _dead_letter(
        self,
        record: Any,
        body: bytes,
        headers: dict[str, str],
        error: BaseException,
        attempts: int,
        *,
        msg: StreamMessage[Any] | None = None,
        running: Callable[[], bool] = _always,
    ) -> None:
        assert self._publish is not None, "DeadLetterPolicy.bind was not called"
        topic = str(getattr(record, "topic", ""))
        reasons = {
            "dlq_error": failure_reason(error),
            "dlq_original_topic": topic,
            "dlq_original_partition": str(getattr(record, "partition", "")),
            "dlq_original_offset": str(getattr(record, "offset", "")),
            "dlq_original_size": str(len(body)),
            "dlq_consumer": self.service,
            "dlq_attempts": str(attempts),
            "dlq_failed_at": datetime.now(UTC).isoformat(),
        }
        key = getattr(record, "key", None)
        letters = iter(self._letters(body, headers | reasons, reasons, key))
        letter_body, letter_headers = next(letters)
        failures = 0
        while True:
            try:
                await self._publish(letter_body, dead_letter_topic(topic), key, letter_headers)
                break
            except MessageSizeTooLargeError as too_large:
                smaller = next(letters, None)
                if smaller is None:
                    raise
                log.warning("dead letter of %s too large (%s), publishing it truncated", topic, too_large)
                letter_body, letter_headers = smaller
            except Exception as publish_error:
                # Dead-lettering must not fail: the message would be committed with the next one.
                failures += 1
                delay = self.retry.delay(failures)
                log.error("cannot publish dead letter of %s (%r); retrying in %.2fs", topic, publish_error, delay)
                await wait(delay, msg, running)
        log.error(
            "dead-lettered %s partition %s offset %s: %s",
            topic,
            reasons["dlq_original_partition"],
            reasons["dlq_original_offset"],
            reasons["dlq_error"],
        )

    def _letters(
        self, body: bytes, headers: dict[str, str], reasons: dict[str, str], key: bytes | None
    ) -> Iterable[tuple[bytes, dict[str, str]]]:
        """The dead letter, whole if it fits under the size limit, then smaller and smaller versions."""
        overhead = len(key or b"") + sum(len(k.encode()) + len(v.encode()) + 8 for k, v in headers.items())
        room = self.max_message_bytes - _SIZE_MARGIN - overhead
        if len(body) <= room:
            yield body, headers
        truncated = {"dlq_truncated": "true"}
        if room > 0:
            yield body[:room], headers | truncated | {"dlq_kept_bytes": str(room)}
        # The original headers are what does not fit (or the topic's own limit is lower): keep the reasons only.
        kept = min(len(body), 16 * 1024)
        yield body[:kept], reasons | truncated | {"dlq_kept_bytes": str(kept), "dlq_headers_dropped": "true"}
        yield b"", reasons | truncated | {"dlq_kept_bytes": "0", "dlq_headers_dropped": "true"}

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> "DeadLetterMiddleware":
        return DeadLetterMiddleware(msg, context=context, policy=self)


class DeadLetterMiddleware(BaseMiddleware):
    """Wraps one message's processing with the :class:`DeadLetterPolicy`."""

    def __init__(self, msg: Any, /, *, context: ContextRepo, policy: DeadLetterPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy
        self.reached_handler = False

    def running(self) -> bool:
        """False once the subscriber is stopping: a wait for a transient fault ends then."""
        return bool(getattr(self.context.get_local("handler_"), "running", True))

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]) -> Any:
        self.reached_handler = True
        if str(getattr(msg.raw_message, "topic", "")).endswith(DEAD_LETTER_SUFFIX):
            return await call_next(msg)  # readers of dead letters get them as they are
        policy = self.policy
        try:
            if unreadable := getattr(msg, UNREADABLE, None):
                raise MalformedEventError(f"unreadable headers: {unreadable}")
            self._check_envelope(msg)
        except MalformedEventError as error:
            await policy.dead_letter(msg, error, attempts=0, running=self.running)
            return None
        attempt = unknown = 0
        while True:
            attempt += 1
            try:
                return await call_next(msg)
            except HandlerException:
                raise
            except Exception as error:
                kind = classify(error)
                unknown += kind is Failure.UNKNOWN
                if kind is Failure.FINAL or (kind is Failure.UNKNOWN and policy.retry.gives_up_after(unknown)):
                    await policy.dead_letter(msg, error, attempts=attempt, running=self.running)
                    return None
                delay = policy.retry.delay(attempt)
                log.warning(
                    "handler failed (%s, attempt %d): %s; retrying in %.2fs",
                    kind.value,
                    attempt,
                    failure_reason(error),
                    delay,
                )
                await wait(delay, msg, self.running)

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool:
        """A message that failed before reaching any handler is dead-lettered, not dropped.

        Kernel subscribers (:func:`shared.kernel.consumers.subscribe`) bring every message to
        :meth:`consume_scope`; this catches what other subscribers cannot parse or match.
        """
        if exc_val is None or self.reached_handler or isinstance(exc_val, HandlerException):
            return False
        if not isinstance(exc_val, Exception):  # cancelled: not handled, not committed
            return False
        topic = str(getattr(self.msg, "topic", ""))
        if topic.endswith(DEAD_LETTER_SUFFIX):
            return False
        raw = list(getattr(self.msg, "headers", ()) or ())
        error: Exception
        if problems := header_problems(raw):
            error = MalformedEventError(f"unreadable headers: {'; '.join(problems)}")
        elif isinstance(exc_val, SubscriberNotFound):
            headers = readable_headers(raw)
            try:
                self._check_headers(topic, headers)
                error = MalformedEventError(f"no handler takes ce_type {headers.get('ce_type')!r}")
            except MalformedEventError as malformed:
                error = malformed
        else:
            error = MalformedEventError(f"cannot parse the message: {failure_reason(exc_val)}")
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


async def wait(seconds: float, msg: StreamMessage[Any] | None, running: Callable[[], bool]) -> None:
    """Wait ``seconds`` on the message being handled, keeping the consumer in its group.

    The message's partitions are paused and the consumer polls them (getting nothing), so
    aiokafka does not count it idle past ``max_poll_interval_ms`` and leave the group while
    a transient fault lasts. When the subscriber stops, the wait ends with
    :class:`~faststream.exceptions.NackMessage`: the consumer seeks back to the message and
    commits nothing past it.
    """
    consumer = getattr(msg, "consumer", None)
    records = getattr(msg, "raw_message", ())
    records = records if isinstance(records, tuple) else (records,)
    partitions = {TopicPartition(r.topic, r.partition) for r in records if hasattr(r, "partition")}
    deadline = time.monotonic() + seconds
    while True:
        if not running():
            raise NackMessage()
        left = deadline - time.monotonic()
        if left <= 0:
            return
        if isinstance(consumer, AIOKafkaConsumer) and partitions:
            await _poll_paused(consumer, partitions, min(left, _POLL_SECONDS))
        else:
            await asyncio.sleep(min(left, _POLL_SECONDS))


async def _poll_paused(consumer: AIOKafkaConsumer, partitions: set[TopicPartition], seconds: float) -> None:
    held = partitions & consumer.assignment()
    started = time.monotonic()
    try:
        consumer.pause(*held)
        got = await consumer.getmany(*held, timeout_ms=int(seconds * 1000)) if held else {}
    except KafkaError as error:
        log.debug("poll while waiting failed: %r", error)
        got = {}
    finally:
        assigned = consumer.assignment()
        for tp in held & assigned:
            consumer.resume(tp)
    for tp, records in got.items():  # after a rebalance a partition may come back unpaused: give its records back
        if records and tp in assigned:
            consumer.seek(tp, records[0].offset)
    await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
