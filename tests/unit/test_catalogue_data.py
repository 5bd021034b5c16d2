"""The shipped procedure catalogue as data (shared/reference/procedures.yaml).

These tests check the content a deployment relies on — enough real procedures, both levels,
both inter-connected groups of Decree 63/2024/NĐ-CP with their component and task keys —
not the schema itself, which tests/unit/test_reference_data.py covers.
"""

import re
import unicodedata
from datetime import time
from itertools import combinations, pairwise

import pytest

from shared.reference.catalogue import Procedure
from shared.reference.data import catalogue

ALLOWED_UNITS = {
    "commune:VP",
    "commune:KT",
    "commune:VHXH",
    "commune:TTPVHCC",
    "commune:CA",
    "province:SNV",
    "province:STP",
    "province:STC",
    "province:SCT",
    "province:SNNMT",
    "province:SXD",
    "province:SKHCN",
    "province:SVHTTDL",
    "province:SGDDT",
    "province:SYT",
    "province:TTT",
    "province:VPUBND",
    "province:TTPVHCC",
    "province:CA",
    "province:BHXH",
}

BIRTH_GROUP = {"birth", "residence", "health-insurance"}
DEATH_GROUP = {"death", "residence-removal", "funeral-allowance", "survivor-benefit"}
DEATH_OPTIONAL = ("residence-removal", "funeral-allowance", "survivor-benefit")

PROCEDURES = catalogue().procedures


def _group(components: set[str]) -> Procedure:
    found = [p for p in PROCEDURES if {c.key for c in p.components} == components]
    assert len(found) == 1, f"expected exactly one procedure offering {sorted(components)}, found {len(found)}"
    return found[0]


def _has_diacritics(text: str) -> bool:
    """Vietnamese written with its marks: a letter decomposes into base + combining mark, or is đ."""
    return "đ" in text.lower() or any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text))


def test_shipped_catalogue_loads_under_its_version() -> None:
    assert catalogue().version == "2026.11.2"


def test_at_least_twenty_procedures() -> None:
    assert len(PROCEDURES) >= 20


def test_codes_are_unique_and_national_format() -> None:
    codes = [p.code for p in PROCEDURES]

    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"\d\.\d{6}", code) for code in codes)


def test_both_levels_are_present() -> None:
    assert {p.level for p in PROCEDURES} == {"commune", "province"}


def test_at_least_six_fields() -> None:
    assert len({p.field for p in PROCEDURES}) >= 6


def test_plain_birth_registration_keeps_its_code_and_single_task() -> None:
    birth = catalogue().find("1.001193")

    assert birth is not None
    assert not birth.components
    assert [(t.key, str(t.unit)) for t in birth.tasks()] == [("register-birth", "commune:VP")]
    assert birth.cutoff == time(15, 0)


def test_a_land_procedure_is_handled_by_the_agriculture_and_environment_department() -> None:
    land = [p for p in PROCEDURES if p.field == "land"]

    assert any("province:SNNMT" in {str(t.unit) for t in p.tasks()} for p in land)
    first_registration = catalogue().find("1.013978")
    assert first_registration is not None
    assert [[str(t.unit) for t in stage.tasks] for stage in first_registration.plan] == [
        ["commune:KT"],
        ["province:SNNMT"],
        ["commune:KT"],
    ]


def test_birth_group_offers_birth_required_and_two_optional_components() -> None:
    group = _group(BIRTH_GROUP)

    assert group.level == "commune"
    assert group.working_days == 3
    assert group.cutoff == time(15, 0)
    assert {c.key for c in group.components if c.required} == {"birth"}
    assert group.min_optional_components == 1


