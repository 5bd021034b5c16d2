"""Which template a result is rendered from, and what it says: plain data, no PDF library.

- the birth registration extract: procedure 1.001193 and the birth group 3.000722;
- the decision granting the land certificate: 1.013978;
- a refusal letter with the unit's reason, for any procedure;
- otherwise the generic result: the procedure's result title (or its name) and the decision.
"""

import enum
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.contracts import ResultKind, ResultRequested
from shared.reference.calendar.deadlines import OFFICE_TIMEZONE
from shared.reference.catalogue import Procedure
from shared.reference.units import Unit

_LOCAL = ZoneInfo(OFFICE_TIMEZONE)


class Layout(enum.StrEnum):
    """The templates a result is rendered from."""

    GENERIC = "generic"
    BIRTH_EXTRACT = "birth-extract"
    LAND_CERTIFICATE = "land-certificate-decision"
    REFUSAL = "refusal"


SPECIFIC_LAYOUTS = {
    "1.001193": Layout.BIRTH_EXTRACT,
    "3.000722": Layout.BIRTH_EXTRACT,
    "1.013978": Layout.LAND_CERTIFICATE,
}
"""Procedures with a layout of their own; every other result is generic."""


def layout_for(procedure_code: str, kind: ResultKind) -> Layout:
    """The template of ``kind`` for the procedure: a refusal letter for any refusal."""
    if kind is ResultKind.REFUSAL:
        return Layout.REFUSAL
    return SPECIFIC_LAYOUTS.get(procedure_code, Layout.GENERIC)


@dataclass(frozen=True)
class ResultDocument:
    """Everything printed on a result, in Vietnamese with the English beneath."""

    layout: Layout
    title_vi: str
    title_en: str
    subtitle_vi: str | None
    subtitle_en: str | None
    result_vi: str
    """What the dossier's result is (the procedure's result title, or its name)."""
    result_en: str
    procedure_code: str
    procedure_vi: str
    unit_code: str
    unit_vi: str
    unit_en: str
    province: str
    dossier_code: str
    applicant_name: str
    citizen_id: str
    received_on: date
    due_on: date
    issued_on: date
    reason: str | None
    lookup_url: str

    @property
    def file_name(self) -> str:
        """The issued file's name: what it is and the dossier's code."""
        what = "tu-choi" if self.layout is Layout.REFUSAL else "ket-qua"
        return f"{what}-{self.dossier_code}.pdf"

    @property
    def place_and_date(self) -> str:
        """The line under the motto, e.g. ``Nghệ An, ngày 02 tháng 12 năm 2026``."""
        day = self.issued_on
        return f"{self.province}, ngày {day:%d} tháng {day:%m} năm {day:%Y}"


REFUSAL_TITLE = ("Thông báo", "Notice")
REFUSAL_SUBTITLE = ("Về việc từ chối giải quyết hồ sơ", "Refusal to settle the dossier")
DECISION_TITLE = ("Quyết định", "Decision")


def compose(
    event: ResultRequested,
    procedure: Procedure | None,
    unit: Unit,
    province: str,
    issued_at: datetime,
    lookup_url: str,
) -> ResultDocument:
    """What the result of ``event`` says, issued by ``unit`` of ``province`` at ``issued_at``.

    An unknown procedure (no longer in the catalogue) still gets the generic result, titled by its code.
    """
    layout = layout_for(event.procedure_code, event.kind)
    name_vi = procedure.name_vi if procedure else f"Thủ tục {event.procedure_code}"
    name_en = procedure.name_en if procedure else f"Procedure {event.procedure_code}"
    result_vi = (procedure.result_vi if procedure else None) or name_vi
    result_en = (procedure.result_en if procedure else None) or name_en
    title, subtitle = _headings(layout, result_vi, result_en)
    return ResultDocument(
        layout=layout,
        title_vi=title[0],
        title_en=title[1],
        subtitle_vi=subtitle[0] if subtitle else None,
        subtitle_en=subtitle[1] if subtitle else None,
        result_vi=result_vi,
        result_en=result_en,
        procedure_code=event.procedure_code,
        procedure_vi=name_vi,
        unit_code=unit.code,
        unit_vi=unit.name_vi,
        unit_en=unit.name_en,
        province=province,
        dossier_code=event.dossier_code,
        applicant_name=event.applicant.full_name,
        citizen_id=event.applicant.citizen_id,
        received_on=_local_day(event.received_at),
        due_on=_local_day(event.due_at),
        issued_on=_local_day(issued_at),
        reason=event.reason,
        lookup_url=lookup_url,
    )


def _headings(layout: Layout, result_vi: str, result_en: str) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """The title and the line under it: the result itself, or a decision about it, or the refusal notice."""
    if layout is Layout.REFUSAL:
        return REFUSAL_TITLE, REFUSAL_SUBTITLE
    if layout is Layout.LAND_CERTIFICATE:
        return DECISION_TITLE, (f"Về việc cấp {result_vi}", f"On granting the {result_en}")
    return (result_vi, result_en), None


def _local_day(moment: datetime) -> date:
    return moment.astimezone(_LOCAL).date()
