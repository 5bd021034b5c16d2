"""Notification's HTTP API: what each applicant was sent, what the portal was sent, what failed for good.

Everything here is for operators (the ``operator`` scope; the ``lienthong deliveries``
commands); a dossier's portal records also for integrators with ``portal:push`` for its province.
"""

import json
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.notification import handlers
from services.notification.adapters import queries
from services.notification.domain.recipients import masked
from services.notification.store import DeliveryRow, NotificationStore
from shared.contracts import DossierStatus
from shared.kernel.auth.callers import Scope, province_of
from shared.kernel.auth.http import OPERATOR, AnyCaller, province_reader
from shared.kernel.http_problems import ProblemError, field_error, problems
from shared.kernel.runtime import ServiceRuntime

DeliveryState = Literal["pending", "sending", "delivered", "dead-lettered"]
DOSSIER_CODE = r"^[\w.\-]+$"
MEANINGS = {
    400: "Malformed JSON (field `body`).",
    401: "No valid bearer token (field `Authorization`).",
    403: "The token has not the scope operator (or portal:push for a dossier's portal records).",
    404: "No delivery has this id (field `delivery_id`), or the dossier is not of the caller's provinces.",
    409: "The delivery is not dead-lettered (field `state` says what it is): it was retried already, or never"
    " failed for good. Nothing changed.",
    422: "A field is missing or invalid; each error names it.",
}


class Delivery(BaseModel):
    """One message to the applicant or to a clerk, or one status record to the national portal."""

    id: int
    event_id: UUID = Field(description="The status change (or deadline event) it tells of (CloudEvents id).")
    channel: Literal["sms", "email", "zalo", "portal"]
    status: DossierStatus | None = Field(description="The dossier status it announces (none for a clerk's message).")
    clerk_id: str | None = Field(
        default=None, description="The clerk told of a deadline warning or escalation step; none for the applicant."
    )
    recipient: str = Field(description="The contact, masked (the portal for portal records).")
    language: str
    subject: str | None
    message: str = Field(description="The text sent (for the portal, its JSON record).")
    state: DeliveryState = Field(
        description="pending (waiting for its first or next try), sending, delivered or dead-lettered"
        " (failed for good)."
    )
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None = Field(description="When it is tried next, while pending.")
    fallback_of: int | None = Field(description="The delivery it replaces, when sent by e-mail after an SMS failed.")
    provider_ref: str | None = Field(description="The provider's id for the message.")
    created_at: datetime
    finished_at: datetime | None


class ListedDelivery(Delivery):
    """A delivery with the dossier it is about."""

    dossier_code: str


class DeadLetteredDelivery(ListedDelivery):
    """A delivery that failed for good."""


OperatorText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[^\x00-\x1f]*$")]


class RetryRequest(BaseModel):
    """Who asks for a dead-lettered delivery to be sent again, and why: kept with the retry."""

    model_config = ConfigDict(extra="forbid")

    by: Annotated[OperatorText, StringConstraints(max_length=200)] = Field(
        description="The operator who asks.", examples=["ops.an"]
    )
    reason: Annotated[OperatorText, StringConstraints(max_length=1000)] = Field(
        description="Why it should go now.", examples=["SMS gateway back after its outage"]
    )


class DeliveryRetry(BaseModel):
    """A dead-lettered delivery put back in line: it is sent again at the delivery worker's next round."""

    delivery: ListedDelivery = Field(description="The delivery as it now is: pending, its attempts from zero.")
    retried_by: str
    reason: str
    error_before: str | None = Field(description="The error it was dead-lettered with.")
    retried_at: datetime


def _delivery(row: DeliveryRow, model: type[Delivery] = Delivery) -> Any:
    values = dict(row)
    values["recipient"] = masked(row["channel"], row["recipient"])
    if row["state"] != "pending":
        values["next_attempt_at"] = None
    if row["record"] is not None:
        values["message"] = json.dumps(json.loads(row["record"]), ensure_ascii=False)
    return model.model_validate(values)