def test_birth_group_registers_the_birth_then_residence_and_card_in_parallel() -> None:
    group = _group(BIRTH_GROUP)

    first, second = group.plan
    assert [(t.key, str(t.unit), t.component) for t in first.tasks] == [("register-birth", "commune:VP", "birth")]
    assert first.tasks[0].working_days <= 1
    assert {(t.key, str(t.unit), t.component, t.working_days) for t in second.tasks} == {
        ("register-residence", "commune:CA", "residence", 2),
        ("issue-health-insurance", "province:BHXH", "health-insurance", 2),
    }


def test_death_group_offers_death_required_and_three_optional_components() -> None:
    group = _group(DEATH_GROUP)

    assert group.level == "commune"
    assert {c.key for c in group.components if c.required} == {"death"}
    assert {c.key for c in group.components if not c.required} == set(DEATH_OPTIONAL)
    assert group.min_optional_components == 1


def test_death_group_registers_the_death_then_the_others_in_parallel() -> None:
    group = _group(DEATH_GROUP)

    first, second = group.plan
    assert [(t.key, str(t.unit), t.component) for t in first.tasks] == [("register-death", "commune:VP", "death")]
    assert {(t.key, t.component) for t in second.tasks} == {
        ("remove-residence", "residence-removal"),
        ("pay-funeral-allowance", "funeral-allowance"),
        ("settle-survivor-benefit", "survivor-benefit"),
    }
    assert {str(t.unit) for t in second.tasks if t.key == "remove-residence"} == {"commune:CA"}


def test_death_group_without_an_optional_component_is_refused() -> None:
    group = _group(DEATH_GROUP)

    with pytest.raises(ValueError, match="at least 1"):
        group.chosen_components(())
    with pytest.raises(ValueError, match="at least 1"):
        group.chosen_components(("death",))


@pytest.mark.parametrize(
    "chosen",
    [combo for size in (1, 2, 3) for combo in combinations(DEATH_OPTIONAL, size)],
    ids=lambda combo: "+".join(combo),
)
def test_death_group_accepts_two_three_or_four_procedures(chosen: tuple[str, ...]) -> None:
    group = _group(DEATH_GROUP)

    assert group.chosen_components(chosen) == ("death", *chosen)


def test_death_group_names_an_unknown_component() -> None:
    group = _group(DEATH_GROUP)

    with pytest.raises(ValueError, match="pension-transfer"):
        group.chosen_components(("residence-removal", "pension-transfer"))


def test_plans_run_both_ways_between_the_levels() -> None:
    def transitions(procedure: Procedure) -> set[tuple[str, str]]:
        levels = [{t.unit.level for t in stage.tasks} for stage in procedure.plan]
        return {(a, b) for before, after in pairwise(levels) for a in before for b in after}

    found: set[tuple[str, str]] = set().union(*(transitions(p) for p in PROCEDURES))
    assert ("commune", "province") in found
    assert ("province", "commune") in found


@pytest.mark.parametrize("procedure", PROCEDURES, ids=lambda p: p.code)
def test_every_unit_kind_is_an_allowed_one(procedure: Procedure) -> None:
    assert {str(t.unit) for t in procedure.tasks()} <= ALLOWED_UNITS


@pytest.mark.parametrize("procedure", PROCEDURES, ids=lambda p: p.code)
def test_vietnamese_names_carry_their_diacritics(procedure: Procedure) -> None:
    names = [
        procedure.name_vi,
        *(t.name_vi for t in procedure.tasks()),
        *(c.name_vi for c in procedure.components),
        *(d.name_vi for d in procedure.documents),
        *(f.name_vi for f in procedure.fees),
    ]

    assert [name for name in names if not _has_diacritics(name)] == []


@pytest.mark.parametrize("procedure", PROCEDURES, ids=lambda p: p.code)
def test_plan_fits_in_the_statutory_time_and_cites_a_source(procedure: Procedure) -> None:
    longest = sum(max(t.working_days for t in stage.tasks) for stage in procedure.plan)

    assert longest <= procedure.working_days
    assert procedure.source.strip()
    assert all(f.amount_vnd >= 0 for f in procedure.fees)
