"""What the clerk API reads and answers: task views, pages, history, problems, action bodies."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from services.department.domain.task import TaskStatus
from shared.contracts.identity import UNSETTLED, IdentityDecision, IdentityStatus

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Reason = Annotated[Text, StringConstraints(max_length=2000)]


class TaskView(BaseModel):
    """A task in a unit's work queue; `version` is its ETag."""

    id: UUID
    dossier_id: UUID
    dossier_code: str
    unit_code: str
    procedure_code: str
    task_key: str | None = Field(description="The task's key in the procedure's plan (None for older tasks).")
    stage: int | None = Field(description="Index of the plan stage the task belongs to (None for older tasks).")
    status: TaskStatus
    version: int = Field(description="Bumped by every change; send it back as `If-Match` to act.")
    reason: str | None = Field(description="Why it was refused, returned or cancelled (or a note on approval).")
    missing: list[str] = Field(description="What the unit last asked the applicant to hand in.")
    completed_by: str | None
    assigned_at: datetime
    due_at: datetime | None = Field(description="End of the task's allowance; moved when it resumes after supplements.")
    completed_at: datetime | None
    claimed_by: str | None = Field(
        default=None,
        description="The clerk who claimed the task, if any; the claim holds only until `claim_expires_at`.",
    )
    claimed_at: datetime | None = None
    claim_expires_at: datetime | None = Field(
        default=None,
        description="When the claim stops holding: from then on the task counts as unclaimed and another handler"
        " may claim it.",
    )
    supplement_requests: int = Field(default=0, description="How many times this task asked for supplements.")
    final_stage: bool = Field(
        default=False, description="Whether the task is of the plan's last stage: its approval ends the dossier."
    )
    identity_status: IdentityStatus = Field(
        default=IdentityStatus.UNCHECKED,
        description="The applicant's check against the National Population Database, as routing last told it.",
    )
    identity_decision: IdentityDecision | None = Field(
        default=None,
        description="A receiving clerk's decision on a failed or pending check: `confirmed` or `refused`.",
    )
    identity_blocks_approval: bool = Field(
        default=False,
        description="True while the task is of the last stage and the identity is `failed` or `pending` without a"
        " confirmation: approving it answers 409 naming `identity` until a receiver of the centre decides.",
    )

    @model_validator(mode="after")
    def _gate(self) -> "TaskView":
        blocked = self.final_stage and self.identity_status in UNSETTLED
        self.identity_blocks_approval = blocked and self.identity_decision is not IdentityDecision.CONFIRMED
        return self


class TaskPage(BaseModel):
    """A page of a unit's inbox, soonest due first."""

    items: list[TaskView]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; None on the last page.")


class DocumentView(BaseModel):
    """A paper the procedure asks the applicant for (from the catalogue)."""

    name_vi: str
    name_en: str
    required: bool
    component: str | None = Field(description="The optional part of an inter-connected procedure it belongs to.")


class DossierSummary(BaseModel):
    """What the department knows of the dossier, completed from the procedure catalogue."""

    id: UUID
    code: str
    procedure_code: str
    procedure_name_vi: str | None = Field(description="None when the catalogue no longer has the procedure.")
    procedure_name_en: str | None
    field: str | None = Field(description="Field of administration, e.g. land, civil-status.")
    level: str | None = Field(description="Competent level: commune or province.")
    working_days: int | None = Field(description="Statutory time of the whole procedure.")
    supplement_once: bool | None = Field(description="At most one supplement request per dossier.")


class HistoryEntry(BaseModel):
    """One change of a task: by a clerk (`by_clerk`) or by routing (assigned, cancelled, resumed)."""

    id: int = Field(description="Also the change feed's event id.")
    action: str = Field(
        examples=["assigned", "claimed", "supplements-requested", "approved", "commented"],
        description="assigned, cancelled, resumed (routing); claimed, released, reassigned, approved, refused,"
        " supplements-requested, returned, extended, commented, financial-obligation-notified (clerks).",
    )
    actor: str = Field(description="The clerk's token subject, or `routing`.")
    by_clerk: bool
    status_before: TaskStatus | None
    status_after: TaskStatus
    version: int = Field(description="The task's version after the change.")
    detail: dict[str, Any] = Field(description="Reason, missing items, due dates or comment text, by action.")
    trace_id: str | None = Field(description="W3C trace id of the request that made the change.")
    at: datetime


class AuditEntry(HistoryEntry):
    """A clerk's action in the unit's audit log."""

    task_id: UUID
    unit_code: str
    dossier_code: str


class AuditPage(BaseModel):
    """A page of a unit's audit log, newest first."""

    items: list[AuditEntry]
    next_cursor: str | None


class TaskDetail(BaseModel):
    """One task with its dossier, the documents of its procedure and its whole history."""

    task: TaskView
    dossier: DossierSummary
    documents: list[DocumentView]
    history: list[HistoryEntry]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Approval(_Body):
    """An approver signs the unit's approval; the note is kept with the task."""

    note: Reason | None = Field(default=None, description="Optional remark for the file.")


class Refusal(_Body):
    """An approver refuses; the applicant is told the reason."""

    reason: Reason = Field(examples=["Thửa đất đang có tranh chấp"])


class SupplementRequest(_Body):
    """A handler needs more from the applicant before deciding; the task waits."""

    missing: list[Annotated[Text, StringConstraints(max_length=500)]] = Field(
        min_length=1, max_length=100, examples=[["Sơ đồ thửa đất"]], description="Everything missing, in one request."
    )


class TaskReturn(_Body):
    """A handler sends the task back as not the unit's competence; routing re-routes it."""

    reason: Reason = Field(examples=["Đất của tổ chức, thuộc thẩm quyền của Sở"])


class TaskExtension(_Body):
    """A handler cannot finish on time: a new due date and the reason, for the apology letter (Form 04)."""

    new_due_date: date = Field(description="A working day; the task is due at the end of its office hours.")
    reason: Reason = Field(examples=["Cần xác minh thêm nguồn gốc đất với cơ quan thuế"])


class Reassignment(_Body):
    """A supervisor gives the task to a clerk of the unit, who holds it as if they had claimed it."""

    clerk_id: Annotated[Text, StringConstraints(max_length=200)] = Field(
        examples=["kt.nguyen-lan"], description="The clerk's id: the `sub` of their token."
    )


class CommentBody(_Body):
    """A note for the task's history."""

    text: Annotated[Text, StringConstraints(max_length=4000)] = Field(examples=["Đã gọi điện cho người nộp"])


class FinancialObligation(_Body):
    """What the applicant must pay before the unit goes on (land use levy, registration fee...), and what for."""

    amount_vnd: StrictInt = Field(gt=0, le=1_000_000_000_000, examples=[1_250_000], description="Whole đồng.")
    description: Annotated[Text, StringConstraints(max_length=500)] = Field(
        examples=["Tiền sử dụng đất theo Thông báo số 12/TB-CCT"],
        description="What it is for, as the applicant reads it.",
    )
