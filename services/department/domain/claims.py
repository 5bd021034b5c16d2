"""Claims: a handler holds an unfinished task to work on it, until they release it or the claim expires.

While a claim holds, other handlers cannot claim the task, ask for supplements, return or
extend it (an approver's decision is not blocked by a claim). A claim lasts a configured
time from when it was taken; past that it counts as if released, so work left by a clerk
who went home does not stay locked. A supervisor of the unit may release anyone's claim
and reassign a task, claimed or not, to a clerk, whose claim then starts afresh.

Whether a claim holds is always decided against the time of the request: no job has to
clear expired claims.
"""

from datetime import datetime, timedelta

from services.department.domain.task import TaskActionError, require_unfinished

DEFAULT_CLAIM_EXPIRY = timedelta(hours=8)
"""One working day of office hours."""


def holder(claimed_by: str | None, expires_at: datetime | None, now: datetime) -> str | None:
    """Who holds the task at ``now``: the clerk who claimed it, unless the claim has expired."""
    if claimed_by is None or (expires_at is not None and expires_at <= now):
        return None
    return claimed_by


def expiry(now: datetime, lasts: timedelta) -> datetime:
    """When a claim taken at ``now`` stops holding."""
    if lasts <= timedelta(0):
        raise ValueError(f"a claim must last some time, not {lasts}")
    return now + lasts


def check_claim(status: str, held_by: str | None, clerk: str) -> None:
    """An unfinished task nobody holds may be claimed (``held_by`` from :func:`holder`)."""
    require_unfinished(status)
    if held_by == clerk:
        raise TaskActionError("you already hold this task", "claimed_by")
    if held_by is not None:
        raise TaskActionError(f"task is claimed by {held_by}", "claimed_by")


def check_release(held_by: str | None, clerk: str, *, may_release_others: bool) -> str:
    """The clerk who holds the task releases it, or a supervisor of its unit; answers who held it."""
    if held_by is None:
        raise TaskActionError("task is not claimed (or its claim has expired)", "claimed_by")
    if held_by != clerk and not may_release_others:
        raise TaskActionError(
            f"task is claimed by {held_by}, not by you; only a supervisor of the unit releases another's claim",
            "claimed_by",
        )
    return held_by


def check_not_held_by_another(held_by: str | None, clerk: str) -> None:
    """Handling work on a claimed task belongs to the clerk who holds it."""
    if held_by is not None and held_by != clerk:
        raise TaskActionError(f"task is claimed by {held_by}", "claimed_by")


def check_reassignment(status: str, held_by: str | None, to: str) -> str:
    """An unfinished task may be given to a clerk other than the one holding it; answers the clerk's id, trimmed."""
    require_unfinished(status)
    clerk = to.strip()
    if not clerk:
        raise TaskActionError("a reassignment names the clerk who takes the task", "clerk_id")
    if held_by == clerk:
        raise TaskActionError(f"{clerk} already holds this task", "clerk_id")
    return clerk
