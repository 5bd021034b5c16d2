"""Claims: who holds a task, until when, and who may release or reassign it (plain Python, no service)."""

from datetime import UTC, datetime, timedelta

import pytest

from services.department.domain.claims import (
    check_claim,
    check_not_held_by_another,
    check_reassignment,
    check_release,
    expiry,
    holder,
)
from services.department.domain.task import TaskActionError

NOON = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def test_a_claim_belongs_to_one_handler_until_released() -> None:
    check_claim("open", None, "lan")
    check_claim("waiting", None, "lan")
    with pytest.raises(TaskActionError, match="claimed by lan"):
        check_claim("open", "lan", "minh")
    with pytest.raises(TaskActionError, match="already hold"):
        check_claim("open", "lan", "lan")
    with pytest.raises(TaskActionError, match="already approved"):
        check_claim("approved", None, "lan")
    with pytest.raises(TaskActionError) as raised:
        check_not_held_by_another("lan", "minh")
    assert raised.value.field == "claimed_by"
    check_not_held_by_another("lan", "lan")
    check_not_held_by_another(None, "minh")


def test_a_claim_holds_until_its_expiry_and_not_from_then_on() -> None:
    until = expiry(NOON, timedelta(hours=8))

    assert until == NOON + timedelta(hours=8)
    assert holder("lan", until, until - timedelta(microseconds=1)) == "lan"
    assert holder("lan", until, until) is None
    assert holder(None, None, NOON) is None
    with pytest.raises(ValueError, match="must last"):
        expiry(NOON, timedelta(0))


def test_only_the_holder_or_a_supervisor_releases_a_claim() -> None:
    assert check_release("lan", "lan", may_release_others=False) == "lan"
    assert check_release("lan", "hoa", may_release_others=True) == "lan"
    with pytest.raises(TaskActionError, match="not by you; only a supervisor"):
        check_release("lan", "minh", may_release_others=False)
    with pytest.raises(TaskActionError, match="not claimed"):
        check_release(None, "lan", may_release_others=True)


def test_a_reassignment_names_a_clerk_other_than_the_holder_of_an_unfinished_task() -> None:
    assert check_reassignment("open", "lan", " minh ") == "minh"
    assert check_reassignment("waiting", None, "minh") == "minh"
    with pytest.raises(TaskActionError, match="minh already holds") as raised:
        check_reassignment("open", "minh", "minh")
    assert raised.value.field == "clerk_id"
    with pytest.raises(TaskActionError, match="names the clerk"):
        check_reassignment("open", None, "  ")
    with pytest.raises(TaskActionError, match="already refused"):
        check_reassignment("refused", None, "minh")
