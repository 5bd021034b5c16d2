"""What the supervisors' overdue lists and the apology draft answer."""

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from services.department.api.models import TaskView


class OverdueTask(TaskView):
    """An open task past its due time."""

    days_overdue: int = Field(description="Whole days since its due time (0: less than a day).")
    escalation_step: int | None = Field(
        description="The last step of the province's escalation ladder it reached; none yet."
    )
    extended: bool = Field(description="Whether it was extended before (with an apology letter).")


class OverduePage(BaseModel):
    """A page of overdue tasks, most overdue first."""

    items: list[OverdueTask]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; None on the last page.")


class ExtensionToSend(BaseModel):
    """How the clerk sends the completed letter: the extension action with its reason and new date."""

    method: str = "POST"
    path: str = Field(examples=["/v1/tasks/6d2f…/extension"])
    body: dict[str, str | None] = Field(
        description="`new_due_date` proposed; `reason` is null until the clerk writes it (If-Match: the ETag)."
    )


class ApologyDraft(BaseModel):
    """A draft of Form 04 (Decree 61/2018/NĐ-CP) for an overdue task not yet extended, for its clerk to complete."""

    form: str
    task_id: UUID
    dossier_code: str
    procedure_code: str
    procedure_name: str
    unit_code: str
    unit_name: str
    received_at: datetime = Field(description="When the unit received the task.")
    original_due_at: datetime = Field(description="The appointment the unit missed: the task's due time.")
    reason: str | None = Field(default=None, description="Left for the clerk (null): why the result is late.")
    proposed_new_due_date: date = Field(
        description="A working day: the task's allowance again from today (at least one working day); the clerk"
        " may choose another."
    )
    letter: str = Field(description="The letter's text (Vietnamese), with the reason and the applicant to complete.")
    send_with: ExtensionToSend
