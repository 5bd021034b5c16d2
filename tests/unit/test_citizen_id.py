"""The structure of a citizen ID against the date of birth: province, century and sex, year digits."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain.citizen_id import (
    CitizenIdMismatchError,
    DigitGroup,
    Sex,
    century_digit,
    check_citizen_id,
    years_of,
)
from services.intake.reference.birth_provinces import birth_province_codes

PROVINCES = birth_province_codes()
TO = "\N{EN DASH}"  # as the refusals print ranges


@pytest.mark.parametrize(
    ("citizen_id", "born", "sex"),
    [
        ("040301000123", date(2001, 5, 14), Sex.FEMALE),
        ("091085004321", date(1985, 3, 2), Sex.MALE),
        ("040079001234", date(1979, 11, 20), Sex.MALE),
        ("001100000001", date(1900, 1, 1), Sex.FEMALE),
        ("079299999999", date(2099, 12, 31), Sex.MALE),
        ("096400000000", date(2100, 1, 1), Sex.MALE),
        ("001999000000", date(2399, 6, 30), Sex.FEMALE),
    ],
)
def test_an_id_that_fits_the_date_of_birth_is_accepted(citizen_id: str, born: date, sex: Sex) -> None:
    parsed = check_citizen_id(citizen_id, born, PROVINCES)

    assert (parsed.province_code, parsed.sex, parsed.year_of_birth) == (citizen_id[:3], sex, born.year)


@pytest.mark.parametrize(
    ("citizen_id", "born", "group", "reason"),
    [
        (
            "099085004321",
            date(1985, 3, 2),
            DigitGroup.PROVINCE,
            f"digits 1{TO}3 (province of birth registration) are '099': no province has that code",
        ),
        (
            "003085004321",
            date(1985, 3, 2),
            DigitGroup.PROVINCE,
            f"digits 1{TO}3 (province of birth registration) are '003': no province has that code",
        ),
        (
            "091285004321",
            date(1985, 3, 2),
            DigitGroup.CENTURY,
            f"digit 4 (century and sex) is '2': born 2000{TO}2099, but date_of_birth is 1985-03-02",
        ),
        (
            "040101000123",
            date(2001, 5, 14),
            DigitGroup.CENTURY,
            f"digit 4 (century and sex) is '1': born 1900{TO}1999, but date_of_birth is 2001-05-14",
        ),
        (
            "091086004321",
            date(1985, 3, 2),
            DigitGroup.YEAR,
            f"digits 5{TO}6 (year of birth) are '86', but date_of_birth is in 1985",
        ),
        (
            "091099004321",
            date(1899, 12, 31),
            DigitGroup.CENTURY,
            f"digit 4 (century and sex) is '0': born 1900{TO}1999, but date_of_birth is 1899-12-31",
        ),
    ],
)
def test_an_id_that_does_not_fit_is_refused_naming_the_digit_group(
    citizen_id: str, born: date, group: DigitGroup, reason: str
) -> None:
    with pytest.raises(CitizenIdMismatchError) as refused:
        check_citizen_id(citizen_id, born, PROVINCES)

    assert refused.value.group is group
    assert refused.value.reason == reason


@pytest.mark.parametrize("citizen_id", ["04030100012", "0403010001234", "04030100012X", "\uff10\uff14\uff10301000123"])
def test_anything_but_twelve_ascii_digits_is_not_an_id(citizen_id: str) -> None:
    with pytest.raises(ValueError, match="12 digits"):
        check_citizen_id(citizen_id, date(2001, 5, 14), PROVINCES)


def test_the_century_digit_counts_two_per_century_from_1900() -> None:
    assert [century_digit(year, Sex.MALE) for year in (1900, 1999, 2000, 2150, 2299, 2300)] == list("002468")
    assert [century_digit(year, Sex.FEMALE) for year in (1985, 2001, 2399)] == list("139")
    assert [years_of(str(d))[0] for d in range(10)] == [1900, 1900, 2000, 2000, 2100, 2100, 2200, 2200, 2300, 2300]
    for year in (1899, 2400):
        with pytest.raises(ValueError, match=str(year)):
            century_digit(year, Sex.MALE)


def _build(province: str, born: date, sex: Sex, tail: str) -> str:
    return f"{province}{century_digit(born.year, sex)}{born.year % 100:02d}{tail}"


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2399, 12, 31))
tails = st.text(alphabet="0123456789", min_size=6, max_size=6)
provinces = st.sampled_from(sorted(PROVINCES))


@given(provinces, births, st.sampled_from(Sex), tails)
def test_any_id_built_from_a_province_the_century_and_the_year_is_accepted(
    province: str, born: date, sex: Sex, tail: str
) -> None:
    parsed = check_citizen_id(_build(province, born, sex, tail), born, PROVINCES)

    assert (parsed.province_code, parsed.sex, parsed.year_of_birth) == (province, sex, born.year)


@given(provinces, births, st.sampled_from(Sex), tails, st.sampled_from(DigitGroup), st.data())
def test_changing_one_group_is_refused_naming_that_group(
    province: str, born: date, sex: Sex, tail: str, group: DigitGroup, data: st.DataObject
) -> None:
    valid = _build(province, born, sex, tail)
    if group is DigitGroup.PROVINCE:
        other = data.draw(st.text(alphabet="0123456789", min_size=3, max_size=3).filter(lambda c: c not in PROVINCES))
        changed = other + valid[3:]
    elif group is DigitGroup.CENTURY:
        # Another century, either sex: the year digits alone no longer fit the date of birth.
        digit = data.draw(st.sampled_from([d for d in "0123456789" if born.year not in years_of(d)]))
        changed = valid[:3] + digit + valid[4:]
    else:
        year = data.draw(st.integers(0, 99).filter(lambda y: y != born.year % 100))
        changed = valid[:4] + f"{year:02d}" + valid[6:]

    with pytest.raises(CitizenIdMismatchError) as refused:
        check_citizen_id(changed, born, PROVINCES)

    assert refused.value.group is group
    assert str(group) in refused.value.reason
