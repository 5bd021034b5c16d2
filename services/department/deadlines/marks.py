"""When a task reaches its deadline marks: the rules, in plain Python.

Rules (the README's "Deadline marks" sums them up):

- **Overdue** is reached when the time is past the task's due time as it stands now
  (``due_at`` moves when the task resumes after supplements or is extended).
- **Warning** is reached when the task has used ``share`` (0.75 by default) of its
  allowance, measured in *working time* (:class:`OfficeTime`), not wall time. The
  allowance is statutory working days, and wall time would spend it on nights, weekends
  and holidays: a one-day task assigned on Friday at 10:00 and due on Monday at 17:00
  would be warned on Sunday night with all of Monday left, and a task spanning Tết would
  be warned during the holiday. In working time it is warned on Monday at 13:00, when
  12 of its 16 office hours are gone.
- The allowance is the office time from assignment to the due time the task was
  *assigned with*; the warning falls when ``(1 - share)`` of it remains before the due
  time in force. Counted back from the due time, the warning follows the due time:
  days waiting for supplements (which push the due time) do not use the allowance, and
  a due time restarted after supplements gets its warning at the same distance.
- The clock runs only while the task is unfinished and not waiting for supplements: a
  waiting task gets no mark. When it resumes, marks whose instant has passed (the due
  time did not move, or not enough) are sent at once.
- Each task gets each kind at most once, ever (the contract of ``task.deadline.v1``). A
  task extended (Form 04) after its warning gets no second warning, and one extended
  after it was overdue no second overdue: the apology letter has told the applicant the
  new date. An extension before a mark moves that mark with the due time.
- When both marks are due at the same review, the warning goes first. A task whose
  allowance holds no office time (assigned after hours on its due day) is warned at once.
- ``reached_at`` of a mark is its instant by these rules, not the moment it was sent.
"""

from dataclasses import dataclass
from datetime import datetime

from services.department.deadlines.office_time import OfficeTime
from shared.contracts import DeadlineKind


@dataclass(frozen=True)
class TaskClock:
    """What the rules need to know of one task."""

    assigned_at: datetime
    assigned_due_at: datetime
    """The due time the task was assigned with: the end of its own allowance."""
    due_at: datetime
    """The due time in force."""
    running: bool
    """Unfinished and not waiting for supplements."""


@dataclass(frozen=True)
class Mark:
    """A deadline mark and the instant it is reached."""

    kind: DeadlineKind
    at: datetime

    def reached(self, now: datetime) -> bool:
        """A warning is reached at its instant; a task is overdue only after its due time."""
        return now > self.at if self.kind is DeadlineKind.OVERDUE else now >= self.at


@dataclass(frozen=True)
class Review:
    """What to send now, and when to look at the task again (None: not until it changes)."""

    send: tuple[Mark, ...]
    next_at: datetime | None


@dataclass(frozen=True)
class DeadlinePolicy:
    """The warning share and the working time it is measured in."""

    office: OfficeTime
    share: float = 0.75

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError(f"the warning share must be in (0, 1], got {self.share}")

    def warning_at(self, clock: TaskClock) -> datetime:
        """The instant the task has used ``share`` of its allowance (never after its due time)."""
        allowance = self.office.seconds_between(clock.assigned_at, clock.assigned_due_at)
        return self.office.back_from(clock.due_at, (1 - self.share) * allowance)

    def marks(self, clock: TaskClock) -> tuple[Mark, Mark]:
        """The task's two marks, warning first."""
        return Mark(DeadlineKind.WARNING, self.warning_at(clock)), Mark(DeadlineKind.OVERDUE, clock.due_at)

    def review(self, clock: TaskClock, sent: frozenset[DeadlineKind], now: datetime) -> Review:
        """The marks to send at ``now`` given those already ``sent``, and when the next one falls."""
        if not clock.running:
            return Review((), None)
        pending = [mark for mark in self.marks(clock) if mark.kind not in sent]
        later = [mark.at for mark in pending if not mark.reached(now)]
        return Review(tuple(mark for mark in pending if mark.reached(now)), min(later, default=None))
