"""Completeness at receipt: required papers per chosen component, fees per channel (domain/completeness.py)."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.intake.domain.completeness import (
    FeeDue,
    channel_of,
    check_catalogue_keys,
    completeness,
    fees_due,
    vnd,
)
from services.intake.domain.submission import SubmissionRejectedError
from shared.reference.catalogue import Procedure
from shared.reference.data import catalogue

BIRTH_FORM, BIRTH_CERTIFICATE = "birth-registration-form", "birth-certificate-from-the-hospital-or-a-witness"
PAID = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def procedure(code: str) -> Procedure:
    found = catalogue().find(code)
    assert found is not None
    return found


def test_a_birth_with_both_papers_and_no_fee_is_complete() -> None:
    birth = procedure("1.001193")

    lacking = completeness(birth, (), {BIRTH_FORM, BIRTH_CERTIFICATE}, fees_due(birth, (), "online"))

    assert lacking.complete
    assert lacking.missing == ()


def test_each_missing_paper_is_listed_in_vietnamese_and_english() -> None:
    birth = procedure("1.001193")

    lacking = completeness(birth, (), {BIRTH_FORM}, ())

    assert not lacking.complete
    assert lacking.missing == (
        "Giấy chứng sinh (hoặc văn bản của người làm chứng / giấy cam đoan về việc sinh)"
        " / Birth certificate from the hospital (or a witness statement / sworn statement)",
    )


def test_an_optional_paper_is_never_missing() -> None:
    birth = procedure("1.001193")

    assert completeness(birth, (), {BIRTH_FORM, BIRTH_CERTIFICATE}, ()).complete  # the power of attorney is optional


def test_papers_of_a_component_are_required_only_when_it_is_chosen() -> None:
    group = procedure("3.000722")
    with_birth = group.chosen_components(("residence",))

    required = {d.key for d in group.required_documents(with_birth)}

    assert required == {"linked-electronic-form", "birth-certificate-from-the-hospital"}
    assert completeness(group, with_birth, {"linked-electronic-form"}, ()).missing == (
        "Giấy chứng sinh / Birth certificate from the hospital",
    )


def test_a_component_fee_is_due_only_when_the_component_is_chosen() -> None:
    group = procedure("3.000722")

    assert fees_due(group, ("birth", "health-insurance"), "online") == ()
    assert [f.amount_vnd for f in fees_due(group, ("birth", "residence"), "online")] == [10_000]


@pytest.mark.parametrize(("channel", "amount"), [("counter", 20_000), ("online", 10_000)])
def test_the_fee_is_the_rate_of_the_channel_the_dossier_was_filed_through(channel: str, amount: int) -> None:
    residence = procedure("1.004222")

    assert [f.amount_vnd for f in fees_due(residence, (), channel)] == [amount]  # type: ignore[arg-type]


def test_a_clerk_files_at_the_counter_and_everyone_else_online() -> None:
    assert channel_of("clerk:receiver-7") == "counter"
    assert channel_of("national-portal") == "online"


def test_an_unpaid_receipt_fee_keeps_a_complete_land_dossier_incomplete_until_it_is_paid() -> None:
    land = procedure("1.013978")
    fees = fees_due(land, (), "online")
    papers = {"land-registration-application-form-15"}

    unpaid = completeness(land, (), papers, fees)
    paid = completeness(
        land, (), papers, [FeeDue(f.position, f.name_vi, f.name_en, f.amount_vnd, PAID, uuid4()) for f in fees]
    )

    assert unpaid.missing == ("Lệ phí cấp Giấy chứng nhận / Certificate fee: 100.000 VND",)
    assert paid.complete


def test_amounts_are_written_with_dots_between_thousands() -> None:
    assert [vnd(0), vnd(7000), vnd(100_000), vnd(1_250_000)] == ["0", "7.000", "100.000", "1.250.000"]


def test_a_key_the_procedure_does_not_have_is_refused_naming_its_position() -> None:
    birth = procedure("1.001193")

    with pytest.raises(SubmissionRejectedError) as refused:
        check_catalogue_keys(birth, [BIRTH_FORM, None, "land-registration-application-form-15"])

    assert refused.value.field == "documents.2.catalogue_key"
    assert BIRTH_CERTIFICATE in refused.value.reason