def build_api(runtime: ServiceRuntime[NotificationStore]) -> APIRouter:
    api = APIRouter(prefix="/v1")

    @api.get(
        "/dossiers/{code}/notifications",
        response_model=list[Delivery],
        dependencies=[OPERATOR],
        responses=problems(MEANINGS, 401, 403, 422),
    )
    async def notifications(code: str) -> list[Delivery]:
        """Every message to the applicant about the dossier, oldest first, with channel, attempts and state."""
        async with runtime.db.acquire() as connection:
            rows = await queries.for_dossier(connection, code, portal=False)
        return [_delivery(row) for row in rows]

    @api.get(
        "/dossiers/{code}/portal-syncs", response_model=list[Delivery], responses=problems(MEANINGS, 401, 403, 404, 422)
    )
    async def portal_syncs(code: str, caller: AnyCaller) -> list[Delivery]:
        """Every status record sent (or to be sent) to the National Public Service Portal, in order.

        For operators, and integrators with `portal:push` for the dossier's province.
        """
        province_reader(caller, Scope.PORTAL_PUSH, province_of(code))
        async with runtime.db.acquire() as connection:
            rows = await queries.for_dossier(connection, code, portal=True)
        return [_delivery(row) for row in rows]

    @api.get(
        "/deliveries",
        response_model=list[ListedDelivery],
        dependencies=[OPERATOR],
        responses=problems(MEANINGS, 401, 403, 422),
    )
    async def deliveries(
        state: Annotated[DeliveryState | None, Query(description="Only deliveries in this state.")] = None,
        dossier: Annotated[
            str | None, Query(max_length=40, pattern=DOSSIER_CODE, description="Only this dossier's deliveries.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> list[ListedDelivery]:
        """Deliveries newest first, of every dossier and channel (portal records too), for operators.

        Called by ``lienthong deliveries list``.
        """
        async with runtime.db.acquire() as connection:
            rows = await queries.newest(connection, dossier=dossier, state=state, limit=limit)
        return [_delivery(row, ListedDelivery) for row in rows]

    @api.get(
        "/deliveries/dead-lettered",
        response_model=list[DeadLetteredDelivery],
        dependencies=[OPERATOR],
        responses=problems({**MEANINGS, 422: "`limit` out of range (1 to 500)."}, 401, 403, 422),
    )
    async def dead_lettered(limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeadLetteredDelivery]:
        """Deliveries that failed for good (for operators), newest first."""
        async with runtime.db.acquire() as connection:
            rows = await queries.dead_lettered(connection, limit=limit)
        return [_delivery(row, DeadLetteredDelivery) for row in rows]

    @api.post(
        "/deliveries/{delivery_id}/retry",
        response_model=DeliveryRetry,
        dependencies=[OPERATOR],
        responses=problems(MEANINGS, 400, 401, 403, 404, 409, 422),
    )
    async def retry(delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1)], request: RetryRequest) -> DeliveryRetry:
        """Send a dead-lettered delivery again, once: it goes back in line with its attempts from zero.

        For operators (``lienthong deliveries retry``), after the cause of the failure is fixed.
        Who asked and why are kept in the
        transaction that requeues it. A delivery that is not dead-lettered (already retried, or
        delivered) answers 409 and nothing changes.
        """
        try:
            async with runtime.transaction() as uow:
                retried = await handlers.retry_delivery(uow, delivery_id, by=request.by, reason=request.reason)
        except handlers.DeliveryNotFoundError as error:
            raise ProblemError(404, "No such delivery", [field_error("delivery_id", str(error))]) from error
        except handlers.NotDeadLetteredError as error:
            raise ProblemError(409, "Not dead-lettered", [field_error("state", str(error))]) from error
        return DeliveryRetry.model_validate(
            {**dict(retried.record), "delivery": _delivery(retried.delivery, ListedDelivery)}
        )

    return api
