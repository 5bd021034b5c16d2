"""A task's life in its unit (services.department.domain.task): supplements, returns, cancellation, resumption."""

from datetime import UTC, datetime, timedelta

import pytest

from services.department.domain.task import (
    TaskActionError,
    TaskStatus,
    cancellable,
    check_extension,
    check_return,
    check_supplement_request,
    complete,
    resumable,
)
from shared.contracts import TaskOutcome

FINISHED = ["approved", "refused", "returned", "cancelled"]


def test_the_statuses_are_the_six_of_the_work_queue() -> None:
    assert [s.value for s in TaskStatus] == ["open", "waiting", "approved", "refused", "returned", "cancelled"]


def test_only_open_and_waiting_tasks_are_unfinished() -> None:
    assert [s.value for s in TaskStatus if not s.is_finished] == ["open", "waiting"]


def test_an_open_task_asks_for_everything_missing_once_and_trimmed() -> None:
    missing = check_supplement_request("open", (" Sơ đồ thửa đất ", "Bản sao sổ hộ khẩu", "Sơ đồ thửa đất"))

    assert missing == ("Sơ đồ thửa đất", "Bản sao sổ hộ khẩu")


@pytest.mark.parametrize("missing", [(), ("",), ("  ", "\n")])
def test_a_supplement_request_must_say_what_is_missing(missing: tuple[str, ...]) -> None:
    with pytest.raises(TaskActionError, match="must say what is missing"):
        check_supplement_request("open", missing)


def test_an_open_task_is_returned_with_its_reason_trimmed() -> None:
    assert check_return("open", "  Thuộc thẩm quyền của Sở \n") == "Thuộc thẩm quyền của Sở"


@pytest.mark.parametrize("reason", ["", "   "])
def test_returning_a_task_needs_a_reason(reason: str) -> None:
    with pytest.raises(TaskActionError, match="needs a reason"):
        check_return("open", reason)


def test_a_waiting_task_cannot_be_completed_sent_for_supplements_or_returned() -> None:
    for act in (
        lambda: complete("waiting", TaskOutcome.APPROVED, None),
        lambda: check_supplement_request("waiting", ("Sơ đồ thửa đất",)),
        lambda: check_return("waiting", "không thuộc thẩm quyền"),
    ):
        with pytest.raises(TaskActionError, match=r"^task is waiting for supplements$"):
            act()


@pytest.mark.parametrize("status", FINISHED)
def test_a_finished_task_cannot_be_sent_for_supplements(status: str) -> None:
    with pytest.raises(TaskActionError, match=rf"^task is already {status}$"):
        check_supplement_request(status, ("Sơ đồ thửa đất",))


@pytest.mark.parametrize("status", FINISHED)
def test_a_finished_task_cannot_be_returned(status: str) -> None:
    with pytest.raises(TaskActionError, match=rf"^task is already {status}$"):
        check_return(status, "không thuộc thẩm quyền")


@pytest.mark.parametrize("status", ["returned", "cancelled"])
@pytest.mark.parametrize("outcome", list(TaskOutcome))
def test_a_returned_or_cancelled_task_cannot_be_completed(status: str, outcome: TaskOutcome) -> None:
    with pytest.raises(TaskActionError, match=f"already {status}"):
        complete(status, outcome, "lý do")


def test_the_state_is_checked_before_the_input() -> None:
    with pytest.raises(TaskActionError, match="already approved"):
        check_supplement_request("approved", ())
    with pytest.raises(TaskActionError, match="waiting for supplements"):
        check_return("waiting", "")


@pytest.mark.parametrize(("status", "expected"), [("open", True), ("waiting", True)] + [(s, False) for s in FINISHED])
def test_routing_cancels_only_unfinished_tasks(status: str, expected: bool) -> None:
    assert cancellable(status) is expected


@pytest.mark.parametrize(("status", "expected"), [("waiting", True), ("open", False)] + [(s, False) for s in FINISHED])
def test_only_a_waiting_task_resumes(status: str, expected: bool) -> None:
    assert resumable(status) is expected


def test_an_unknown_status_is_a_bug_not_a_refusal() -> None:
    with pytest.raises(ValueError, match="'closed' is not a valid TaskStatus"):
        complete("closed", TaskOutcome.APPROVED, None)


DUE = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", ["open", "waiting"])
def test_an_unfinished_task_may_be_extended_to_a_later_time_with_a_reason(status: str) -> None:
    assert check_extension(status, DUE, DUE + timedelta(days=2), "  cần xác minh  ") == "cần xác minh"


def test_an_extension_must_be_later_and_explained() -> None:
    with pytest.raises(TaskActionError, match="is not after"):
        check_extension("open", DUE, DUE, "late")
    with pytest.raises(TaskActionError, match="needs the reason"):
        check_extension("open", DUE, DUE + timedelta(days=1), "   ")


@pytest.mark.parametrize("status", ["approved", "refused", "returned", "cancelled"])
def test_a_finished_task_cannot_be_extended(status: str) -> None:
    with pytest.raises(TaskActionError, match=f"already {status}"):
        check_extension(status, DUE, DUE + timedelta(days=1), "late")
