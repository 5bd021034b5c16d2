"""The public board's daily root of the journals: every sealing service's day seal, combined.

Each service seals its own journal per closed local day and publishes the seal
(``journal.day-sealed`` on ``<service>.journal-seals.v1``; the department reads its own stream too,
so every root arrives the same way). Once every sealing service's root of a day is in, the day's
root is SHA-256 over the sorted ``service:root`` lines, kept for the board. ``lienthong audit
verify --all`` recomputes it from the services' own seals.
"""

import logging

from services.department.store import DepartmentStore
from shared.contracts import SEALING_SERVICES, JournalDaySealed
from shared.kernel.journal_chain import day_root
from shared.kernel.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def record_day_seal(uow: UnitOfWork[DepartmentStore], sealed: JournalDaySealed) -> None:
    """Keep the service's root of the day, and the day's root once the last sealing service's arrived."""
    roots = await uow.store.record_service_root(sealed, uow.now)
    if roots.get(sealed.service) != sealed.root:
        # The first seal of a day is kept: a second, different one is an anomaly for the audit to name.
        log.warning("%s sent another root for %s; the first one is kept", sealed.service, sealed.day)
    if set(roots) >= set(SEALING_SERVICES):
        await uow.store.record_day_root(sealed.day, combined_root(roots), uow.now)


def combined_root(roots: dict[str, str]) -> str:
    """The day's root: SHA-256 (hex) over the sorted ``service:root`` lines of the sealing services."""
    return day_root((service, roots[service]) for service in SEALING_SERVICES)
