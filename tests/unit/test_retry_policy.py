"""The one retry policy (shared.kernel.retry): exponential, capped, jittered, with an optional number of tries."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.retry import RetryPolicy


@given(st.integers(min_value=1, max_value=200), st.integers(min_value=0, max_value=2**32))
def test_delays_grow_from_the_base_to_the_cap_with_jitter(failures: int, seed: int) -> None:
    delay = RetryPolicy(2.0, 60.0).delay(failures, random.Random(seed))
    ceiling = min(60.0, 2.0 * 2 ** (failures - 1))

    assert ceiling / 2 <= delay <= ceiling


def test_delays_are_spread_so_failed_rows_do_not_return_together() -> None:
    rng = random.Random(7)
    delays = {round(RetryPolicy(2.0, 600.0).delay(5, rng), 3) for _ in range(50)}

    assert len(delays) > 40


def test_failures_count_from_one() -> None:
    with pytest.raises(ValueError, match="counts from 1"):
        RetryPolicy(1, 2).delay(0)


def test_a_policy_with_attempts_gives_up_after_that_many_and_one_without_never() -> None:
    assert [RetryPolicy(1, 2, attempts=3).gives_up_after(n) for n in (1, 2, 3, 4)] == [False, False, True, True]
    assert not RetryPolicy(1, 2).gives_up_after(10_000)


@pytest.mark.parametrize(("base", "cap", "attempts"), [(0, 1, None), (2, 1, None), (1, 2, 0)])
def test_a_policy_that_cannot_work_is_refused(base: float, cap: float, attempts: int | None) -> None:
    with pytest.raises(ValueError, match=r"need 0 < base_seconds|attempts counts from 1"):
        RetryPolicy(base, cap, attempts)
