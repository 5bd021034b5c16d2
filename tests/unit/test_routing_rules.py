"""Routing: which unit handles a dossier, and the status a task outcome leads to."""

import pytest

from services.routing.domain.assignment import unit_for
from services.routing.domain.dossier import DossierClosedError, status_after_task
from shared.contracts import DossierStatus, TaskOutcome
from shared.reference_data import Procedure, catalogue


def _procedure(level: str, unit_kind: str) -> Procedure:
    return Procedure.model_validate(
        {
            "code": "1.000001",
            "name_vi": "Thủ tục thử",
            "name_en": "Test procedure",
            "level": level,
            "unit_kind": unit_kind,
            "working_days": 1,
        }
    )


def test_commune_level_procedure_goes_to_the_commune_section() -> None:
    assert unit_for(_procedure("commune", "VP"), commune_code="17179", province_code="40") == "17179.VP"


def test_province_level_procedure_goes_to_the_provincial_department() -> None:
    assert unit_for(_procedure("province", "SNNMT"), commune_code="17179", province_code="40") == "40.SNNMT"


def test_birth_registration_is_handled_by_the_commune_office() -> None:
    birth = catalogue().find("1.001193")
    assert birth is not None

    assert unit_for(birth, commune_code="30742", province_code="91") == "30742.VP"


def test_construction_permit_is_handled_by_the_provincial_construction_department() -> None:
    permit = catalogue().find("1.009972")
    assert permit is not None

    assert unit_for(permit, commune_code="23734", province_code="52") == "52.SXD"


@pytest.mark.parametrize(
    "current",
    [s for s in DossierStatus if not s.is_final],
)
def test_approved_task_makes_an_open_dossier_done(current: DossierStatus) -> None:
    assert status_after_task(current, TaskOutcome.APPROVED) is DossierStatus.DONE


@pytest.mark.parametrize(
    "current",
    [s for s in DossierStatus if not s.is_final],
)
def test_refused_task_makes_an_open_dossier_denied(current: DossierStatus) -> None:
    assert status_after_task(current, TaskOutcome.REFUSED) is DossierStatus.DENIED


@pytest.mark.parametrize("current", [DossierStatus.CANCELLED, DossierStatus.DENIED, DossierStatus.DONE])
@pytest.mark.parametrize("outcome", list(TaskOutcome))
def test_final_dossier_cannot_take_a_task_outcome(current: DossierStatus, outcome: TaskOutcome) -> None:
    with pytest.raises(DossierClosedError, match=f"already {current.value}"):
        status_after_task(current, outcome)
