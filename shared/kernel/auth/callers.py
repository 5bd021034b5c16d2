"""Who calls a service, as a verified token says: a clerk, an integrator or a citizen, and what each may reach.

A dossier's province is the two digits after ``H`` in its receiving agency id
(``000.01.15.H40`` → ``40``), which also starts its code (``000.01.15.H40-261202-0001``).
"""

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

RECEIVER = "receiver"
"""The clerk role of a receiving centre's counter: files dossiers there and acts on them."""
ALL_PROVINCES = "*"
_PROVINCE = re.compile(r"(?:^|\.)H(\d{2})(?:$|-)")
CITIZEN_ID = re.compile(r"^\d{12}$")


class Scope(StrEnum):
    """What an integrator's client-credentials token allows (its ``scope`` claim)."""

    SUBMIT = "dossiers:submit"
    READ = "dossiers:read"
    PORTAL_PUSH = "portal:push"
    OPERATOR = "operator"


def province_of(code_or_agency_id: str) -> str | None:
    """The province of a receiving agency id or a dossier code (``…H40…`` → ``40``); None when it names none."""
    found = _PROVINCE.search(code_or_agency_id)
    return found.group(1) if found else None


@dataclass(frozen=True)
class Clerk:
    """A staff member: ``id`` is the token's subject; ``unit_roles`` their roles in each unit, which hold only there."""

    id: str
    unit_roles: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, clerk_id: str, unit_roles: Mapping[str, Iterable[str]]) -> "Clerk":
        return cls(clerk_id, MappingProxyType({unit: frozenset(roles) for unit, roles in unit_roles.items()}))

    @property
    def units(self) -> frozenset[str]:
        return frozenset(self.unit_roles)

    def roles_in(self, unit: str) -> frozenset[str]:
        return self.unit_roles.get(unit, frozenset())

    def receives_at(self, agency_id: str) -> bool:
        """Whether the clerk is a receiver of the centre ``agency_id`` (whose unit code is that id)."""
        return RECEIVER in self.roles_in(agency_id)

    @property
    def client_id(self) -> str:
        """The client recorded on what the clerk files."""
        return f"clerk:{self.id}"


@dataclass(frozen=True)
class Integrator:
    """A client application (portal, one-stop software, counter app, the operator CLI) with its scopes and reach.

    ``centres`` None means every centre of its provinces.
    """

    client_id: str
    scopes: frozenset[Scope]
    provinces: frozenset[str]
    centres: frozenset[str] | None = None

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    def may_read_province(self, province: str | None) -> bool:
        """Whether it acts for ``province`` (``provinces: ["*"]`` acts for all)."""
        return ALL_PROVINCES in self.provinces or (province is not None and province in self.provinces)

    def acts_at(self, agency_id: str) -> bool:
        """Whether the centre ``agency_id`` is within its provinces and centres (scopes aside)."""
        in_centres = self.centres is None or agency_id in self.centres
        return in_centres and self.may_read_province(province_of(agency_id))

    def may_submit_at(self, agency_id: str) -> bool:
        """Whether it may file dossiers at the centre ``agency_id``."""
        return self.has(Scope.SUBMIT) and self.acts_at(agency_id)


@dataclass(frozen=True)
class Citizen:
    """A person signed in with the national e-ID; ``citizen_id`` is their 12-digit citizen ID."""

    citizen_id: str

    @property
    def client_id(self) -> str:
        # Recorded with idempotency keys: a pseudonym, so no citizen ID is stored outside the dossier.
        return "citizen:" + hashlib.sha256(self.citizen_id.encode()).hexdigest()[:16]


Caller = Clerk | Integrator | Citizen


def client_of(caller: Caller) -> str:
    """The client a request is recorded under (idempotency keys, the dossier's client)."""
    return caller.client_id
