"""Who may do what in the clerk API: the clerk, their units and roles, and the role matrix.

A clerk sees only the tasks of their own units; anything else does not exist for them
(the API answers 404). Within their units, each action needs one of the roles below
(otherwise 403). Roles hold for every unit the clerk belongs to.

| action                                  | receiver | handler | approver | supervisor |
|-----------------------------------------|:--------:|:-------:|:--------:|:----------:|
| read the inbox, a task, the change feed |    ✓     |    ✓    |    ✓     |     ✓      |
| claim, release                          |          |    ✓    |          |            |
| request supplements, return, extend     |          |    ✓    |          |            |
| approve, refuse                         |          |         |    ✓     |            |
| comment                                 |          |    ✓    |    ✓     |            |
| read the unit's audit log               |          |         |          |     ✓      |
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """A clerk's role, carried in the token's ``roles`` claim."""

    RECEIVER = "receiver"
    """Counter clerk of the one-stop centre: follows the unit's work, decides nothing."""
    HANDLER = "handler"
    """Examines the dossier: claims the task, asks for supplements, returns it, extends it."""
    APPROVER = "approver"
    """Signs the unit's decision: approves or refuses."""
    SUPERVISOR = "supervisor"
    """Head of unit: reads everything, including the audit log; acts on nothing."""


class Action(StrEnum):
    """What a clerk asks to do; each maps to the roles allowed to do it."""

    READ = "read"
    CLAIM = "claim"
    RELEASE = "release"
    APPROVE = "approve"
    REFUSE = "refuse"
    REQUEST_SUPPLEMENTS = "request-supplements"
    RETURN = "return"
    EXTEND = "extend"
    COMMENT = "comment"
    READ_AUDIT = "read-audit"


ROLE_MATRIX: dict[Action, frozenset[Role]] = {
    Action.READ: frozenset(Role),
    Action.CLAIM: frozenset({Role.HANDLER}),
    Action.RELEASE: frozenset({Role.HANDLER}),
    Action.REQUEST_SUPPLEMENTS: frozenset({Role.HANDLER}),
    Action.RETURN: frozenset({Role.HANDLER}),
    Action.EXTEND: frozenset({Role.HANDLER}),
    Action.APPROVE: frozenset({Role.APPROVER}),
    Action.REFUSE: frozenset({Role.APPROVER}),
    Action.COMMENT: frozenset({Role.HANDLER, Role.APPROVER}),
    Action.READ_AUDIT: frozenset({Role.SUPERVISOR}),
}


class NotVisibleError(LookupError):
    """The unit or task is not the clerk's: to them it does not exist."""


class ForbiddenActionError(PermissionError):
    """The clerk sees the task but none of their roles allows the action."""


@dataclass(frozen=True)
class Clerk:
    """An authenticated clerk: ``id`` is the token's subject."""

    id: str
    units: frozenset[str]
    roles: frozenset[Role]

    @classmethod
    def of(cls, clerk_id: str, units: Iterable[str], roles: Iterable[str]) -> "Clerk":
        """A clerk from token claims; roles this service does not know are ignored."""
        known = {role.value for role in Role}
        return cls(clerk_id, frozenset(units), frozenset(Role(r) for r in roles if r in known))

    def sees(self, unit: str) -> bool:
        return unit in self.units

    def may(self, action: Action) -> bool:
        return bool(self.roles & ROLE_MATRIX[action])

    def check(self, unit: str, action: Action) -> None:
        """Raise :class:`NotVisibleError` for another unit, :class:`ForbiddenActionError` for a missing role."""
        if not self.sees(unit):
            raise NotVisibleError(unit)
        if not self.may(action):
            allowed = ", ".join(sorted(ROLE_MATRIX[action]))
            raise ForbiddenActionError(f"{action} needs one of the roles: {allowed}")
