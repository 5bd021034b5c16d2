"""Events about the services' journals: a closed day sealed, for the public board's daily root."""

from datetime import date, datetime

from pydantic import Field

from shared.contracts.events import ServiceEvent

SEALING_SERVICES = ("intake", "routing", "department", "notification")
"""The services that seal their journal each day; the board's root of a day needs all of them."""


class JournalDaySealed(ServiceEvent):
    """A service sealed a closed local day (Asia/Ho_Chi_Minh) of its journal.

    ``root`` is SHA-256 over the sorted ``chain:head_hash`` lines of every chain's last entry
    recorded before ``until``; the department combines the roots of every sealing service into
    the day's root on the public board. No personal data: hashes and counts only.
    """

    day: date = Field(description="The local day sealed.")
    until: datetime = Field(description="The instant the day ended: entries recorded before it are covered.")
    root: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 (hex) over the chains' heads at the day's end.")
    chains: int = Field(ge=0, description="How many chains the root covers.")
    entries: int = Field(ge=0, description="How many entries those chains held at the day's end.")
    sealed_at: datetime
