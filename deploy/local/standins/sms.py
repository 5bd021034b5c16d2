"""Stand-in for a Vietnamese brandname SMS gateway: ``POST /api/v1/sms/send``.

The gateway is idempotent: a ``request_id`` it accepted before is answered with the same
``message_id`` and ``"duplicate": true`` and no second SMS leaves it.
"""

import os
import re
import uuid
from typing import Literal

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, Field

from standins.control import Standin, standin_app
from standins.refusals import RefusedError, answer_refusals, bearer

PHONE = re.compile(r"\+?\d{9,15}")


class SmsRequest(BaseModel):
    """One SMS to send under a brandname."""

    request_id: str = Field(min_length=1, max_length=100, description="The sender's idempotency key.")
    phone: str = Field(description="Subscriber number, 9 to 15 digits, optionally with a leading +.")
    brandname: str
    text: str = Field(min_length=1, max_length=1000)


class SmsAccepted(BaseModel):
    """The gateway took the SMS (or had already taken it: ``duplicate``)."""

    message_id: str
    status: Literal["accepted"] = "accepted"
    duplicate: bool


def sms_app(standin: Standin | None = None, *, api_key: str | None = None) -> FastAPI:
    """The SMS gateway; the key defaults to ``STANDIN_SMS_API_KEY`` (else ``local-sms-key``)."""
    standin = standin or Standin("sms gateway")
    key = api_key or os.environ.get("STANDIN_SMS_API_KEY", "local-sms-key")
    message_ids: dict[str, str] = {}
    standin.on_reset.append(message_ids.clear)
    router = APIRouter(tags=["sms gateway"])

    @router.post("/api/v1/sms/send", dependencies=[Depends(standin.misbehave), Depends(bearer(key))])
    async def send(sms: SmsRequest) -> SmsAccepted:
        """Accept one SMS, or recognise a request_id already accepted."""
        if not PHONE.fullmatch(sms.phone):
            raise RefusedError(400, f"invalid phone number {sms.phone!r}: expected 9 to 15 digits, optional +")
        duplicate = sms.request_id in message_ids
        message_id = message_ids.setdefault(sms.request_id, f"sms-{uuid.uuid4().hex}")
        standin.record("sms", sms.model_dump(), duplicate=duplicate)
        return SmsAccepted(message_id=message_id, duplicate=duplicate)

    app = answer_refusals(standin_app(standin, router))
    app.state.standin = standin
    return app
