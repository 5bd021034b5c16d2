"""Jurisdiction: the unit of each task from the commune, the province's rules and the catalogue."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from services.routing.adapters.delegation_rules import delegation_rules
from services.routing.domain.delegation import DelegationRules
from services.routing.domain.jurisdiction import build_plan, route_task
from shared.reference.catalogue import Procedure
from shared.reference.data import catalogue

ON = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
NO_RULES = DelegationRules(version="none")
RULES = delegation_rules(illustrative=True)
"""The shipped rules with the illustrative ones in force, as the demo and the end-to-end tests run."""


def _procedure(code: str) -> Procedure:
    found = catalogue().find(code)
    assert found is not None, code
    return found


def _group(*components: str) -> Procedure:
    return next(p for p in catalogue().procedures if {c.key for c in p.components} == set(components))


def _plan(
    procedure: Procedure, commune: str, province: str, components: tuple[str, ...] = ()
) -> list[tuple[int, str, str]]:
    plan = build_plan(
        procedure,
        components=components,
        dossier_id=uuid4(),
        dossier_code="000.00.15.H40-261123-0001",
        commune_code=commune,
        province_code=province,
        receiving_agency="000.00.15.H40",
        received_at=NOW,
        due_at=NOW,
        catalogue_version=catalogue().version,
        rules=RULES,
        local_day=ON,
    )
    return [(t.stage, t.key, t.routing.unit_code) for t in plan.tasks]


def test_a_commune_task_goes_to_the_commune_and_a_province_task_to_its_province() -> None:
    assert _plan(_procedure("1.013978"), "17179", "40") == [
        (0, "confirm-land-use", "17179.KT"),
        (1, "register-land", "40.SNNMT"),
        (2, "issue-land-certificate", "17179.KT"),
    ]


def test_the_birth_group_keeps_only_the_chosen_components_and_drops_empty_stages() -> None:
    group = _group("birth", "residence", "health-insurance")

    assert _plan(group, "17179", "40", ("residence",)) == [
        (0, "register-birth", "17179.VP"),
        (1, "register-residence", "17179.CA"),
    ]
    assert _plan(group, "17179", "40", ("residence", "health-insurance")) == [
        (0, "register-birth", "17179.VP"),
        (1, "register-residence", "17179.CA"),
        (1, "issue-health-insurance", "40.BHXH"),
    ]


def test_a_group_without_an_optional_component_is_refused() -> None:
    with pytest.raises(ValueError, match="choose at least 1"):
        _plan(_group("birth", "residence", "health-insurance"), "17179", "40")


def test_a_rule_moves_a_department_task_to_the_commune() -> None:
    routing, alternatives = route_task(
        _procedure("1.013978"),
        next(t for t in _procedure("1.013978").tasks() if t.key == "register-land"),
        commune_code="30742",
        province_code="91",
        rules=RULES,
        on=ON,
    )

    assert (routing.unit_code, routing.rule) == ("30742.KT", "91-land-registration-to-commune")
    assert [a.unit_code for a in alternatives] == ["91.SNNMT", "91.VPUBND"]


def test_a_rule_moves_a_commune_task_to_the_department() -> None:
    permit = _procedure("1.013225")
    task = permit.tasks()[0]

    in_hanoi, _ = route_task(permit, task, commune_code="00004", province_code="01", rules=RULES, on=ON)
    elsewhere, _ = route_task(permit, task, commune_code="17179", province_code="40", rules=RULES, on=ON)

    assert (in_hanoi.unit_code, in_hanoi.rule) == ("01.SXD", "01-small-construction-permits-to-department")
    assert (elsewhere.unit_code, elsewhere.rule) == ("17179.KT", None)


def test_a_rule_not_yet_in_force_does_not_apply() -> None:
    register = next(t for t in _procedure("1.013978").tasks() if t.key == "register-land")

    routing, _ = route_task(
        _procedure("1.013978"),
        register,
        commune_code="30742",
        province_code="91",
        rules=RULES,
        on=date(2025, 6, 30),
    )

    assert routing.unit_code == "91.SNNMT"


def test_a_department_the_province_lacks_falls_back_to_the_peoples_committee_office() -> None:
    procedure = Procedure.model_validate(
        {
            **_procedure("1.001193").model_dump(),
            "code": "1.000001",
            "level": "province",
            "plan": [
                {
                    "name": "Quy hoạch",
                    "tasks": [
                        {"key": "plan", "name_vi": "x", "name_en": "x", "unit": "province:SQHKT", "working_days": 1}
                    ],
                }
            ],
        }
    )

    routing, alternatives = route_task(
        procedure, procedure.tasks()[0], commune_code="17179", province_code="40", rules=NO_RULES, on=ON
    )

    assert routing.unit_code == "40.VPUBND"
    assert "has no optional department SQHKT" in routing.explanation
    assert alternatives == []
