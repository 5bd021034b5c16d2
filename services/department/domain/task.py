"""A unit's task and the rules for finishing it."""

from dataclasses import dataclass

from shared.contracts import TaskOutcome


class TaskActionError(ValueError):
    """The action is not allowed on the task in its current state."""


@dataclass(frozen=True)
class Completion:
    outcome: TaskOutcome
    reason: str | None


def complete(status: str, outcome: TaskOutcome, reason: str | None) -> Completion:
    """Check that an open task may be finished with ``outcome``; a refusal needs a reason."""
    if status != "open":
        raise TaskActionError(f"task is already {status}")
    reason = (reason or "").strip() or None
    if outcome is TaskOutcome.REFUSED and reason is None:
        raise TaskActionError("a refusal needs a reason")
    return Completion(outcome, reason)
