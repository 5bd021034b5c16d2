"""Rules a dossier must pass before it is received: known procedure, centre, commune and components,
and an applicant whose citizen ID fits their date of birth."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from services.intake.domain.citizen_id import CitizenIdMismatchError, check_citizen_id
from shared.reference.admin_units import Commune, find_commune
from shared.reference.catalogue import Catalogue, Procedure
from shared.reference.data import CentreRegistry


class SubmissionRejectedError(ValueError):
    """The dossier cannot be received; ``field`` is the JSON path of the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class AcceptedSubmission:
    procedure: Procedure
    commune: Commune
    agency_id: str
    components: tuple[str, ...] = ()
    """The parts of an inter-connected procedure the dossier runs, required ones included."""


def accept(
    *,
    procedure_code: str,
    commune_code: str,
    receiving_agency: str,
    catalogue: Catalogue,
    centres: CentreRegistry,
    components: tuple[str, ...] = (),
) -> AcceptedSubmission:
    """Check a submission against reference data; raises :class:`SubmissionRejectedError`."""
    procedure = catalogue.find(procedure_code)
    if procedure is None:
        raise SubmissionRejectedError("procedure_code", f"unknown procedure {procedure_code!r}")
    centre = centres.find(receiving_agency)
    if centre is None:
        raise SubmissionRejectedError("receiving_agency", f"unknown receiving centre {receiving_agency!r}")
    commune = find_commune(commune_code)
    if commune is None:
        raise SubmissionRejectedError("commune_code", f"no commune has code {commune_code!r}")
    if commune.province_code != centre.province_code:
        raise SubmissionRejectedError(
            "commune_code",
            f"{commune.name} is in {commune.province_name} (province {commune.province_code}); "
            f"the centre {receiving_agency} only receives dossiers of province {centre.province_code}",
        )
    try:
        chosen = procedure.chosen_components(components)
    except ValueError as error:
        raise SubmissionRejectedError("components", str(error)) from error
    return AcceptedSubmission(procedure=procedure, commune=commune, agency_id=centre.agency_id, components=chosen)


def check_applicant(citizen_id: str, date_of_birth: date, *, provinces: Collection[str], today: date) -> None:
    """Check the structure of the citizen ID against the date of birth; raises :class:`SubmissionRejectedError`."""
    if date_of_birth > today:
        raise SubmissionRejectedError(
            "applicant.date_of_birth", f"{date_of_birth.isoformat()} is after today ({today.isoformat()})"
        )
    try:
        check_citizen_id(citizen_id, date_of_birth, provinces)
    except CitizenIdMismatchError as error:
        raise SubmissionRejectedError("applicant.citizen_id", error.reason) from error
    except ValueError as error:
        raise SubmissionRejectedError("applicant.citizen_id", str(error)) from error


def check_delivery(result_delivery: str, postal_address: str | None) -> None:
    """An address is needed for a result sent by post (and only then is it kept)."""
    if result_delivery == "post" and not postal_address:
        raise SubmissionRejectedError("postal_address", "the result is sent by post: give the address to send it to")
