"""Offsets committed in batches: a handled message's offset is recorded at once and committed with the next ones.

FastStream acknowledges each message by calling its consumer's ``commit()`` once the handler's
transaction has committed (or the message was dead-lettered). Committing to Kafka there is a
round trip per message that the partition's next message waits for (about 8.5 ms each under load,
measured in issue 16). :class:`BatchCommitConsumer` answers that call by recording the consumed
positions — every message up to them is handled, since a consumer handles its messages one after
the other — and commits them to the group coordinator every ``commit_every`` messages, or
``commit_interval_seconds`` after the first one not yet committed, before its partitions are revoked
in a rebalance, and when it stops.

Why this is safe: each event's effects and its inbox row commit in one PostgreSQL transaction, so a
message delivered again after a crash (at most the interval's worth, per partition) finds its inbox
row and changes nothing. What is never done: committing a position past a message not yet handled —
a position is recorded only after its handler's outcome, and a nack seeks back before anything more
is recorded — or past one whose effects are not committed: a consumer whose events share a
transaction (:attr:`BatchCommitConsumer.effects`, see ``consumer_transactions.py``) has it committed
before its offsets. If that commit fails the offsets wait, and are tried again with backoff; when the
partitions are taken away or the consumer stops, the uncommitted events are dropped with their
offsets, to be delivered again.
"""

import asyncio
import contextlib
import logging
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from shared.kernel.retry import RetryPolicy

log = logging.getLogger(__name__)

_RETRY_CAP_SECONDS = 5.0
"""The longest wait between two tries of a commit whose consumed effects could not be committed."""


class ConsumedEffects(Protocol):
    """What a consumer's handled messages changed and did not commit yet (their shared transaction)."""

    async def commit(self) -> None: ...

    async def discard(self) -> None: ...

    async def close(self) -> None: ...


class BatchCommitConsumer(AIOKafkaConsumer):  # type: ignore[misc]
    """An aiokafka consumer whose plain ``commit()`` is batched (see the module); ``commit(offsets)`` is unchanged."""

    def __init__(self, *topics: str, commit_every: int, commit_interval_seconds: float, **kwargs: Any) -> None:
        super().__init__(*topics, **kwargs)
        self.commit_every = commit_every
        self.commit_interval_seconds = commit_interval_seconds
        self._pending: dict[TopicPartition, int] = {}
        self._handled = 0
        self._timer: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()
        self._failures = 0
        self._retry = RetryPolicy(
            base_seconds=commit_interval_seconds, cap_seconds=max(_RETRY_CAP_SECONDS, commit_interval_seconds)
        )
        self.effects: ConsumedEffects | None = None
        """The open transaction of this consumer's events, committed before its offsets; set by the runtime."""

    @property
    def pending(self) -> dict[TopicPartition, int]:
        """The positions recorded and not committed yet."""
        return dict(self._pending)

    async def commit(self, offsets: Any = None) -> None:
        if offsets is not None or self.commit_every <= 1:
            if self.effects is not None:
                await self.effects.commit()
            await super().commit(offsets)
            return
        assignment = self._subscription.subscription.assignment if self._subscription.subscription else None
        if assignment is None:
            raise IllegalStateError("No partitions assigned")
        self._pending.update({tp: consumed.offset for tp, consumed in assignment.all_consumed_offsets().items()})
        self._handled += 1
        if self._handled >= self.commit_every:
            await self.flush()
        elif self._timer is None or self._timer.done():
            self._timer = asyncio.create_task(self._flush_later(), name="lienthong-offset-commit")

    async def flush(self, *, leaving: bool = False) -> None:
        """Commit the recorded positions of the partitions still assigned; a transient failure keeps them for later.

        ``leaving``: the partitions are being taken away (or the consumer stops), so what cannot be
        committed now is dropped and delivered again, to whichever consumer gets them.
        """
        async with self._flushing:
            if not self._pending:
                return
            if not await self._commit_effects(leaving=leaving):
                return
            recorded, self._pending, self._handled = self._pending, {}, 0
            assigned = self.assignment()
            offsets = {tp: offset for tp, offset in recorded.items() if tp in assigned}
            if not offsets:
                return
            try:
                await super().commit(offsets)
            except (CommitFailedError, IllegalStateError) as lost:
                # The partitions moved to another member: it starts from the last commit, and the inbox
                # skips what this one handled since.
                log.info("offsets not committed, the partitions were reassigned: %r", lost)
            except KafkaError as error:
                for tp, offset in offsets.items():  # newer positions recorded meanwhile win
                    self._pending.setdefault(tp, offset)
                log.warning("offset commit failed (%r); kept for the next one", error)

    async def _commit_effects(self, *, leaving: bool) -> bool:
        """Commit the consumed effects first; False (offsets kept, or dropped when ``leaving``) if that failed."""
        if self.effects is None:
            return True
        try:
            await self.effects.commit()
        except Exception as error:
            if leaving:
                await self.effects.discard()
                self._pending, self._handled = {}, 0
                log.warning("consumed effects not committed before leaving (%r); they will be delivered again", error)
                return False
            self._failures += 1
            delay = self._retry.delay(self._failures)
            log.warning("consumed effects not committed (%r); offsets kept, trying again in %.2fs", error, delay)
            self._timer = asyncio.create_task(self._flush_later(delay), name="lienthong-offset-commit")
            return False
        self._failures = 0
        return True

    async def _flush_later(self, delay: float | None = None) -> None:
        await asyncio.sleep(self.commit_interval_seconds if delay is None else delay)
        await self.flush()

    def subscribe(
        self, topics: Any = (), pattern: str | None = None, listener: ConsumerRebalanceListener | None = None
    ) -> None:
        super().subscribe(topics, pattern=pattern, listener=_FlushBeforeRevoke(self, listener))

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        with contextlib.suppress(KafkaError, IllegalStateError):
            await self.flush(leaving=True)
        if self.effects is not None:
            await self.effects.close()
        await super().stop()


class _FlushBeforeRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits the recorded positions before a rebalance takes partitions away, then calls ``inner``."""

    def __init__(self, consumer: BatchCommitConsumer, inner: ConsumerRebalanceListener | None) -> None:
        self.consumer = consumer
        self.inner = inner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.consumer.flush(leaving=True)
        if self.inner is not None:
            await _maybe_await(self.inner.on_partitions_revoked(revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if self.inner is not None:
            await _maybe_await(self.inner.on_partitions_assigned(assigned))


async def _maybe_await(result: Any) -> None:
    if asyncio.iscoroutine(result):
        await result
