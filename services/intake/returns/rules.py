"""When a dossier's signed result may be returned, and who returned it: plain rules, no I/O.

A result is returned once, while the dossier is ``releasing`` (portal code 9): a receiver hands it
over at the centre, the postal service delivers it, or the applicant downloads it. Routing then
moves the dossier to ``done`` (10). The applicant may download the result again after that, and a
refusal letter (``denied``) at any time; neither is a return.
"""

from dataclasses import dataclass
from datetime import datetime

from shared.contracts import DossierStatus
from shared.contracts.documents import ResultDelivery, ResultKind

DOWNLOADABLE = frozenset({DossierStatus.RELEASING, DossierStatus.DONE, DossierStatus.DENIED})
"""Statuses in which the applicant may download what was issued to them."""


class ResultReturnError(ValueError):
    """The result cannot be returned, or downloaded, while the dossier is as it is; ``field`` names what is in the
    way (``status`` or ``result``)."""

    def __init__(self, status: DossierStatus, reason: str, field: str = "status") -> None:
        super().__init__(reason)
        self.status = status
        self.field = field


@dataclass(frozen=True)
class Returned:
    """How and when a result was returned."""

    way: ResultDelivery
    by: str
    """``clerk:<id>``, ``postal:<tracking id>`` or ``citizen``."""
    at: datetime


def check_returnable(status: DossierStatus, kind: ResultKind | None, returned: Returned | None) -> None:
    """Raise :class:`ResultReturnError` unless a result is waiting to be returned: releasing, issued, not returned."""
    if status is not DossierStatus.RELEASING:
        raise ResultReturnError(status, f"the dossier is {status.value}; a result is returned only while releasing")
    if kind is not ResultKind.RESULT:
        raise ResultReturnError(status, "no signed result is kept for this dossier yet", field="result")
    if returned is not None:
        reason = f"the result was already returned ({returned.way.value}, {returned.at.isoformat()})"
        raise ResultReturnError(status, reason, field="result")


def check_downloadable(status: DossierStatus, kind: ResultKind | None) -> None:
    """Raise :class:`ResultReturnError` unless the applicant may download what was issued: a result while releasing
    or done, a refusal letter once denied."""
    if status not in DOWNLOADABLE:
        raise ResultReturnError(status, f"the dossier is {status.value}; nothing has been issued to download yet")
    if kind is None:
        raise ResultReturnError(status, f"no signed document is kept for this {status.value} dossier", field="result")


def download_returns(status: DossierStatus, kind: ResultKind, returned: Returned | None) -> bool:
    """Whether this download returns the result: the first of a signed result while the dossier is releasing."""
    return status is DossierStatus.RELEASING and kind is ResultKind.RESULT and returned is None


RETURN_NOTES = {
    ResultDelivery.COUNTER: "result handed over at the receiving centre",
    ResultDelivery.POST: "result delivered by the postal service",
    ResultDelivery.ONLINE: "result downloaded online by the applicant",
}


def return_note(returned: Returned, tracking_id: str | None = None) -> str:
    """What the dossier's history says of the return, in the entry of ``done`` it caused."""
    tracking = f" (tracking id {tracking_id})" if tracking_id and returned.way is ResultDelivery.POST else ""
    return RETURN_NOTES[returned.way] + tracking


def postal_returner(tracking_id: str) -> str:
    """Who returned a result the postal service delivered, as events and the journal name them."""
    return f"postal:{tracking_id}"
