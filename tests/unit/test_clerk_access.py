"""The role matrix, roles per unit, and the task rules behind the clerk actions (plain Python, no service)."""

import pytest

from services.department.domain.access import Action, Clerk, ForbiddenActionError, NotVisibleError, Role
from services.department.domain.task import (
    StaleVersionError,
    TaskActionError,
    check_supplement_request,
    check_version,
)

HANDLER_ONLY = {Action.CLAIM, Action.REQUEST_SUPPLEMENTS, Action.RETURN, Action.EXTEND}
A, B = "17179.KT", "17179.VP"


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_what_the_matrix_says(role: Role, action: Action) -> None:
    expected = {
        Role.RECEIVER: {Action.READ},
        Role.HANDLER: {
            Action.READ,
            Action.COMMENT,
            Action.RELEASE,
            Action.DRAFT_APOLOGY,
            Action.NOTIFY_FINANCIAL_OBLIGATION,
            *HANDLER_ONLY,
        },
        Role.APPROVER: {
            Action.READ,
            Action.COMMENT,
            Action.APPROVE,
            Action.REFUSE,
            Action.NOTIFY_FINANCIAL_OBLIGATION,
        },
        Role.SUPERVISOR: {
            Action.READ,
            Action.READ_AUDIT,
            Action.READ_OVERDUE,
            Action.DRAFT_APOLOGY,
            Action.RELEASE,
            Action.RELEASE_OTHERS,
            Action.REASSIGN,
        },
    }[role]

    assert Clerk.of("c", {A: [role.value]}).may(A, action) is (action in expected)


def test_roles_hold_only_in_the_unit_they_are_given_for() -> None:
    clerk = Clerk.of("lan", {A: ["handler"], B: ["supervisor"]})

    clerk.check(A, Action.CLAIM)
    with pytest.raises(ForbiddenActionError, match=r"claim needs one of the roles: handler in unit 17179\.VP"):
        clerk.check(B, Action.CLAIM)
    clerk.check(B, Action.READ_AUDIT)
    with pytest.raises(ForbiddenActionError, match="read-audit needs one of the roles: supervisor"):
        clerk.check(A, Action.READ_AUDIT)
    clerk.check(B, Action.REASSIGN)
    assert not clerk.may(A, Action.RELEASE_OTHERS)
    assert clerk.roles_in(A) == {Role.HANDLER}
    assert clerk.units == {A, B}


def test_the_legacy_units_and_roles_give_every_role_in_every_unit() -> None:
    clerk = Clerk.in_units("lan", [A, B], ["handler", "supervisor"])

    assert clerk.unit_roles == {A: {Role.HANDLER, Role.SUPERVISOR}, B: {Role.HANDLER, Role.SUPERVISOR}}


def test_another_units_task_is_not_visible_whatever_the_roles() -> None:
    clerk = Clerk.of("c", {A: [r.value for r in Role]})

    with pytest.raises(NotVisibleError):
        clerk.check("40.SNNMT", Action.READ)
    assert not clerk.may("40.SNNMT", Action.READ)


def test_unknown_roles_give_no_right() -> None:
    clerk = Clerk.of("c", {A: ["admin", "root"]})

    assert clerk.roles_in(A) == frozenset()
    with pytest.raises(ForbiddenActionError, match="read needs one of the roles"):
        clerk.check(A, Action.READ)


def test_a_stale_version_is_refused_naming_if_match() -> None:
    with pytest.raises(StaleVersionError) as raised:
        check_version(current=3, expected=2)

    assert raised.value.field == "If-Match"
    check_version(current=3, expected=3)


def test_a_task_asks_for_supplements_once_only_where_the_procedure_says_so() -> None:
    assert check_supplement_request("open", ("a",), asked_before=1, once=False) == ("a",)
    with pytest.raises(TaskActionError, match="one supplement request per dossier") as raised:
        check_supplement_request("open", ("a",), asked_before=1, once=True)

    assert raised.value.field == "missing"
