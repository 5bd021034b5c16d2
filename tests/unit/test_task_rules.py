"""Finishing a unit's task (services.department.domain.task.complete)."""

import pytest

from services.department.domain.task import Completion, TaskActionError, complete
from shared.contracts import TaskOutcome


def test_open_task_can_be_approved_without_reason() -> None:
    assert complete("open", TaskOutcome.APPROVED, None) == Completion(TaskOutcome.APPROVED, None)


def test_approval_keeps_a_given_reason() -> None:
    assert complete("open", TaskOutcome.APPROVED, "Đủ điều kiện") == Completion(TaskOutcome.APPROVED, "Đủ điều kiện")


def test_open_task_can_be_refused_with_reason() -> None:
    completion = complete("open", TaskOutcome.REFUSED, "Thiếu giấy tờ")

    assert completion.outcome is TaskOutcome.REFUSED
    assert completion.reason == "Thiếu giấy tờ"


def test_reason_is_stripped_of_surrounding_whitespace() -> None:
    assert complete("open", TaskOutcome.REFUSED, "  Thiếu giấy tờ \n").reason == "Thiếu giấy tờ"


def test_blank_reason_on_approval_becomes_none() -> None:
    assert complete("open", TaskOutcome.APPROVED, "   ").reason is None


@pytest.mark.parametrize("reason", [None, "", "   ", "\t\n"])
def test_refusal_without_reason_is_not_allowed(reason: str | None) -> None:
    with pytest.raises(TaskActionError, match="refusal needs a reason"):
        complete("open", TaskOutcome.REFUSED, reason)


@pytest.mark.parametrize("status", ["approved", "refused"])
@pytest.mark.parametrize("outcome", list(TaskOutcome))
def test_task_that_is_not_open_cannot_be_completed(status: str, outcome: TaskOutcome) -> None:
    with pytest.raises(TaskActionError, match=f"already {status}"):
        complete(status, outcome, "lý do")
