"""What the applicant is told about a status change: the facts every channel's template renders.

Beside the status: what is missing (new, waiting), the amount and purpose of a financial obligation
(paying), and where and how the result is collected (releasing: at the receiving centre, by post or
online with the lookup secret; denied: the refusal letter).
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.contracts import DossierStatus, DossierStatusChanged
from shared.reference.admin_units import commune_codes, find_commune
from shared.reference.calendar import OFFICE_TIMEZONE
from shared.reference.centres import centres

OFFICE_ZONE = ZoneInfo(OFFICE_TIMEZONE)

STATUS_LABELS: dict[str, dict[DossierStatus, str]] = {
    "vi": {
        DossierStatus.NEW: "mới",
        DossierStatus.RECEIVING: "đã tiếp nhận",
        DossierStatus.UNRESOLVED: "không được tiếp nhận",
        DossierStatus.PROCESSING: "đang xử lý",
        DossierStatus.WAITING: "chờ bổ sung",
        DossierStatus.PAYING: "chờ thực hiện nghĩa vụ tài chính",
        DossierStatus.CANCELLED: "đã hủy",
        DossierStatus.DENIED: "bị từ chối",
        DossierStatus.RELEASING: "có kết quả, chờ trả",
        DossierStatus.DONE: "đã trả kết quả",
        DossierStatus.OTHER: "khác",
    },
    "en": {
        DossierStatus.NEW: "new",
        DossierStatus.RECEIVING: "received",
        DossierStatus.UNRESOLVED: "not accepted",
        DossierStatus.PROCESSING: "being processed",
        DossierStatus.WAITING: "waiting for supplements",
        DossierStatus.PAYING: "waiting for a payment",
        DossierStatus.CANCELLED: "cancelled",
        DossierStatus.DENIED: "refused",
        DossierStatus.RELEASING: "result ready for collection",
        DossierStatus.DONE: "result returned",
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
    payment_amount_vnd: int | None = None
    """Paying: the financial obligation's amount."""
    payment_description: str | None = None
    """Paying: what it is for, as the unit wrote it."""
    result_delivery: str | None = None
    """Releasing, done: how the applicant chose to receive the result (counter, post, online)."""
    result_title: str | None = None
    """Releasing, done: what the result is (the procedure's result title, else the document's name)."""
    has_document: bool = False
    """A signed document comes with the change: the result (releasing, done) or the refusal letter (denied)."""
    centre_name: str | None = None
    """The receiving centre, where a result is collected at the counter."""
    centre_place: str | None = None
    """Where the centre is: its commune and province (the registry keeps no street address)."""


def worth_telling(event: DossierStatusChanged) -> bool:
    """Whether the applicant hears of ``event``: a new status, or news within one (a new return date
    with its reason, what is missing). A hand-over between units within one status is not; the
    national portal still receives it."""
    return event.status is not event.previous_status or bool(event.reason) or bool(event.missing)


NO_RETURN_DATE = frozenset({DossierStatus.NEW, DossierStatus.UNRESOLVED, DossierStatus.PAYING, DossierStatus.RELEASING})
"""Statuses whose message gives no return date: not received yet, not accepted, the clock waits for a payment,
or the result is ready now."""
TOLD_MISSING = frozenset({DossierStatus.NEW, DossierStatus.WAITING})


def facts_of(
    event: DossierStatusChanged, *, procedure_names: dict[str, str], result_titles: dict[str, str] | None = None
) -> MessageFacts:
    """The facts of ``event`` for its applicant; ``procedure_names`` maps a language to the procedure's name,
    ``result_titles`` to the title of its result document."""
    language = event.applicant.language
    final = event.status.is_final
    centre_name, centre_place = collection_point(event.receiving_agency)
    result = event.result
    payment = event.payment if event.status is DossierStatus.PAYING else None
    return MessageFacts(
        language=language,
        applicant_name=event.applicant.full_name,
        dossier_code=event.dossier_code,
        procedure_code=event.procedure_code,
        procedure_name=procedure_names.get(language) or event.procedure_code,
        status=event.status,
        status_label=STATUS_LABELS[language][event.status],
        due_at=None if final or event.status in NO_RETURN_DATE else event.due_at.astimezone(OFFICE_ZONE),
        result_at=event.changed_at.astimezone(OFFICE_ZONE) if final else None,
        missing=event.missing if event.status in TOLD_MISSING else (),
        reason=event.reason.rstrip(" .") or None if event.reason else None,
        handling_unit=event.handling_unit,
        rescheduled=event.status is event.previous_status and bool(event.reason) and not final,
        payment_amount_vnd=payment.amount_vnd if payment else None,
        payment_description=payment.description.rstrip(" .") if payment else None,
        result_delivery=event.result_delivery.value if event.result_delivery else None,
        result_title=(result_titles or {}).get(language) or (result.name if result else None),
        has_document=result is not None,
        centre_name=centre_name,
        centre_place=centre_place,
    )


def collection_point(agency_id: str | None) -> tuple[str | None, str | None]:
    """The receiving centre's name and its place (commune, province), as the centres registry knows them."""
    centre = centres().find(agency_id) if agency_id else None
    if centre is None:
        return None, None
    commune = find_commune(centre.commune_code) if centre.commune_code else None
    if commune is not None:
        return centre.name, f"{commune.name}, {commune.province_name}"
    return centre.name, _province_name(centre.province_code)


def _province_name(province_code: str) -> str | None:
    communes = commune_codes(province_code)
    commune = find_commune(communes[0]) if communes else None
    return commune.province_name if commune else None
