"""Day overrides: decisions the ``holidays`` package does not know (yet)."""

from dataclasses import dataclass
from datetime import date
from typing import Literal

OverrideKind = Literal["off", "on"]


@dataclass(frozen=True)
class DayOverride:
    """One decision about one day.

    ``off``: an extra non-working day on a Monday-Friday (e.g. a day given off by a
    government swap). ``on``: a working day whatever the ``holidays`` package says: a
    Saturday or Sunday made a working day by a swap, or a Monday-Friday the package
    wrongly gives off (a holiday it adds that the government did not grant).
    ``decision`` names the document that set it; ``reason`` says why, for people.
    """

    day: date
    kind: OverrideKind
    reason: str
    decision: str
