"""What happens after a try to deliver: done, try again later, or dead-lettered."""

import random
from dataclasses import dataclass

from shared.kernel.retry import RetryPolicy


@dataclass(frozen=True)
class Delivered:
    provider_ref: str | None


@dataclass(frozen=True)
class SendFailed:
    error: str
    permanent: bool
    """The provider refused the message itself (bad number, rejected address): trying again cannot help."""


Outcome = Delivered | SendFailed


@dataclass(frozen=True)
class Finished:
    provider_ref: str | None


@dataclass(frozen=True)
class RetryLater:
    delay_seconds: float
    error: str


@dataclass(frozen=True)
class DeadLettered:
    error: str


Step = Finished | RetryLater | DeadLettered


def next_step(policy: RetryPolicy, outcome: Outcome, attempts_made: int, rng: random.Random | None = None) -> Step:
    """The next step for a delivery whose ``attempts_made``-th try ended with ``outcome``."""
    match outcome:
        case Delivered(provider_ref):
            return Finished(provider_ref)
        case SendFailed(error, permanent=True):
            return DeadLettered(f"refused by the provider: {error}")
        case SendFailed(error) if policy.gives_up_after(attempts_made):
            return DeadLettered(f"gave up after {attempts_made} attempts: {error}")
        case SendFailed(error):
            return RetryLater(policy.delay(attempts_made, rng), error)
    raise AssertionError(f"unexpected outcome {outcome!r}")
