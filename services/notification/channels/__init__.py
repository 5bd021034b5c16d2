"""The ways a message leaves lienthong: SMS gateway, SMTP, Zalo Official Account, and the national portal.

Every sender has the same shape (:class:`Sender`): it takes one :class:`Outgoing` message and answers
an ``Outcome`` (delivered, or failed for now or for good) instead of raising, so the delivery worker
treats every provider alike.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from services.notification.domain.delivery import Outcome


@dataclass(frozen=True)
class Outgoing:
    """One message to send."""

    key: str
    """Stable for one (event, channel): sent as the provider's idempotency key where it takes one."""
    address: str
    text: str
    subject: str | None = None
    record: dict[str, Any] | None = None
    """The structured body, for the national portal."""


class Sender(Protocol):
    """A configured provider of one channel."""

    name: str

    async def send(self, message: Outgoing) -> Outcome:
        """Hand ``message`` to the provider; never raises for provider or network failures."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
