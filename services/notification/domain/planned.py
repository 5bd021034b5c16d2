"""A delivery planned for one event: a message to the applicant or a clerk, or the portal's record."""

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
    clerk_id: str | None = None
    """The clerk told, for a message about a deadline; None for the applicant and the portal."""
    language: str | None = None
    """The recipient's language, when not the applicant's."""
