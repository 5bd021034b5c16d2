"""How long to wait before trying again: exponential, capped, with jitter.

Used wherever lienthong retries a call to another system (message providers, the national
portal, the population database) from a scheduled table, so a failing system is asked less
and less often and many waiting rows do not all come back at the same moment.
"""

import random


def retry_delay(failures: int, *, base_seconds: float, cap_seconds: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``failures``-th failure in a row (1 for the first).

    The ceiling doubles with each failure from ``base_seconds`` up to ``cap_seconds``; the delay
    is drawn uniformly from its upper half ("equal jitter"), so it never drops to zero.
    """
    if failures < 1:
        raise ValueError(f"failures counts from 1, got {failures}")
    ceiling = min(cap_seconds, base_seconds * 2 ** min(failures - 1, 62))
    return (rng or random).uniform(ceiling / 2, ceiling)
