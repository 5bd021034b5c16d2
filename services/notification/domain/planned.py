"""A delivery planned for one status change: a message to the applicant, or the portal's record."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlannedDelivery:
    channel: str
    recipient: str
    message: str
    subject: str | None = None
    record: dict[str, Any] | None = None
    """The structured body, for the national portal."""
    fallback_of: int | None = None
    """The delivery it replaces, when it is the fallback of one dead-lettered."""
