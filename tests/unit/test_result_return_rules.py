"""Only a releasing dossier's result is returned, once; what was issued downloads after, a refusal letter any time."""

from datetime import UTC, datetime

import pytest

from services.intake.returns.rules import (
    ResultReturnError,
    Returned,
    check_downloadable,
    check_returnable,
    download_returns,
)
from shared.contracts import DossierStatus
from shared.contracts.documents import ResultDelivery, ResultKind

AT = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
HANDED = Returned(ResultDelivery.COUNTER, "clerk:tn.mai", AT)


@pytest.mark.parametrize("status", [s for s in DossierStatus if s is not DossierStatus.RELEASING])
def test_only_a_releasing_dossier_is_returned(status: DossierStatus) -> None:
    with pytest.raises(ResultReturnError) as refused:
        check_returnable(status, ResultKind.RESULT, None)
    assert (refused.value.field, refused.value.status) == ("status", status)


def test_a_releasing_dossier_with_its_result_kept_is_returned() -> None:
    check_returnable(DossierStatus.RELEASING, ResultKind.RESULT, None)


def test_a_result_is_returned_once() -> None:
    with pytest.raises(ResultReturnError, match="already returned") as again:
        check_returnable(DossierStatus.RELEASING, ResultKind.RESULT, HANDED)
    assert again.value.field == "result"


@pytest.mark.parametrize("kind", [None, ResultKind.REFUSAL])
def test_without_a_signed_result_nothing_is_returned(kind: ResultKind | None) -> None:
    with pytest.raises(ResultReturnError) as refused:
        check_returnable(DossierStatus.RELEASING, kind, None)
    assert refused.value.field == "result"


def test_only_the_first_download_of_a_releasing_result_returns_it() -> None:
    assert download_returns(DossierStatus.RELEASING, ResultKind.RESULT, None)
    assert not download_returns(DossierStatus.RELEASING, ResultKind.RESULT, HANDED)
    assert not download_returns(DossierStatus.DONE, ResultKind.RESULT, None)
    assert not download_returns(DossierStatus.DENIED, ResultKind.REFUSAL, None)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (DossierStatus.RELEASING, ResultKind.RESULT),
        (DossierStatus.DONE, ResultKind.RESULT),
        (DossierStatus.DENIED, ResultKind.REFUSAL),
    ],
)
def test_what_was_issued_downloads_while_releasing_and_after(status: DossierStatus, kind: ResultKind) -> None:
    check_downloadable(status, kind)


@pytest.mark.parametrize(
    "status", [DossierStatus.NEW, DossierStatus.RECEIVING, DossierStatus.PROCESSING, DossierStatus.CANCELLED]
)
def test_nothing_downloads_before_anything_is_issued(status: DossierStatus) -> None:
    with pytest.raises(ResultReturnError) as refused:
        check_downloadable(status, ResultKind.RESULT)
    assert refused.value.field == "status"


def test_a_denial_without_a_letter_has_nothing_to_download() -> None:
    with pytest.raises(ResultReturnError) as refused:
        check_downloadable(DossierStatus.DENIED, None)
    assert refused.value.field == "result"
