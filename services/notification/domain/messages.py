"""What the applicant is told about a status change: the facts every channel's template renders."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.contracts import DossierStatus, DossierStatusChanged
from shared.reference.calendar import OFFICE_TIMEZONE

OFFICE_ZONE = ZoneInfo(OFFICE_TIMEZONE)

STATUS_LABELS: dict[str, dict[DossierStatus, str]] = {
    "vi": {
        DossierStatus.NEW: "mới",
        DossierStatus.RECEIVING: "đã tiếp nhận",
        DossierStatus.UNRESOLVED: "chưa giải quyết",
        DossierStatus.PROCESSING: "đang xử lý",
        DossierStatus.WAITING: "chờ bổ sung",
        DossierStatus.PAYING: "chờ nộp phí",
        DossierStatus.CANCELLED: "đã hủy",
        DossierStatus.DENIED: "bị từ chối",
        DossierStatus.RELEASING: "có kết quả, chờ trả",
        DossierStatus.DONE: "đã hoàn thành",
        DossierStatus.OTHER: "khác",
    },
    "en": {
        DossierStatus.NEW: "new",
        DossierStatus.RECEIVING: "received",
        DossierStatus.UNRESOLVED: "not yet resolved",
        DossierStatus.PROCESSING: "being processed",
        DossierStatus.WAITING: "waiting for supplements",
        DossierStatus.PAYING: "waiting for fees",
        DossierStatus.CANCELLED: "cancelled",
        DossierStatus.DENIED: "refused",
        DossierStatus.RELEASING: "result ready for collection",
        DossierStatus.DONE: "completed",
        DossierStatus.OTHER: "other",
    },
}
STATUS_VI = STATUS_LABELS["vi"]


@dataclass(frozen=True)
class MessageFacts:
    """Everything a message about one status change may say, in the applicant's language."""

    language: str
    applicant_name: str
    dossier_code: str
    procedure_code: str
    procedure_name: str
    status: DossierStatus
    status_label: str
    due_at: datetime | None
    """The return date promised (appointment slip or apology letter); None once the dossier is final."""
    result_at: datetime | None
    """When the dossier was finished; None while it is open."""
    missing: tuple[str, ...]
    reason: str | None
    handling_unit: str | None
    rescheduled: bool = False
    """The status stays but the return date moved: the apology letter (Form 04) with its new date."""


def worth_telling(event: DossierStatusChanged) -> bool:
    """Whether the applicant hears of ``event``: a new status, or news within one (a new return date
    with its reason, what is missing). A hand-over between units within one status is not; the
    national portal still receives it."""
    return event.status is not event.previous_status or bool(event.reason) or bool(event.missing)


def facts_of(event: DossierStatusChanged, *, procedure_names: dict[str, str]) -> MessageFacts:
    """The facts of ``event`` for its applicant; ``procedure_names`` maps a language to the procedure's name."""
    language = event.applicant.language
    final = event.status.is_final
    return MessageFacts(
        language=language,
        applicant_name=event.applicant.full_name,
        dossier_code=event.dossier_code,
        procedure_code=event.procedure_code,
        procedure_name=procedure_names.get(language) or event.procedure_code,
        status=event.status,
        status_label=STATUS_LABELS[language][event.status],
        due_at=None if final else event.due_at.astimezone(OFFICE_ZONE),
        result_at=event.changed_at.astimezone(OFFICE_ZONE) if final else None,
        missing=event.missing if event.status is DossierStatus.WAITING else (),
        reason=event.reason.rstrip(" .") or None if event.reason else None,
        handling_unit=event.handling_unit,
        rescheduled=event.status is event.previous_status and bool(event.reason) and not final,
    )
