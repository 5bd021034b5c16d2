"""Routing's word that a result a unit issued was returned to the applicant (``ResultReturned``), recorded for
the public board's "results returned on time": the return against the appointment on the receipt.

Recorded once per dossier (routing returns a result once; a redelivery or replay records nothing new),
with the dossier's province (the two digits after ``H`` in its code) and the issuing unit.
"""

import logging

from services.department.handlers import Work
from services.department.stats.figures import returned_on_time
from shared.contracts import ResultReturned
from shared.kernel.auth.callers import province_of
from shared.kernel.journal import SYSTEM
from shared.reference.units import find_unit

log = logging.getLogger(__name__)


class UnknownProvinceError(ValueError):
    """Neither the dossier's code nor the issuing unit names a province: the event breaks the contract."""


async def record_return(uow: Work, event: ResultReturned) -> None:
    """Record the return for the board and journal it; a return recorded before changes nothing."""
    province = province_of(event.dossier_code) or getattr(find_unit(event.unit_code), "province_code", None)
    if province is None:
        raise UnknownProvinceError(f"no province in dossier code {event.dossier_code!r} or unit {event.unit_code!r}")
    if not await uow.store.record_result_returned(event, province, uow.now):
        log.info("return of dossier %s recorded before: nothing new", event.dossier_code)
        return
    details = {
        "unit_code": event.unit_code,
        "way": event.way.value,
        "due_at": event.due_at.isoformat(),
        "returned_at": event.returned_at.isoformat(),
        "on_time": returned_on_time(event.due_at, event.returned_at),
    }
    if uow.cause is not None:
        details["cause"] = str(uow.cause)
    await uow.journal.append(event.dossier_code, "result returned", SYSTEM, details)
