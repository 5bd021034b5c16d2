"""Who may reach a dossier at intake: integrators of its province or centre, its centre's receivers, its applicant.

| operation                  | integrator                                  | clerk                  | citizen         |
|----------------------------|---------------------------------------------|------------------------|-----------------|
| file a dossier at a centre | `dossiers:submit`, the centre in its reach  | receiver of the centre | —               |
| read a dossier             | `dossiers:read` (or `operator`), province   | receiver of the centre | the applicant   |
| supplements, withdrawal    | `dossiers:submit`, the centre in its reach  | receiver of the centre | the applicant   |

A right the caller lacks answers 403; a dossier outside their province, centre or person, 404,
as if it did not exist. (A dossier's lookup secret is another way in, see the lookup API.)
"""

from dataclasses import dataclass

from services.intake.store import IntakeDatabase
from shared.kernel.auth.callers import Caller, Citizen, Clerk, Integrator, Scope, province_of
from shared.kernel.auth.http import forbidden, not_found, province_reader
from shared.kernel.http_problems import ProblemError


@dataclass(frozen=True)
class Parties:
    """What access to a dossier turns on: where it was received and whose it is."""

    receiving_agency: str
    citizen_id: str


def unknown(code: str) -> ProblemError:
    return not_found("code", f"no dossier has code {code!r}")


def check_filing(caller: Caller, agency_id: str) -> None:
    """403 unless ``caller`` may file dossiers at the centre ``agency_id``."""
    if isinstance(caller, Integrator):
        if not caller.has(Scope.SUBMIT):
            raise forbidden(f"filing a dossier needs the scope {Scope.SUBMIT}")
        if not caller.acts_at(agency_id):
            raise forbidden(f"your client may not file dossiers at {agency_id}", field="receiving_agency")
    elif isinstance(caller, Clerk):
        if not caller.receives_at(agency_id):
            raise forbidden(f"only a receiver of {agency_id} files dossiers there", field="receiving_agency")
    else:
        raise forbidden("a citizen files a dossier through a portal or at a counter", field="Authorization")


def check_reading(caller: Caller, code: str) -> None:
    """What can be refused before the dossier is read: a missing scope or role (403), another province (404)."""
    if isinstance(caller, Integrator):
        province_reader(caller, Scope.READ, province_of(code))
    elif isinstance(caller, Clerk) and not any(caller.receives_at(unit) for unit in caller.units):
        raise forbidden("reading a dossier needs the receiver role of its centre", field="roles")


def check_acting(caller: Caller, code: str) -> None:
    """What can be refused before the dossier is read, for supplements and withdrawal."""
    if isinstance(caller, Integrator) and not caller.has(Scope.SUBMIT):
        raise forbidden(f"supplements and withdrawals need the scope {Scope.SUBMIT}")
    if isinstance(caller, Clerk) and not any(caller.receives_at(unit) for unit in caller.units):
        raise forbidden("supplements and withdrawals need the receiver role of the centre", field="roles")


def may_read(caller: Caller, parties: Parties) -> bool:
    """Whether the dossier of ``parties`` is the caller's to read: of their province, centre, or person."""
    if isinstance(caller, Integrator):
        return caller.has(Scope.OPERATOR) or caller.may_read_province(province_of(parties.receiving_agency))
    return _theirs(caller, parties)


def may_act(caller: Caller, parties: Parties) -> bool:
    """Whether the caller may hand in supplements for, or withdraw, the dossier of ``parties``."""
    if isinstance(caller, Integrator):
        return caller.acts_at(parties.receiving_agency)
    return _theirs(caller, parties)


def _theirs(caller: Clerk | Citizen, parties: Parties) -> bool:
    if isinstance(caller, Clerk):
        return caller.receives_at(parties.receiving_agency)
    return caller.citizen_id == parties.citizen_id


async def parties(database: IntakeDatabase, code: str) -> Parties | None:
    """The parties of the dossier ``code``; None when no dossier has it."""
    async with database.reading() as store:
        dossier = await store.dossier_by_code(code)
        citizen_id = await store.applicant_citizen_id(code)
    if dossier is None or citizen_id is None:
        return None
    return Parties(dossier["receiving_agency"], citizen_id)
