"""Who the journal names for an intake caller: never a citizen's ID, since the journal holds no personal data."""

from services.intake.secret_access import SecretHolder
from shared.kernel.auth.callers import Caller, Citizen, Clerk, Integrator
from shared.kernel.journal import CITIZEN, clerk_actor, client_actor


def journal_actor(caller: Caller | SecretHolder) -> str:
    """``clerk:<id>`` for a clerk, ``client:<id>`` for an integrator, ``citizen`` for the applicant (token, secret)."""
    match caller:
        case Clerk():
            return clerk_actor(caller.id)
        case Integrator():
            return client_actor(caller.client_id)
        case Citizen() | SecretHolder():
            return CITIZEN
