"""What the applicant is told about a status change, in Vietnamese."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from shared.calendar import OFFICE_TIMEZONE
from shared.contracts import DossierStatus, DossierStatusChanged

OFFICE_ZONE = ZoneInfo(OFFICE_TIMEZONE)

STATUS_VI = {
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
}


@dataclass(frozen=True)
class LedgerMessage:
    channel: str
    recipient: str
    text: str


def message_for(event: DossierStatusChanged) -> LedgerMessage:
    """The ledger entry for the applicant; real channels (SMS, e-mail, Zalo) come later."""
    applicant = event.applicant
    recipient = applicant.phone or applicant.email or applicant.full_name
    text = f"Hồ sơ {event.dossier_code} (thủ tục {event.procedure_code}): {STATUS_VI[event.status]}."
    if event.missing:
        text += f" Cần bổ sung: {'; '.join(event.missing)}."
    if event.reason:
        text += f" Lý do: {event.reason}"
    if not event.status.is_final:
        text += f" Hẹn trả kết quả: {event.due_at.astimezone(OFFICE_ZONE):%H:%M %d/%m/%Y}."
    return LedgerMessage(channel="ledger", recipient=recipient, text=text)
