"""The payment platform tells intake a payment was paid: a public route, authenticated by its signature.

Refused (and nothing changes) when the callback is unsigned, forged or stale (401), malformed (422),
for a payment intake did not ask for (404) or of another amount (409); each refusal is logged
without the body, counted in ``lienthong_payment_callbacks_refused_total{reason}`` and, when the
payment is one of a dossier's, journalled on it. The e-receipt is fetched from the platform and
stored before anything is recorded: when either cannot be done now the answer is 503, and the
platform calls again. The same payment told paid again answers 200 and changes nothing.
"""

import hashlib
import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.intake.handlers import Work
from services.intake.payments.paying import CallbackNotTakenError, check_callback, journal_refusal, take_payment
from services.intake.payments.platform import PaymentPlatform, PlatformUnavailableError
from services.intake.payments.rules import PaidCallback, Refusal
from services.intake.signed_callbacks import CallbackRefusedError, CallbackVerifier
from shared.contracts import DocumentRef, DocumentRole, MediaType, object_key
from shared.kernel.auth.http import PUBLIC
from shared.kernel.http_problems import UNAVAILABLE_RETRY_AFTER_SECONDS, field_error, problem, problems
from shared.kernel.object_store import ObjectStore, ObjectStoreUnavailableError

log = logging.getLogger(__name__)

TIMESTAMP_HEADER, SIGNATURE_HEADER = "X-Payment-Timestamp", "X-Payment-Signature"
MAX_BODY_BYTES = 4096
MAX_RECEIPT_BYTES = 2 * 1024 * 1024
STATUS = {
    Refusal.UNSIGNED: 401,
    Refusal.FORGED: 401,
    Refusal.STALE: 401,
    Refusal.MALFORMED: 422,
    Refusal.UNKNOWN: 404,
    Refusal.AMOUNT: 409,
}
MEANINGS = {
    401: "Not signed with the payment platform's secret, or signed outside the window (field: the header at fault).",
    404: "No payment intake asked for has this merchant_ref and payment_id (field `merchant_ref`).",
    409: "The amount paid is not the amount intake asked for (field `amount_vnd`); nothing changed.",
    413: "The body is larger than a payment callback.",
    422: "The body is not a payment callback; each error names its field.",
    503: "The e-receipt could not be fetched from the platform or stored now: call again after `Retry-After` seconds.",
}
Transaction = Callable[[], AbstractAsyncContextManager[Work]]


class PaymentCallback(BaseModel):
    """What the payment platform sends when a payment is paid."""

    model_config = ConfigDict(extra="ignore")

    payment_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,100}$", description="The platform's id of the payment.")
    merchant_ref: UUID = Field(description="Intake's id of the payment, given when it was created.")
    amount_vnd: int = Field(gt=0, le=1_000_000_000_000)
    transaction_id: str = Field(min_length=1, max_length=100)
    paid_at: datetime


class Paid(BaseModel):
    payment_id: UUID = Field(description="Intake's id of the payment (the merchant_ref).")
    status: str = "paid"
    changed: bool = Field(description="False when this payment was told paid before: nothing changed.")


