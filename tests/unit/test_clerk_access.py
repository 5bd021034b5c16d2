"""The role matrix and the task rules behind the clerk actions (plain Python, no service)."""

import pytest

from services.department.domain.access import Action, Clerk, ForbiddenActionError, NotVisibleError, Role
from services.department.domain.task import (
    StaleVersionError,
    TaskActionError,
    check_claim,
    check_not_held_by_another,
    check_release,
    check_supplement_request,
    check_version,
)

HANDLER_ONLY = {Action.CLAIM, Action.RELEASE, Action.REQUEST_SUPPLEMENTS, Action.RETURN, Action.EXTEND}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_what_the_matrix_says(role: Role, action: Action) -> None:
    expected = {
        Role.RECEIVER: {Action.READ},
        Role.HANDLER: {Action.READ, Action.COMMENT, *HANDLER_ONLY},
        Role.APPROVER: {Action.READ, Action.COMMENT, Action.APPROVE, Action.REFUSE},
        Role.SUPERVISOR: {Action.READ, Action.READ_AUDIT},
    }[role]

    assert Clerk.of("c", ["17179.KT"], [role.value]).may(action) is (action in expected)


def test_another_units_task_is_not_visible_whatever_the_roles() -> None:
    clerk = Clerk.of("c", ["17179.KT"], [r.value for r in Role])

    with pytest.raises(NotVisibleError):
        clerk.check("40.SNNMT", Action.READ)


def test_unknown_roles_give_no_right() -> None:
    clerk = Clerk.of("c", ["17179.KT"], ["admin", "root"])

    assert clerk.roles == frozenset()
    with pytest.raises(ForbiddenActionError, match="read needs one of the roles"):
        clerk.check("17179.KT", Action.READ)


def test_a_stale_version_is_refused_naming_if_match() -> None:
    with pytest.raises(StaleVersionError) as raised:
        check_version(current=3, expected=2)

    assert raised.value.field == "If-Match"
    check_version(current=3, expected=3)


def test_a_claim_belongs_to_one_handler_until_released() -> None:
    check_claim("open", None, "lan")
    check_claim("waiting", None, "lan")
    with pytest.raises(TaskActionError, match="claimed by lan"):
        check_claim("open", "lan", "minh")
    with pytest.raises(TaskActionError, match="already hold"):
        check_claim("open", "lan", "lan")
    with pytest.raises(TaskActionError, match="already approved"):
        check_claim("approved", None, "lan")
    with pytest.raises(TaskActionError, match="not by you"):
        check_release("lan", "minh")
    with pytest.raises(TaskActionError, match="not claimed"):
        check_release(None, "lan")
    with pytest.raises(TaskActionError) as raised:
        check_not_held_by_another("lan", "minh")
    assert raised.value.field == "claimed_by"
    check_not_held_by_another("lan", "lan")
    check_not_held_by_another(None, "minh")


def test_a_task_asks_for_supplements_once_only_where_the_procedure_says_so() -> None:
    assert check_supplement_request("open", ("a",), asked_before=1, once=False) == ("a",)
    with pytest.raises(TaskActionError, match="one supplement request per dossier") as raised:
        check_supplement_request("open", ("a",), asked_before=1, once=True)

    assert raised.value.field == "missing"
