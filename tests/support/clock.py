"""A clock a test sets by hand, for the workers that ask what time it is."""

from datetime import datetime


class Clock:
    """The worker's idea of now: ``clock()`` answers ``clock.now``, which the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
