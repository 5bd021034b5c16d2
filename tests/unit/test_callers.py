"""What each kind of caller may reach: provinces and centres of integrators, clerks' roles per unit."""

import pytest

from shared.kernel.auth.callers import Citizen, Clerk, Integrator, Scope, province_of


@pytest.mark.parametrize(
    ("text", "province"),
    [("000.01.15.H40", "40"), ("000.01.15.H40-261202-0001", "40"), ("000.00.15.H01", "01"), ("17179.KT", None)],
)
def test_the_province_is_the_two_digits_after_h(text: str, province: str | None) -> None:
    assert province_of(text) == province


def _portal(*scopes: Scope, provinces: tuple[str, ...] = ("40",), centres: tuple[str, ...] | None = None) -> Integrator:
    return Integrator(
        "portal", frozenset(scopes), frozenset(provinces), None if centres is None else frozenset(centres)
    )


def test_an_integrator_submits_only_with_the_scope_in_its_provinces() -> None:
    portal = _portal(Scope.SUBMIT)

    assert portal.may_submit_at("000.01.15.H40")
    assert not portal.may_submit_at("000.01.15.H01")
    assert not _portal(Scope.READ).may_submit_at("000.01.15.H40")


def test_an_integrator_with_centres_submits_only_at_those() -> None:
    counter = _portal(Scope.SUBMIT, centres=("000.01.15.H40",))

    assert counter.may_submit_at("000.01.15.H40")
    assert not counter.may_submit_at("000.02.15.H40")


def test_every_province_is_written_as_a_star() -> None:
    national = _portal(Scope.READ, provinces=("*",))

    assert national.may_read_province("01")
    assert national.may_read_province("40")
    assert not _portal(Scope.READ).may_read_province("01")
    assert not _portal(Scope.READ).may_read_province(None)


def test_a_clerks_roles_hold_only_in_their_unit() -> None:
    clerk = Clerk.of("lan", {"000.01.15.H40": ["receiver"], "17179.KT": ["handler"]})

    assert clerk.receives_at("000.01.15.H40")
    assert not clerk.receives_at("17179.KT")
    assert clerk.roles_in("elsewhere") == frozenset()
    assert clerk.client_id == "clerk:lan"


def test_a_citizen_is_recorded_under_a_pseudonym_not_their_id() -> None:
    citizen = Citizen("001090012345")

    assert citizen.client_id.startswith("citizen:")
    assert "001090012345" not in citizen.client_id
    assert citizen.client_id == Citizen("001090012345").client_id != Citizen("001090012346").client_id
