"""What the applicant may do with a received dossier (services.intake.domain.lifecycle)."""

import pytest

from services.intake.domain.lifecycle import DossierActionError, check_supplement, check_withdrawal
from shared.contracts import DossierStatus

FINAL = [s for s in DossierStatus if s.is_final]
NOT_FINAL = [s for s in DossierStatus if not s.is_final]
UNDECIDED = [s for s in NOT_FINAL if s is not DossierStatus.RELEASING]


def test_a_waiting_dossier_takes_supplements() -> None:
    check_supplement(DossierStatus.WAITING)


@pytest.mark.parametrize("status", [s for s in DossierStatus if s is not DossierStatus.WAITING])
def test_supplements_are_refused_unless_waiting_naming_the_current_status(status: DossierStatus) -> None:
    with pytest.raises(DossierActionError) as caught:
        check_supplement(status)

    assert caught.value.status is status
    assert f"the dossier is {status.value}" in str(caught.value)
    assert "waiting" in str(caught.value)


@pytest.mark.parametrize("status", UNDECIDED)
def test_a_dossier_not_yet_decided_can_be_withdrawn(status: DossierStatus) -> None:
    check_withdrawal(status)


def test_a_dossier_whose_result_is_issued_cannot_be_withdrawn() -> None:
    with pytest.raises(DossierActionError, match="result is issued") as caught:
        check_withdrawal(DossierStatus.RELEASING)

    assert caught.value.status is DossierStatus.RELEASING


@pytest.mark.parametrize("status", FINAL)
def test_a_finished_dossier_cannot_be_withdrawn(status: DossierStatus) -> None:
    with pytest.raises(DossierActionError, match=f"already {status.value}") as caught:
        check_withdrawal(status)

    assert caught.value.status is status


def test_the_final_statuses_are_done_denied_cancelled_and_not_accepted() -> None:
    assert set(FINAL) == {DossierStatus.DONE, DossierStatus.DENIED, DossierStatus.CANCELLED, DossierStatus.UNRESOLVED}


def test_waiting_and_processing_dossiers_can_be_withdrawn() -> None:
    check_withdrawal(DossierStatus.WAITING)
    check_withdrawal(DossierStatus.PROCESSING)


def test_the_error_is_a_value_error() -> None:
    assert issubclass(DossierActionError, ValueError)
