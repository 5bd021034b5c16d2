"""The postal service tells intake a result reached the applicant: a public route, authenticated by its signature.

Refused (and nothing changes) when the callback is unsigned, forged or stale (401), malformed (422),
or names a shipment intake did not send (404); each refusal is logged without the body and counted
in ``lienthong_postal_callbacks_refused_total{reason}``. The same delivery told again answers 200
and changes nothing.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.intake.handlers import Work
from services.intake.returns.handlers import PostalDelivery, UnknownShipmentError, record_delivery
from services.intake.signed_callbacks import CallbackRefusedError, CallbackVerifier
from services.intake.store import IntakeDatabase
from services.intake.store import Request as IntakeRequest
from shared.kernel.auth.http import PUBLIC
from shared.kernel.http_problems import field_error, problem, problems
from shared.kernel.idempotency import StoredAnswer

log = logging.getLogger(__name__)

TIMESTAMP_HEADER, SIGNATURE_HEADER = "X-Postal-Timestamp", "X-Postal-Signature"
MAX_BODY_BYTES = 4096
MEANINGS = {
    401: "Not signed with the postal service's secret, or signed outside the window (field: the header at fault).",
    404: "No shipment intake sent has this tracking id and reference (field `tracking_id`).",
    413: "The body is larger than a delivery callback.",
    422: "The body is not a delivery callback; each error names its field.",
}


class DeliveryCallback(BaseModel):
    """What the postal service sends when a shipment is delivered."""

    model_config = ConfigDict(extra="ignore")

    tracking_id: str = Field(min_length=1, max_length=100)
    reference: str = Field(min_length=1, max_length=100, description="The dossier's code, the order's reference.")
    delivered_at: datetime
    received_by: str | None = Field(default=None, max_length=200, description="Not kept: personal data.")


class Delivered(BaseModel):
    tracking_id: str
    reference: str
    changed: bool = Field(description="False when this delivery was told before: nothing changed.")


def build_postal_api(
    database: IntakeDatabase,
    verifier: CallbackVerifier | None,
    clock: Callable[[], datetime],
    registry: CollectorRegistry | None,
) -> APIRouter:
    """The callback route; ``verifier`` None (no secret configured) refuses every callback."""
    api = APIRouter(prefix="/v1")
    refused = Counter(
        "lienthong_postal_callbacks_refused",
        "Postal delivery callbacks refused, by reason (unsigned, forged, stale, malformed, unknown).",
        ["reason"],
        registry=registry,
    )

    def refuse(status: int, reason: str, field: str, why: str) -> JSONResponse:
        refused.labels(reason).inc()
        log.warning("postal callback refused (%s): %s: %s", reason, field, why)
        return problem(status, "Callback refused", [field_error(field, why)])

    @api.post(
        "/postal/deliveries",
        dependencies=[PUBLIC],
        response_model=Delivered,
        responses=problems(MEANINGS, 401, 404, 413, 422),
    )
    async def postal_delivery(request: Request) -> JSONResponse:
        """The postal service's signed word that a result it carried was delivered: the result is returned.

        No token: the body must be signed with the secret shared with the postal service
        (`X-Postal-Signature`: hex HMAC-SHA256 of `{X-Postal-Timestamp}.{body}`), the timestamp within
        the window, and the tracking id one intake received for that dossier. Anything else changes
        nothing. The same delivery told again answers 200 with `changed` false.
        """
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return refuse(413, "malformed", "body", f"more than {MAX_BODY_BYTES} bytes")
        if verifier is None:
            return refuse(401, "unsigned", SIGNATURE_HEADER, "this intake has no postal callback secret configured")
        try:
            verifier.verify(body, request.headers, clock())
        except CallbackRefusedError as error:
            return refuse(401, error.kind, error.field, str(error))
        try:
            callback = DeliveryCallback.model_validate_json(body)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "body"
            return refuse(422, "malformed", field, first["msg"])
        delivery = PostalDelivery(callback.tracking_id, callback.reference, callback.delivered_at)

        async def take(uow: Work) -> StoredAnswer:
            changed = await record_delivery(uow, delivery)
            answered = Delivered(tracking_id=delivery.tracking_id, reference=delivery.reference, changed=changed)
            return StoredAnswer(200, answered.model_dump(mode="json"))

        try:
            answer = await database.answer_once(IntakeRequest("postal", None, callback.tracking_id), take)
        except UnknownShipmentError as error:
            return refuse(404, "unknown", "tracking_id", str(error))
        return JSONResponse(answer.body, status_code=answer.status_code)

    return api
