"""The draft apology letter of an overdue task (Form 04 of Decree 61/2018/NĐ-CP): plain Python.

When a unit cannot return a result on time it apologises to the applicant in writing and sets
a new return date (Decree 61/2018 art. 19(3), Form 04 "Phiếu xin lỗi và hẹn lại ngày trả kết
quả"). The draft is prepared for the task's clerk once the task is overdue and not yet
extended: the reason is theirs to write, the new date is a proposal from the calendar. They send
both through the extension action (``POST /v1/tasks/{id}/extension``), which tells the applicant.

The proposed date gives the task its allowance again, counted in working days from today (at
least one): a task of 5 working days, overdue, is proposed for the 5th working day after today.
"""

from dataclasses import dataclass
from datetime import date, datetime

from services.department.domain.task import TaskStatus
from shared.reference.calendar import WorkingCalendar

FORM = "Mẫu số 04, Nghị định 61/2018/NĐ-CP (Phiếu xin lỗi và hẹn lại ngày trả kết quả)"
REASON_TO_COMPLETE = "[lý do chậm trả kết quả: cán bộ xử lý ghi rõ]"
APPLICANT_TO_COMPLETE = "[họ tên người nộp hồ sơ]"


class NotDraftableError(Exception):
    """The task is not overdue, or was extended already: no apology to draft (409 naming ``field``)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def check_draftable(status: str, due_at: datetime | None, now: datetime, *, extended: bool) -> datetime:
    """The due time the task missed; :class:`NotDraftableError` unless it is open, past due and never extended.

    A task waiting for supplements is not late on the unit's side: its clock is stopped.
    """
    if status != TaskStatus.OPEN:
        raise NotDraftableError(f"the task is {status}, not open: only an open task is late", "status")
    if due_at is None or due_at >= now:
        raise NotDraftableError("the task is not overdue", "due_at")
    if extended:
        raise NotDraftableError(
            "the task was extended already: its apology letter was sent with the extension", "extension"
        )
    return due_at


def proposed_new_date(calendar: WorkingCalendar, *, assigned: date, due: date, today: date) -> date:
    """The task's allowance in working days (at least one) again, counted from ``today``."""
    allowance = max(1, calendar.working_days_between(assigned, due))
    return calendar.add_working_days(today, allowance)


@dataclass(frozen=True)
class LetterFacts:
    """What the letter names; the applicant's name is not the department's to know."""

    unit_name: str
    dossier_code: str
    procedure_name: str
    received_on: date
    due_on: date
    new_due_on: date
    today: date


def letter(facts: LetterFacts) -> str:
    """The body of Form 04 in Vietnamese, with the reason (and the applicant's name) left for the clerk."""
    return (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ\n\n"
        f"{facts.unit_name} xin gửi lời xin lỗi đến ông/bà {APPLICANT_TO_COMPLETE}.\n\n"
        f"Ngày {_d(facts.received_on)}, {facts.unit_name} nhận hồ sơ mã {facts.dossier_code}"
        f" để giải quyết thủ tục: {facts.procedure_name}.\n"
        f"Thời hẹn trả kết quả giải quyết hồ sơ: ngày {_d(facts.due_on)}.\n\n"
        f"Tuy nhiên đến nay, {facts.unit_name} chưa trả kết quả giải quyết hồ sơ cho ông/bà.\n"
        f"Lý do: {REASON_TO_COMPLETE}.\n\n"
        f"Sự chậm trễ này đã gây phiền hà cho ông/bà. {facts.unit_name} xin lỗi ông/bà và hẹn lại"
        f" ngày trả kết quả vào ngày {_d(facts.new_due_on)}.\n\n"
        f"Ngày {_d(facts.today)}.\n"
    )


def _d(day: date) -> str:
    return f"{day:%d/%m/%Y}"
