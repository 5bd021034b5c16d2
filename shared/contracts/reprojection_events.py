"""Events of re-projected due dates: a task's due time moved because its calendar changed."""

from datetime import datetime
from uuid import UUID

from pydantic import Field

from shared.contracts.events import SequencedEvent


class TaskDueChanged(SequencedEvent):
    """An open task's due time moved without any act on it: a closure of its commune's offices was
    declared, ended or extended, or the working-day calendar changed (an override)."""

    task_id: UUID
    unit_code: str
    previous_due_at: datetime
    due_at: datetime = Field(description="The due time in force from now on.")
    reason: str = Field(
        description="Why: the closure and the decision that ordered it, or the calendar change "
        "(the fingerprints of the old and new calendars)."
    )
    changed_at: datetime
