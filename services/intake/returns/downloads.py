"""The applicant downloads what was issued to them; the first download of a result while releasing returns it.

The body is read from the object store before anything is written: a store that cannot answer
refuses the download and records nothing, so a return is never noted for a file the applicant did
not get. The return is then recorded in one transaction (its history, journal entry and event).
"""

from dataclasses import dataclass

from services.intake.handlers import DossierNotFoundError, Work
from services.intake.returns.handlers import record_download
from services.intake.returns.rules import check_downloadable, download_returns
from services.intake.returns.store import KeptResult
from services.intake.store import IntakeDatabase, Request
from shared.contracts import DossierStatus
from shared.contracts.documents import object_key
from shared.kernel.idempotency import StoredAnswer
from shared.kernel.object_store import ObjectStore


@dataclass(frozen=True)
class Download:
    """The document the applicant downloads, its body, and whether this download returned the result."""

    kept: KeptResult
    body: bytes
    returned: bool


async def download(database: IntakeDatabase, objects: ObjectStore, code: str) -> Download:
    """The signed document of dossier ``code`` with its body; records the return when it is the first download.

    Raises :class:`DossierNotFoundError`, ``ResultReturnError`` (nothing to download yet), and the object
    store's ``ObjectStoreUnavailableError`` or ``ObjectNotFoundError`` (nothing recorded then).
    """
    async with database.reading() as store:
        dossier = await store.dossier_by_code(code)
        kept = None if dossier is None else await store.result_of(dossier["id"])
    if dossier is None:
        raise DossierNotFoundError(f"no dossier has code {code!r}")
    status = DossierStatus(dossier["status"])
    check_downloadable(status, None if kept is None else kept.kind)
    assert kept is not None
    body = await objects.get(object_key(kept.document.sha256))
    if not download_returns(status, kept.kind, kept.returned):
        return Download(kept, body, returned=False)

    async def record(uow: Work) -> StoredAnswer:
        return StoredAnswer(200, {"returned": await record_download(uow, code)})

    answer = await database.answer_once(Request(f"lookup:{code}", None, "result download"), record)
    return Download(kept, body, returned=bool(answer.body["returned"]))
