"""The one retry policy: exponential backoff, capped, with jitter, and an optional number of tries.

Used wherever lienthong tries something again: a consumer's handler, a worker's failed pass,
a message to a provider, a population-database check. A failing system is asked less and less
often, and many waiting rows or instances do not all come back at the same moment.
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait after each failure in a row, and after how many tries to give up.

    The ceiling doubles with each failure from ``base_seconds`` up to ``cap_seconds``; the delay
    is drawn uniformly from its upper half ("equal jitter"), so it never drops to zero.
    ``attempts`` None means the policy never gives up.
    """

    base_seconds: float
    cap_seconds: float
    attempts: int | None = None

    def __post_init__(self) -> None:
        if self.base_seconds <= 0 or self.cap_seconds < self.base_seconds:
            raise ValueError(f"need 0 < base_seconds <= cap_seconds, got {self.base_seconds}, {self.cap_seconds}")
        if self.attempts is not None and self.attempts < 1:
            raise ValueError(f"attempts counts from 1, got {self.attempts}")

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (1 for the first)."""
        if failures < 1:
            raise ValueError(f"failures counts from 1, got {failures}")
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** min(failures - 1, 62))
        return (rng or random).uniform(ceiling / 2, ceiling)

    def gives_up_after(self, failures: int) -> bool:
        """True when ``failures`` tries have failed and no other may be made."""
        return self.attempts is not None and failures >= self.attempts
