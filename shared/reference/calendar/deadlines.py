"""Deadlines of dossiers: from receipt instants to due instants, in office-local time.

Rules (all days are local dates in ``tz``, by default Asia/Ho_Chi_Minh):

- The **effective receipt day** is the local date of receipt, except that a dossier
  received on a non-working day, strictly after the procedure's cut-off time
  (e.g. 15:00; at 15:00:00 exactly it still counts), or strictly after the end of the
  office day (17:00) when the procedure has no earlier cut-off, counts as received on the
  next working day: what arrives when the office is closed is received when it opens
  (the one-stop rules of Decree 61/2018/NĐ-CP as amended by Decree 107/2021/NĐ-CP;
  docs/dossiers.md, "Received after office hours", names the source and what is unconfirmed).
- The **due instant** of a procedure taking N working days is the end of the office
  day (default 17:00) of the N-th working day after the effective receipt day;
  N = 0 (same-day procedures such as birth registration) means the end of the
  effective receipt day itself. Working days spent waiting for supplements
  (``paused_working_days``) push it further by that many working days.
- A pause from one instant to another covers the working days in
  ``(pause day, resume day]``: the day of the pause is not counted, the day of the
  resumption is.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from shared.reference.calendar.working_days import WorkingCalendar

OFFICE_TIMEZONE = "Asia/Ho_Chi_Minh"
END_OF_OFFICE_DAY = time(17, 0)


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _local(instant: datetime, zone: ZoneInfo, name: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return instant.astimezone(zone)


def _naive_time(value: time, name: str) -> time:
    if value.tzinfo is not None:
        raise ValueError(f"{name} is a local wall-clock time and must not carry a tzinfo, got {value!r}")
    return value


def effective_receipt_day(
    calendar: WorkingCalendar,
    received_at: datetime,
    cutoff: time | None = None,
    tz: str | ZoneInfo = OFFICE_TIMEZONE,
    end_of_day: time = END_OF_OFFICE_DAY,
) -> date:
    """The local working day a dossier counts as received on.

    ``received_at`` must be timezone-aware. A receipt on a non-working day, or strictly
    after ``cutoff`` or ``end_of_day`` (local wall-clock times), counts from the next working day.
    """
    local = _local(received_at, _zone(tz), "received_at")
    day = local.date()
    if not calendar.is_working_day(day):
        return calendar.next_working_day(day)
    closes = _naive_time(end_of_day, "end_of_day")
    if cutoff is not None:
        closes = min(closes, _naive_time(cutoff, "cutoff"))
    if local.time() > closes:
        return calendar.next_working_day(day)
    return day


def due_at(
    calendar: WorkingCalendar,
    received_at: datetime,
    working_days: int,
    *,
    cutoff: time | None = None,
    paused_working_days: int = 0,
    end_of_day: time = END_OF_OFFICE_DAY,
    tz: str | ZoneInfo = OFFICE_TIMEZONE,
) -> datetime:
    """The due instant: ``end_of_day`` of the N-th working day after the effective receipt day.

    ``working_days == 0`` means the end of the effective receipt day itself;
    ``paused_working_days`` (working days waiting for supplements) extends the deadline
    by that many working days. The result is aware, in ``tz``.
    """
    if working_days < 0:
        raise ValueError(f"working_days must be >= 0, got {working_days}")
    if paused_working_days < 0:
        raise ValueError(f"paused_working_days must be >= 0, got {paused_working_days}")
    zone = _zone(tz)
    start = effective_receipt_day(calendar, received_at, cutoff, zone, end_of_day)
    due_day = calendar.add_working_days(start, working_days + paused_working_days)
    return datetime.combine(due_day, _naive_time(end_of_day, "end_of_day"), tzinfo=zone)


def paused_working_days_between(
    calendar: WorkingCalendar,
    paused_at: datetime,
    resumed_at: datetime,
    tz: str | ZoneInfo = OFFICE_TIMEZONE,
) -> int:
    """Working days a pause covered: those in ``(local date of paused_at, local date of resumed_at]``.

    A pause and resumption on the same day covers 0 days. Both instants must be
    timezone-aware; ``resumed_at`` before ``paused_at`` raises ``ValueError``.
    """
    zone = _zone(tz)
    paused, resumed = _local(paused_at, zone, "paused_at"), _local(resumed_at, zone, "resumed_at")
    if resumed < paused:
        raise ValueError(f"resumed_at {resumed_at} is before paused_at {paused_at}")
    return calendar.working_days_between(paused.date(), resumed.date())
