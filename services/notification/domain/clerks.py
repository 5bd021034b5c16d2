"""Which clerks a deadline event tells: the claimant, a unit's supervisors or head, the province's one-stop supervisors.

The clerks and their contacts come from the deployment's clerk contacts file (personal data:
addresses stay in the deliveries table, never in the journal or a log line). Roles there are
the token's roles (``supervisor``, ``handler``, …) and ``head``: the unit's head (the director of
a provincial department, the commune People's Committee chair for a commune section).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.contracts import Channel
from shared.reference.escalation import Audience

SUPERVISOR = "supervisor"
HEAD = "head"
ONE_STOP_KIND = "TTPVHCC"
"""The kind code of a province's Public Administration Service Centre: its unit is ``<province>.TTPVHCC``."""


@dataclass(frozen=True)
class ClerkContact:
    """A clerk who may be told of deadlines: their contacts and their roles in each unit."""

    clerk_id: str
    units: Mapping[str, frozenset[str]]
    email: str | None = None
    zalo_user_id: str | None = None
    language: str = "vi"

    def addresses(self) -> list[tuple[Channel, str]]:
        """Each channel the clerk can be reached on, with the address."""
        found = [(Channel.EMAIL, self.email), (Channel.ZALO, self.zalo_user_id)]
        return [(channel, address) for channel, address in found if address]


@dataclass(frozen=True)
class ClerkDirectory:
    """Every clerk with a configured contact."""

    clerks: Mapping[str, ClerkContact] = field(default_factory=dict)

    def holding(self, unit: str, role: str) -> list[ClerkContact]:
        """The clerks with ``role`` in ``unit``, by clerk id."""
        return [c for _, c in sorted(self.clerks.items()) if role in c.units.get(unit, frozenset())]

    def claimant(self, clerk_id: str | None) -> list[ClerkContact]:
        """The clerk holding the task, when one does and has a contact."""
        found = self.clerks.get(clerk_id) if clerk_id else None
        return [found] if found else []


def one_stop_unit(province: str) -> str:
    """The unit of the province's Public Administration Service Centre, e.g. ``40.TTPVHCC``."""
    return f"{province}.{ONE_STOP_KIND}"


def warned(directory: ClerkDirectory, *, unit: str, claimed_by: str | None) -> list[ClerkContact]:
    """Who hears of a deadline warning: the task's claimant and the unit's supervisors, each once."""
    return _once(directory.claimant(claimed_by) + directory.holding(unit, SUPERVISOR))


def escalated_to(directory: ClerkDirectory, audience: str, *, unit: str, province: str | None) -> list[ClerkContact]:
    """Who an escalation step tells (the ladder's audiences, ``shared/reference/escalation.yaml``).

    An audience this service does not know tells nobody (the caller logs it): a newer ladder
    must not stop the stream.
    """
    if audience == Audience.UNIT_SUPERVISORS:
        return directory.holding(unit, SUPERVISOR)
    if audience == Audience.UNIT_HEAD:
        return directory.holding(unit, HEAD)
    if audience == Audience.PROVINCE_ONE_STOP and province:
        return directory.holding(one_stop_unit(province), SUPERVISOR)
    return []


def _once(contacts: list[ClerkContact]) -> list[ClerkContact]:
    seen: dict[str, ClerkContact] = {}
    for contact in contacts:
        seen.setdefault(contact.clerk_id, contact)
    return list(seen.values())
