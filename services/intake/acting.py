"""Whether a caller may act on a dossier (hand in papers or supplements, withdraw it, upload for it)."""

from services.intake import access
from services.intake.secret_access import SecretHolder
from services.intake.store import IntakeDatabase
from shared.kernel.auth.callers import Caller


async def may_act(database: IntakeDatabase, caller: Caller | SecretHolder, code: str) -> bool:
    """True for the holder of the dossier's lookup secret, or a caller :mod:`~services.intake.access` lets act on
    it; False when no dossier has ``code`` among those they reach. Raises the 403 problem of a missing right."""
    if isinstance(caller, SecretHolder):
        return True  # the secret of this very dossier was checked
    access.check_acting(caller, code)
    found = await access.parties(database, code)
    return found is not None and access.may_act(caller, found)
