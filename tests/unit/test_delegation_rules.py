"""Provincial delegation rules: loading, validation and which rule is in force."""

from datetime import date
from pathlib import Path

import pytest

from services.routing.adapters.delegation_rules import delegation_rules
from services.routing.domain.delegation import DelegationRules
from shared.reference.data import ReferenceDataError

RULE = """\
  - id: 91-land
    province: "91"
    procedure: "1.013978"
    task: register-land
    to: "commune:KT"
    decision: "Quyết định 1/QĐ-UBND"
    effective_from: 2025-07-01
"""


def _rules(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "delegations.yaml"
    path.write_text(f'version: "t"\nrules:\n{body}', encoding="utf-8")
    return path


def test_the_shipped_rules_load_and_match_the_catalogue() -> None:
    rules = delegation_rules(illustrative=True)

    assert rules.version.endswith("+illustrative")
    assert rules.rule_for(province="91", procedure="1.013978", task="register-land", on=date(2026, 1, 5))


def test_the_shipped_illustrative_rules_are_not_in_force_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIENTHONG_ILLUSTRATIVE_DELEGATIONS", raising=False)
    shipped = delegation_rules.__wrapped__(illustrative=True)

    rules = delegation_rules.__wrapped__()

    assert {rule.id for rule in shipped.rules if rule.illustrative} == {
        "91-land-registration-to-commune",
        "01-small-construction-permits-to-department",
    }
    assert rules.rules == ()
    assert rules.rule_for(province="91", procedure="1.013978", task="register-land", on=date(2026, 1, 5)) is None


def test_the_setting_puts_the_illustrative_rules_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIENTHONG_ILLUSTRATIVE_DELEGATIONS", "true")

    rules = delegation_rules.__wrapped__()

    assert rules.rule_for(province="91", procedure="1.013978", task="register-land", on=date(2026, 1, 5))


def test_an_illustrative_rule_is_checked_even_when_not_in_force(tmp_path: Path) -> None:
    broken = RULE.replace('"commune:KT"', '"commune:XYZ"') + "    illustrative: true\n"

    with pytest.raises(ReferenceDataError, match=r"rules\[91-land\]\.to: no kind commune:XYZ in unit_kinds.yaml"):
        delegation_rules.__wrapped__(_rules(tmp_path, broken), illustrative=False)


def test_a_rule_for_an_unknown_province_names_it(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"rules\[91-land\]\.province: there is no province 93"):
        delegation_rules.__wrapped__(_rules(tmp_path, RULE.replace('province: "91"', 'province: "93"')))


def test_a_rule_applies_only_in_its_province_task_and_period(tmp_path: Path) -> None:
    ended = RULE.replace("effective_from: 2025-07-01", "effective_from: 2025-07-01\n    effective_until: 2026-01-01")
    rules = delegation_rules.__wrapped__(_rules(tmp_path, ended), illustrative=False)

    assert rules.rule_for(province="91", procedure="1.013978", task="register-land", on=date(2025, 12, 31))
    assert rules.rule_for(province="91", procedure="1.013978", task="register-land", on=date(2026, 1, 1)) is None
    assert rules.rule_for(province="91", procedure="1.013978", task="register-land", on=date(2025, 6, 30)) is None
    assert rules.rule_for(province="40", procedure="1.013978", task="register-land", on=date(2025, 12, 1)) is None
    assert rules.rule_for(province="91", procedure="1.013978", task="confirm-land-use", on=date(2025, 12, 1)) is None


def test_overlapping_rules_for_one_task_are_rejected(tmp_path: Path) -> None:
    second = RULE.replace("id: 91-land", "id: 91-land-again").replace('"commune:KT"', '"province:VPUBND"')

    with pytest.raises(ReferenceDataError, match="rules 91-land and 91-land-again cover the same task"):
        delegation_rules.__wrapped__(_rules(tmp_path, RULE + second))


def test_consecutive_rules_for_one_task_are_fine(tmp_path: Path) -> None:
    first = RULE.replace("effective_from: 2025-07-01", "effective_from: 2025-07-01\n    effective_until: 2026-01-01")
    second = RULE.replace("id: 91-land", "id: 91-land-2026").replace("2025-07-01", "2026-01-01")

    rules = delegation_rules.__wrapped__(_rules(tmp_path, first + second), illustrative=False)

    found = rules.rule_for(province="91", procedure="1.013978", task="register-land", on=date(2026, 3, 2))
    assert found is not None
    assert found.id == "91-land-2026"


def test_a_malformed_unit_names_the_rule_and_field(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"rules\[91-land\]\.to\.level"):
        delegation_rules.__wrapped__(_rules(tmp_path, RULE.replace('"commune:KT"', '"district:KT"')))


def test_a_rule_for_a_task_the_procedure_lacks_names_the_task(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"rules\[91-land\]\.task: 1\.013978 has no task 'survey'"):
        delegation_rules.__wrapped__(_rules(tmp_path, RULE.replace("task: register-land", "task: survey")))


def test_a_rule_for_an_unknown_procedure_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match=r"rules\[91-land\]\.procedure: 9\.999999 is not in catalogue"):
        delegation_rules.__wrapped__(_rules(tmp_path, RULE.replace('"1.013978"', '"9.999999"')))


def test_an_end_before_the_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="is not after effective_from"):
        DelegationRules.model_validate(
            {
                "version": "t",
                "rules": [
                    {
                        "id": "x",
                        "province": "91",
                        "procedure": "1.013978",
                        "task": "register-land",
                        "to": "commune:KT",
                        "decision": "d",
                        "effective_from": "2026-01-01",
                        "effective_until": "2025-01-01",
                    }
                ],
            }
        )
