"""Who may do what in the clerk API: the clerk, their roles in each unit, and the role matrix.

A clerk's roles hold only in the unit they are given for: a clerk may be ``handler`` in one
unit and ``supervisor`` in another. A unit the clerk has no roles in does not exist for them
(the API answers 404). Within one of their units, each action needs one of the roles below
that the clerk has *in that unit* (otherwise 403).

| action                                       | receiver | handler | approver | supervisor |
|----------------------------------------------|:--------:|:-------:|:--------:|:----------:|
| read the inbox, a task, the change feed      |    ✓     |    ✓    |    ✓     |     ✓      |
| claim                                        |          |    ✓    |          |            |
| release (a handler: only their own claim)    |          |    ✓    |          |     ✓      |
| release another clerk's claim                |          |         |          |     ✓      |
| reassign a task to a clerk                   |          |         |          |     ✓      |
| request supplements, return, extend          |          |    ✓    |          |            |
| approve, refuse                              |          |         |    ✓     |            |
| comment                                      |          |    ✓    |    ✓     |            |
| read the unit's audit log                    |          |         |          |     ✓      |
| read the unit's overdue list                 |          |         |          |     ✓      |
| draft the apology letter of an overdue task  |          |    ✓    |          |     ✓      |
| notify a financial obligation                |          |    ✓    |    ✓     |            |
| list and download the task's documents       |    ✓     |    ✓    |    ✓     |     ✓      |

The province's overdue list is for supervisors of the province's one-stop centre (``<pp>.TTPVHCC``).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Role(StrEnum):
    """A clerk's role in one unit, carried in the token's ``unit_roles`` claim."""

    RECEIVER = "receiver"
    """Counter clerk of the one-stop centre: follows the unit's work, decides nothing."""
    HANDLER = "handler"
    """Examines the dossier: claims the task, asks for supplements, returns it, extends it."""
    APPROVER = "approver"
    """Signs the unit's decision: approves or refuses."""
    SUPERVISOR = "supervisor"
    """Head of unit: reads everything, including the audit log; releases and reassigns claims."""


class Action(StrEnum):
    """What a clerk asks to do; each maps to the roles allowed to do it."""

    READ = "read"
    CLAIM = "claim"
    RELEASE = "release"
    RELEASE_OTHERS = "release-others"
    """Release a claim another clerk holds: part of a release, never a request of its own."""
    REASSIGN = "reassign"
    APPROVE = "approve"
    REFUSE = "refuse"
    REQUEST_SUPPLEMENTS = "request-supplements"
    RETURN = "return"
    EXTEND = "extend"
    COMMENT = "comment"
    READ_AUDIT = "read-audit"
    READ_OVERDUE = "read-overdue"
    DRAFT_APOLOGY = "draft-apology"
    NOTIFY_FINANCIAL_OBLIGATION = "notify-financial-obligation"


ROLE_MATRIX: dict[Action, frozenset[Role]] = {
    Action.READ: frozenset(Role),
    Action.CLAIM: frozenset({Role.HANDLER}),
    Action.RELEASE: frozenset({Role.HANDLER, Role.SUPERVISOR}),
    Action.RELEASE_OTHERS: frozenset({Role.SUPERVISOR}),
    Action.REASSIGN: frozenset({Role.SUPERVISOR}),
    Action.REQUEST_SUPPLEMENTS: frozenset({Role.HANDLER}),
    Action.RETURN: frozenset({Role.HANDLER}),
    Action.EXTEND: frozenset({Role.HANDLER}),
    Action.APPROVE: frozenset({Role.APPROVER}),
    Action.REFUSE: frozenset({Role.APPROVER}),
    Action.COMMENT: frozenset({Role.HANDLER, Role.APPROVER}),
    Action.READ_AUDIT: frozenset({Role.SUPERVISOR}),
    Action.READ_OVERDUE: frozenset({Role.SUPERVISOR}),
    Action.DRAFT_APOLOGY: frozenset({Role.HANDLER, Role.SUPERVISOR}),
    Action.NOTIFY_FINANCIAL_OBLIGATION: frozenset({Role.HANDLER, Role.APPROVER}),
}


class NotVisibleError(LookupError):
    """The unit or task is not the clerk's: to them it does not exist."""


class ForbiddenActionError(PermissionError):
    """The clerk sees the task but none of their roles in its unit allows the action."""


@dataclass(frozen=True)
class Clerk:
    """An authenticated clerk: ``id`` is the token's subject, ``unit_roles`` their roles in each of their units."""

    id: str
    unit_roles: Mapping[str, frozenset[Role]]

    @classmethod
    def of(cls, clerk_id: str, unit_roles: Mapping[str, Iterable[str]]) -> "Clerk":
        """A clerk from the token's roles per unit; roles this service does not know are ignored.

        A unit the token names stays the clerk's even when none of its roles is known here:
        its tasks are then visible to them but every action is refused (403, not 404).
        """
        known = {role.value for role in Role}
        return cls(
            clerk_id,
            MappingProxyType(
                {unit: frozenset(Role(r) for r in roles if r in known) for unit, roles in unit_roles.items()}
            ),
        )

    @classmethod
    def in_units(cls, clerk_id: str, units: Iterable[str], roles: Iterable[str]) -> "Clerk":
        """A clerk of the legacy ``units`` + ``roles`` claims: every role in every unit."""
        every = tuple(roles)
        return cls.of(clerk_id, {unit: every for unit in units})

    @property
    def units(self) -> frozenset[str]:
        return frozenset(self.unit_roles)

    def roles_in(self, unit: str) -> frozenset[Role]:
        """The clerk's roles in ``unit``; none in a unit that is not theirs."""
        return self.unit_roles.get(unit, frozenset())

    def sees(self, unit: str) -> bool:
        return unit in self.unit_roles

    def may(self, unit: str, action: Action) -> bool:
        """Whether the clerk's roles in ``unit`` allow ``action`` (never in a unit that is not theirs)."""
        return bool(self.roles_in(unit) & ROLE_MATRIX[action])

    def check(self, unit: str, action: Action) -> None:
        """Raise :class:`NotVisibleError` for another unit, :class:`ForbiddenActionError` for a missing role there."""
        if not self.sees(unit):
            raise NotVisibleError(unit)
        if not self.may(unit, action):
            allowed = ", ".join(sorted(ROLE_MATRIX[action]))
            raise ForbiddenActionError(f"{action} needs one of the roles: {allowed} in unit {unit}")
