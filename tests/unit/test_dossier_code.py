"""Dossier codes ``<agency>-<YYMMDD>-<NNNN>`` (Circular 01/2018/TT-VPCP art. 19)."""

from datetime import date

import pytest

from services.intake.domain.dossier_code import format_dossier_code, is_dossier_code

AGENCY = "000.00.15.H40"


def test_first_dossier_of_the_day_gets_sequence_0001() -> None:
    assert format_dossier_code(AGENCY, date(2025, 8, 14), 1) == "000.00.15.H40-250814-0001"


def test_day_is_written_as_two_digit_year_month_and_day() -> None:
    assert format_dossier_code("000.07.15.H91", date(2026, 1, 2), 42) == "000.07.15.H91-260102-0042"


def test_sequence_of_four_digits_is_not_padded() -> None:
    assert format_dossier_code(AGENCY, date(2025, 8, 14), 9999) == "000.00.15.H40-250814-9999"


def test_sequence_over_9999_keeps_all_digits() -> None:
    code = format_dossier_code(AGENCY, date(2025, 8, 14), 12345)

    assert code == "000.00.15.H40-250814-12345"
    assert is_dossier_code(code)


@pytest.mark.parametrize("sequence", [0, -1])
def test_sequence_below_one_is_rejected(sequence: int) -> None:
    with pytest.raises(ValueError, match="sequence starts at 1"):
        format_dossier_code(AGENCY, date(2025, 8, 14), sequence)


def test_formatted_code_is_recognised_as_dossier_code() -> None:
    assert is_dossier_code(format_dossier_code(AGENCY, date(2025, 8, 14), 7))


@pytest.mark.parametrize(
    "text",
    [
        "000.00.15.H40-250814-0001",
        "000.01.15.H40-250814-0002",
        "000.07.15.H91-260101-10000",
    ],
)
def test_well_formed_codes_are_accepted(text: str) -> None:
    assert is_dossier_code(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "000.00.15.H40",
        "000.00.15.H40-250814",
        "000.00.15.H40-250814-001",  # sequence of three digits
        "000.00.15.h40-250814-0001",  # lower-case letter in the agency id
        "00.00.15.H40-250814-0001",  # agency id too short
        "000.00.15.H40-25081-0001",  # five-digit day
        "000.00.15.H40-2508140-0001",  # seven-digit day
        "000.00.15.H40-250814-0001 ",  # trailing space
        " 000.00.15.H40-250814-0001",  # leading space
        "000.00.15.H40-250814-000A",
        "000.00.15.H40_250814_0001",
    ],
)
def test_malformed_codes_are_rejected(text: str) -> None:
    assert not is_dossier_code(text)
