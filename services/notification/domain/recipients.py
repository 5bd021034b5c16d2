"""Which channels reach the applicant, and where a message goes when its channel fails for good."""

from dataclasses import dataclass

from shared.contracts import Applicant, Channel

DEFAULT_ORDER = (Channel.SMS, Channel.EMAIL, Channel.ZALO)

FALLBACKS: dict[Channel, Channel] = {Channel.SMS: Channel.EMAIL}
"""An SMS that fails for good is sent by e-mail instead (when the applicant gave an address)."""


@dataclass(frozen=True)
class Recipient:
    channel: Channel
    address: str
    """Phone number, e-mail address or Zalo user id."""


def address_on(applicant: Applicant, channel: Channel) -> str | None:
    """The applicant's contact on ``channel``, if they gave one."""
    match channel:
        case Channel.SMS:
            return applicant.phone
        case Channel.EMAIL:
            return applicant.email
        case Channel.ZALO:
            return applicant.zalo_user_id


def recipients_of(applicant: Applicant, configured: frozenset[Channel]) -> list[Recipient]:
    """The applicant's chosen channels (every one with a contact when none is chosen) that are configured.

    When none of the chosen channels can be used, the first configured channel with a contact
    is used instead, so an applicant who gave any usable contact is always told.
    """

    def usable(channels: tuple[Channel, ...]) -> list[Recipient]:
        found = ((c, address_on(applicant, c)) for c in channels if c in configured)
        return [Recipient(channel, address) for channel, address in found if address]

    chosen = usable(applicant.channels or DEFAULT_ORDER)
    return chosen or usable(DEFAULT_ORDER)[:1]


def fallback_of(applicant: Applicant, channel: Channel, configured: frozenset[Channel]) -> Recipient | None:
    """Where a message that failed for good on ``channel`` goes instead, if anywhere."""
    other = FALLBACKS.get(channel)
    if other is None or other not in configured:
        return None
    address = address_on(applicant, other)
    return Recipient(other, address) if address else None


def masked(channel: str, address: str) -> str:
    """Enough of a contact for a clerk or operator to recognise it, never the whole of it."""
    if channel == Channel.EMAIL:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    if channel in (Channel.SMS, Channel.ZALO):
        return f"{address[:3]}***{address[-3:]}" if len(address) > 6 else "***"
    return address
