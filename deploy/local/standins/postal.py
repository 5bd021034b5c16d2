"""Stand-in for the postal service (Bưu điện, public-service delivery of results): shipments and signed callbacks.

Merchant API (header ``X-Merchant-Key``): ``POST /api/shipments`` {reference, recipient, address,
callback_url} → 201 {tracking_id, status "accepted"}; the same ``reference`` again → 200 with the same
shipment (409 when its recipient or address differ); ``GET /api/shipments/{tracking_id}``.

``POST /control/shipments/{tracking_id}/deliver`` {received_by} (the postman hands it over) → the
service POSTs the callback {tracking_id, reference, delivered_at, received_by} signed with
``X-Postal-Timestamp`` and ``X-Postal-Signature`` (:mod:`standins.signed_callbacks`), retried while the
merchant is down; ``GET /control/callbacks`` lists them.
"""

import uuid
from datetime import UTC, datetime
from typing import Literal

import httpx
from fastapi import APIRouter, Depends, FastAPI, Response
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from standins.control import Standin, standin_app
from standins.refusals import RefusedError, answer_refusals, header_key
from standins.signed_callbacks import DEFAULT_DELAYS, CallbackSender

TIMESTAMP_HEADER = "X-Postal-Timestamp"
SIGNATURE_HEADER = "X-Postal-Signature"


class ShipmentRequest(BaseModel):
    """A result to deliver to an applicant's address."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=100, description="The sender's id: one shipment per reference.")
    recipient: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=300)
    callback_url: AnyHttpUrl


class Shipment(BaseModel):
    """A shipment as the postal service tracks it."""

    tracking_id: str
    reference: str
    status: Literal["accepted", "delivered"] = "accepted"
    accepted_at: datetime
    delivered_at: datetime | None = None
    received_by: str | None = None


class Delivery(BaseModel):
    """Who took the shipment at the door."""

    model_config = ConfigDict(extra="forbid")

    received_by: str = Field(default="the addressee", min_length=1, max_length=200)


def postal_app(
    standin: Standin | None = None,
    *,
    merchant_key: str = "local-postal-merchant-key",
    callback_secret: str = "local-postal-callback-secret",  # noqa: S107 - a stand-in's default
    delays: tuple[float, ...] = DEFAULT_DELAYS,
    callback_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The postal service, knowing one sender by ``merchant_key``, signing its callbacks with ``callback_secret``."""
    standin = standin or Standin("postal service")
    sender = CallbackSender(callback_secret, TIMESTAMP_HEADER, SIGNATURE_HEADER, delays, callback_transport)
    shipments: dict[str, Shipment] = {}
    asked_for: dict[str, ShipmentRequest] = {}
    by_reference: dict[str, str] = {}

    def forget() -> None:
        for kept in (shipments, asked_for, by_reference):
            kept.clear()
        sender.forget()

    standin.on_reset.append(forget)

    def found(tracking_id: str) -> Shipment:
        if tracking_id not in shipments:
            raise RefusedError(404, f"no shipment {tracking_id!r}")
        return shipments[tracking_id]

    api = APIRouter(
        tags=["postal service"],
        dependencies=[Depends(standin.misbehave), Depends(header_key("X-Merchant-Key", merchant_key))],
    )

    @api.post("/api/shipments", status_code=201)
    async def accept(asked: ShipmentRequest, response: Response) -> Shipment:
        """Accept a shipment, or give back the one accepted for this reference."""
        if asked.reference in by_reference:
            tracking_id = by_reference[asked.reference]
            before = asked_for[tracking_id]
            if (before.recipient, before.address) != (asked.recipient, asked.address):
                raise RefusedError(409, f"reference {asked.reference!r} was used for another shipment")
            standin.record("shipment", {"reference": asked.reference}, duplicate=True)
            response.status_code = 200
            return shipments[tracking_id]
        tracking_id = f"VN{uuid.uuid4().int % 10**9:09d}LT"
        shipments[tracking_id] = Shipment(
            tracking_id=tracking_id, reference=asked.reference, accepted_at=datetime.now(UTC)
        )
        asked_for[tracking_id] = asked
        by_reference[asked.reference] = tracking_id
        # The address and recipient are personal data: the record keeps only the reference.
        standin.record("shipment", {"reference": asked.reference, "tracking_id": tracking_id})
        return shipments[tracking_id]

    @api.get("/api/shipments/{tracking_id}")
    async def read(tracking_id: str) -> Shipment:
        """The shipment and whether it was delivered."""
        return found(tracking_id)

    control = APIRouter(tags=["postal service control"])

    @control.post("/control/shipments/{tracking_id}/deliver")
    async def deliver(tracking_id: str, delivery: Delivery | None = None) -> Shipment:
        """The shipment is handed over: its callback is sent (409 when it was delivered before)."""
        shipment = found(tracking_id)
        if shipment.status == "delivered":
            raise RefusedError(409, f"shipment {tracking_id!r} was delivered already")
        delivered = shipment.model_copy(
            update={
                "status": "delivered",
                "delivered_at": datetime.now(UTC).replace(microsecond=0),
                "received_by": (delivery or Delivery()).received_by,
            }
        )
        shipments[tracking_id] = delivered
        assert delivered.delivered_at is not None
        body = {
            "tracking_id": tracking_id,
            "reference": delivered.reference,
            "delivered_at": delivered.delivered_at.isoformat(),
            "received_by": delivered.received_by,
        }
        sender.deliver(str(asked_for[tracking_id].callback_url), body)
        return delivered

    app = answer_refusals(standin_app(standin, api, control, sender.control_routes("postal service control")))
    app.state.standin = standin
    return app