class PaymentCallbackApi:
    """The callback route and what it needs: the platform's verifier, its receipts, the object store."""

    def __init__(
        self,
        transaction: Transaction,
        verifier: CallbackVerifier | None,
        platform: PaymentPlatform | None,
        objects: ObjectStore,
        clock: Callable[[], datetime],
        registry: CollectorRegistry | None,
    ) -> None:
        self._transaction = transaction
        self._verifier = verifier
        self._platform = platform
        self._objects = objects
        self._clock = clock
        self._refused = Counter(
            "lienthong_payment_callbacks_refused",
            "Payment callbacks refused, by reason (unsigned, forged, stale, malformed, unknown, amount).",
            ["reason"],
            registry=registry,
        )

    def router(self) -> APIRouter:
        api = APIRouter(prefix="/v1")

        @api.post(
            "/payments/callback",
            dependencies=[PUBLIC],
            response_model=Paid,
            responses=problems(MEANINGS, 401, 404, 409, 413, 422, 503),
        )
        async def payment_callback(request: Request) -> JSONResponse:
            """The payment platform's signed word that a payment intake asked for was paid.

            Public: the signature is the authentication. The body must be signed with the secret shared
            with the platform (`X-Payment-Signature`: hex HMAC-SHA256 of `{X-Payment-Timestamp}.{body}`),
            the timestamp within the window, the payment one intake asked for and the amount the one it
            asked. Anything else changes nothing. Taken, the e-receipt becomes a document of the dossier:
            receipt fees paid receive a complete dossier; an obligation paid resumes its task. The same
            payment told paid again answers 200 with `changed` false.
            """
            return await self.take(await request.body(), request.headers)

        return api

    async def take(self, body: bytes, headers: Mapping[str, str]) -> JSONResponse:
        """Answer one callback (see the route's description)."""
        if len(body) > MAX_BODY_BYTES:
            return self._refuse(Refusal.MALFORMED, "body", f"more than {MAX_BODY_BYTES} bytes", status=413)
        if self._verifier is None:
            return self._refuse(Refusal.UNSIGNED, SIGNATURE_HEADER, "no payment callback secret is configured")
        try:
            self._verifier.verify(body, headers, self._clock())
        except CallbackRefusedError as error:
            return self._refuse(Refusal(error.kind), error.field, str(error))
        try:
            sent = PaymentCallback.model_validate_json(body)
        except ValidationError as error:
            first = error.errors()[0]
            return self._refuse(Refusal.MALFORMED, ".".join(str(p) for p in first["loc"]) or "body", first["msg"])
        callback = PaidCallback(sent.payment_id, sent.merchant_ref, sent.amount_vnd, sent.transaction_id, sent.paid_at)
        try:
            async with self._transaction() as uow:
                if not await check_callback(uow, callback):
                    return _paid(callback, changed=False)
            receipt = await self._keep_receipt(callback)
            async with self._transaction() as uow:
                changed = await take_payment(uow, callback, receipt)
        except CallbackNotTakenError as error:
            async with self._transaction() as uow:
                await journal_refusal(uow, error)
            refused = error.refused
            return self._refuse(refused.reason, refused.field, refused.detail)
        except (PlatformUnavailableError, ObjectStoreUnavailableError) as error:
            log.warning("payment %s: receipt not kept now, the platform will call again: %s", sent.merchant_ref, error)
            answer = problem(503, "Receipt not available now", [field_error("payment_id", str(error))])
            answer.headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER_SECONDS)
            return answer
        return _paid(callback, changed=changed)

    async def _keep_receipt(self, callback: PaidCallback) -> DocumentRef:
        """Fetch the e-receipt from the platform and store its body; the reference to attach."""
        if self._platform is None:
            raise PlatformUnavailableError("LIENTHONG_PAYMENT_URL is not set: receipts cannot be fetched")
        body = await self._platform.receipt(callback.platform_payment_id, MAX_RECEIPT_BYTES)
        sha256 = hashlib.sha256(body).hexdigest()
        await self._objects.put(object_key(sha256), body, MediaType.PDF.value)
        return DocumentRef(
            document_id=uuid4(),
            name=f"bien-lai-{callback.transaction_id}.pdf",
            media_type=MediaType.PDF,
            size=len(body),
            sha256=sha256,
            role=DocumentRole.PAYMENT_RECEIPT,
        )

    def _refuse(self, reason: Refusal, field: str, why: str, *, status: int | None = None) -> JSONResponse:
        self._refused.labels(reason.value).inc()
        log.warning("payment callback refused (%s): %s: %s", reason.value, field, why)
        return problem(status or STATUS[reason], "Callback refused", [field_error(field, why)])


def _paid(callback: PaidCallback, *, changed: bool) -> JSONResponse:
    return JSONResponse(Paid(payment_id=callback.merchant_ref, changed=changed).model_dump(mode="json"))
