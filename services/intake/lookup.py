"""The citizen's lookup: a dossier's progress by its code and the receipt's lookup secret, with no account.

``GET /v1/lookup/{code}`` with the secret in the ``X-Lookup-Secret`` header; refusals and their
rate limit are :mod:`services.intake.secret_access`'s. The answer holds nothing personal: no
name, citizen ID, contact, identity check or free-text note.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field

from services.intake import answers
from services.intake.payments.views import PaymentView
from services.intake.returns.views import ResultView
from services.intake.secret_access import LOOKUP_HEADER, SecretCheck, client_address
from services.intake.views import DocumentView, FeeView
from shared.contracts import DossierStatus, ResultDelivery
from shared.kernel.auth.http import PUBLIC
from shared.kernel.http_problems import problems

LookupSecret = Annotated[
    str, Header(alias=LOOKUP_HEADER, min_length=1, max_length=64, description="The secret on the receipt.")
]
MEANINGS = {
    404: "No dossier has this code and this lookup secret (the same answer for either being wrong).",
    422: "The `X-Lookup-Secret` header is missing or too long.",
    429: "Too many failed lookups from this address: try again after `Retry-After` seconds.",
}


class Step(BaseModel):
    """A change of status or of handling unit."""

    status: DossierStatus
    unit: str | None
    at: datetime


class DossierLookup(BaseModel):
    """What the holder of a receipt may see of its dossier: where it is and when it is due; nothing personal."""

    code: str
    procedure_code: str
    status: DossierStatus
    portal_status_code: int
    receiving_agency: str
    handling_unit: str | None = Field(description="The unit handling the dossier now.")
    received_at: datetime
    due_at: datetime | None = Field(description="The date promised for the result (moves with an apology letter).")
    updated_at: datetime
    components: list[str] = Field(description="Parts of an inter-connected procedure the dossier runs.")
    missing: list[str] = Field(
        description="What the applicant must hand in (or pay); empty unless the dossier is new or waiting."
    )
    documents: list[DocumentView] = Field(description="The papers handed in and the documents issued (never bodies).")
    receipt_fees: list[FeeView] = Field(description="Fees paid at receipt; the dossier is received once all are paid.")
    result_delivery: ResultDelivery
    result: ResultView | None = Field(
        default=None,
        description="The signed result or refusal letter issued (download it at `GET /v1/lookup/{code}/result`),"
        " how it is returned and its tracking id by post; null before.",
    )
    payments: list[PaymentView] = Field(
        default=[], description="Its receipt fees and financial obligations: how much, what for, how to pay (link, QR)."
    )
    history: list[Step]
    journal_head: str | None = Field(
        description="The hash of the last entry of the dossier's journal (SHA-256, hex): the receipt's "
        "`journal_head` while nothing happened since, then the entry each later one built on it. "
        "`lienthong audit verify` recomputes it."
    )


def build_lookup_api(intake: answers.Intake, check: SecretCheck) -> APIRouter:
    """The lookup route, to include in the router of intake's API (whose prefix it takes)."""
    api = APIRouter()

    @api.get(
        "/lookup/{code}",
        response_model=DossierLookup,
        dependencies=[PUBLIC],
        responses=problems(MEANINGS, 404, 422, 429),
    )
    async def look_up(code: str, secret: LookupSecret, request: Request) -> DossierLookup:
        """The dossier's status, dates, handling unit and missing items, for the holder of its receipt.

        No token: the code and the receipt's lookup secret (header `X-Lookup-Secret`) open it.
        """
        await check.open(code, secret, client_address(request))
        view = await answers.dossier(intake, code)
        assert view is not None, "a dossier whose secret matched exists"
        head = await intake.database.journal_head(code)
        return DossierLookup.model_validate(view.model_dump() | {"journal_head": head})

    return api
