"""The structure of a 12-digit citizen ID (số định danh cá nhân), checked against the date of birth.

Digits 1-3: province of birth registration; digit 4: century and sex; digits 5-6: the last two
digits of the year of birth; digits 7-12: random (Decree 137/2015/NĐ-CP, Circular 07/2016/TT-BCA
art. 7). The century and sex digit is ``2 * (century - 20) + sex`` with sex 0 male, 1 female:
0/1 born 1900-1999, 2/3 2000-2099, 4/5 2100-2199, 6/7 2200-2299, 8/9 2300-2399. The provinces are
reference data (``shared/reference/birth_provinces.yaml``). Unconfirmed: which article of which text
states the century table (secondary sources name Appendix III of Circular 07/2016/TT-BCA) and
whether a date of birth before 1900 can occur in a 12-digit ID (this module refuses it).
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

FIRST_CENTURY = 1900
"""The century digits 0/1 stand for; each pair of digits after them is a century later."""
TO = "\N{EN DASH}"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class DigitGroup(StrEnum):
    """The parts of the number, named as the refusals name them."""

    PROVINCE = f"digits 1{TO}3 (province of birth registration)"
    CENTURY = "digit 4 (century and sex)"
    YEAR = f"digits 5{TO}6 (year of birth)"


class CitizenIdMismatchError(ValueError):
    """The ID cannot belong to this applicant; ``group`` is the part at fault, ``reason`` says why."""

    def __init__(self, group: DigitGroup, reason: str) -> None:
        super().__init__(reason)
        self.group = group
        self.reason = reason


@dataclass(frozen=True)
class CitizenId:
    """What the structure of a valid ID says about its holder."""

    province_code: str
    sex: Sex
    year_of_birth: int


def century_digit(year: int, sex: Sex) -> str:
    """Digit 4 for someone of ``sex`` born in ``year``; ValueError outside 1900-2399."""
    index, _ = divmod(year - FIRST_CENTURY, 100)
    if not 0 <= index <= 4:
        raise ValueError(f"no century digit covers the year {year}")
    return str(2 * index + (1 if sex is Sex.FEMALE else 0))


def years_of(digit: str) -> range:
    """The years of birth a century and sex digit stands for."""
    start = FIRST_CENTURY + 100 * (int(digit) // 2)
    return range(start, start + 100)


def check_citizen_id(citizen_id: str, date_of_birth: date, provinces: Collection[str]) -> CitizenId:
    """Parse ``citizen_id`` and check each group against ``provinces`` and ``date_of_birth``.

    Raises :class:`CitizenIdMismatchError` naming the first group that does not fit.
    """
    if len(citizen_id) != 12 or not citizen_id.isascii() or not citizen_id.isdigit():
        raise ValueError("a citizen ID has 12 digits")
    province, century, year_digits = citizen_id[:3], citizen_id[3], citizen_id[4:6]
    if province not in provinces:
        raise CitizenIdMismatchError(
            DigitGroup.PROVINCE, f"{DigitGroup.PROVINCE} are {province!r}: no province has that code"
        )
    years = years_of(century)
    if date_of_birth.year not in years:
        raise CitizenIdMismatchError(
            DigitGroup.CENTURY,
            f"{DigitGroup.CENTURY} is {century!r}: born {years[0]}{TO}{years[-1]},"
            f" but date_of_birth is {date_of_birth.isoformat()}",
        )
    if int(year_digits) != date_of_birth.year % 100:
        raise CitizenIdMismatchError(
            DigitGroup.YEAR, f"{DigitGroup.YEAR} are {year_digits!r}, but date_of_birth is in {date_of_birth.year}"
        )
    sex = Sex.FEMALE if int(century) % 2 else Sex.MALE
    return CitizenId(province_code=province, sex=sex, year_of_birth=date_of_birth.year)
