"""Failed lookups counted per client address, so dossier codes and lookup secrets cannot be guessed at speed.

A moving window (the ``limits`` library's): at most ``failures`` failed lookups from one
address in any ``per_seconds``; past that, every lookup from the address is refused until the
oldest failure leaves the window, a right secret included (or a refusal would stop telling the
guesser nothing). Successful lookups are not counted. The counts live in the process: each
instance of intake limits on its own, and a restart forgets them.
"""

import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter


class FailedLookups:
    """The failed lookups of each client address in the last ``per_seconds`` seconds."""

    def __init__(self, failures: int, per_seconds: int = 60) -> None:
        self._limit = RateLimitItemPerSecond(failures, per_seconds)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def wait_seconds(self, address: str) -> int | None:
        """Whole seconds until ``address`` may look up again (at least 1), or None when it may now."""
        if await self._limiter.test(self._limit, address):
            return None
        window = await self._limiter.get_window_stats(self._limit, address)
        return max(1, math.ceil(window.reset_time - time.time()))

    async def failed(self, address: str) -> None:
        """Count a failed lookup from ``address``."""
        await self._limiter.hit(self._limit, address)
