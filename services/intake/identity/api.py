"""The receiving clerks' list of identity checks: whose applicant must be looked at."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.intake.adapters.identity_checks import identity_checks as query_identity_checks
from services.intake.domain.identity import IdentityStatus
from services.intake.store import IntakeStore
from shared.kernel.auth.http import OPERATOR
from shared.kernel.http_problems import problems
from shared.kernel.runtime import ServiceRuntime


class IdentityCheck(BaseModel):
    """One dossier and where the check of its applicant stands (no personal data)."""

    code: str = Field(description="The dossier's code.")
    receiving_agency: str
    procedure_code: str
    status: IdentityStatus
    detail: str | None = Field(description="Why it failed or is pending, naming fields, never their values.")
    attempts: int
    checked_at: datetime | None


class IdentityCheckList(BaseModel):
    items: list[IdentityCheck]


def build_identity_api(runtime: ServiceRuntime[IntakeStore]) -> APIRouter:
    api = APIRouter(prefix="/v1", dependencies=[OPERATOR])

    @api.get(
        "/identity-checks",
        response_model=IdentityCheckList,
        responses=problems(
            {
                401: "No valid bearer token.",
                403: "The token has not the scope operator.",
                422: "An unknown status or a limit out of range; each error names it.",
            },
            401,
            403,
            422,
        ),
    )
    async def identity_checks(
        status: IdentityStatus = IdentityStatus.FAILED,
        receiving_agency: Annotated[
            str | None, Query(max_length=20, examples=["000.01.15.H40"], description="Only this centre's dossiers.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> IdentityCheckList:
        """Dossiers whose applicant's identity check is in `status`, newest check first.

        By default the `failed` ones: not found in the National Population Database, or found with
        another name or date of birth. They were received as usual; the receiving clerk looks at the
        papers. `pending` lists those the database has not answered yet (checked again automatically).
        For operators (the `operator` scope).
        """
        async with runtime.db.acquire() as connection:
            rows = await query_identity_checks(connection, status, receiving_agency, limit)
        return IdentityCheckList(items=[IdentityCheck.model_validate(dict(row)) for row in rows])

    return api
