"""Chosen components of an inter-connected procedure at submission (services.intake.domain.submission)."""

from typing import Any

import pytest

from services.intake.domain.submission import SubmissionRejectedError, accept
from shared.reference.catalogue import Catalogue, Procedure
from shared.reference.data import catalogue, centres

QUYNH_LUU_CENTRE = "000.01.15.H40"
XA_QUYNH_LUU = "17179"
SINGLE = "1.001193"
GROUP = "1.900001"


def _task(key: str, component: str | None = None) -> dict[str, Any]:
    return {"key": key, "name_vi": key, "name_en": key, "unit": "commune:VP", "working_days": 1, "component": component}


def _procedure(code: str, **changes: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name_vi": "Thủ tục",
        "name_en": "Procedure",
        "field": "civil-status",
        "level": "commune",
        "working_days": 3,
        "source": "test",
        "verified": True,
        "documents": [{"name_vi": "Tờ khai", "name_en": "Form"}],
        "fees": [{"name_vi": "Miễn phí", "name_en": "Free", "amount_vnd": 0}],
        "plan": [{"name": "Một", "tasks": [_task("one")]}],
    } | changes


TEST_CATALOGUE = Catalogue.model_validate(
    {
        "version": "test",
        "procedures": [
            _procedure(SINGLE),
            _procedure(
                GROUP,
                components=[
                    {"key": "birth", "name_vi": "Khai sinh", "name_en": "Birth", "required": True},
                    {"key": "residence", "name_vi": "Thường trú", "name_en": "Residence"},
                    {"key": "health-insurance", "name_vi": "Bảo hiểm y tế", "name_en": "Health insurance"},
                ],
                min_optional_components=1,
                plan=[
                    {"name": "Một", "tasks": [_task("register-birth", "birth")]},
                    {"name": "Hai", "tasks": [_task("residence", "residence"), _task("card", "health-insurance")]},
                ],
            ),
        ],
    }
)


def _accept(procedure_code: str, components: tuple[str, ...], shipped: bool = False) -> tuple[str, ...]:
    return accept(
        procedure_code=procedure_code,
        commune_code=XA_QUYNH_LUU,
        receiving_agency=QUYNH_LUU_CENTRE,
        catalogue=catalogue() if shipped else TEST_CATALOGUE,
        centres=centres(),
        components=components,
    ).components


def test_chosen_components_come_back_with_the_required_ones_first() -> None:
    assert _accept(GROUP, ("health-insurance",)) == ("birth", "health-insurance")


def test_choosing_a_required_component_too_changes_nothing() -> None:
    assert _accept(GROUP, ("residence", "birth", "residence")) == ("birth", "residence")


def test_a_single_procedure_without_components_accepts_an_empty_choice() -> None:
    assert _accept(SINGLE, ()) == ()


def test_components_are_optional_in_the_signature() -> None:
    accepted = accept(
        procedure_code=SINGLE,
        commune_code=XA_QUYNH_LUU,
        receiving_agency=QUYNH_LUU_CENTRE,
        catalogue=TEST_CATALOGUE,
        centres=centres(),
    )

    assert accepted.components == ()


def test_unknown_component_is_rejected_on_components_naming_what_is_offered() -> None:
    with pytest.raises(SubmissionRejectedError) as caught:
        _accept(GROUP, ("residence", "passport"))

    assert caught.value.field == "components"
    assert "passport" in caught.value.reason
    assert "birth, residence, health-insurance" in caught.value.reason


def test_components_given_to_a_procedure_that_has_none_are_rejected() -> None:
    with pytest.raises(SubmissionRejectedError) as caught:
        _accept(SINGLE, ("residence",))

    assert caught.value.field == "components"
    assert "residence" in caught.value.reason
    assert "offers: none" in caught.value.reason


@pytest.mark.parametrize("chosen", [(), ("birth",)])
def test_too_few_optional_components_are_rejected_with_the_minimum(chosen: tuple[str, ...]) -> None:
    with pytest.raises(SubmissionRejectedError) as caught:
        _accept(GROUP, chosen)

    assert caught.value.field == "components"
    assert "at least 1" in caught.value.reason
    assert caught.value.reason == str(caught.value.__cause__)


def test_procedure_centre_and_commune_are_checked_before_components() -> None:
    with pytest.raises(SubmissionRejectedError) as caught:
        accept(
            procedure_code=SINGLE,
            commune_code="99999",
            receiving_agency=QUYNH_LUU_CENTRE,
            catalogue=TEST_CATALOGUE,
            centres=centres(),
            components=("nonsense",),
        )

    assert caught.value.field == "commune_code"


@pytest.mark.parametrize("procedure", [p for p in catalogue().procedures if p.components], ids=lambda p: p.code)
def test_every_shipped_group_accepts_all_its_optional_parts(procedure: Procedure) -> None:
    optional = tuple(c.key for c in procedure.components if not c.required)
    required = tuple(c.key for c in procedure.components if c.required)

    assert _accept(procedure.code, optional, shipped=True) == required + optional
