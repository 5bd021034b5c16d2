"""Stand-in for Zalo Official Account's customer-service message API: ``POST /v3.0/oa/message/cs``.

Like Zalo, it answers HTTP 200 with an error code in the body, and does not deduplicate:
every successful request is a message (recorded with ``duplicate`` when its tracking_id repeats).
"""

import os
import secrets
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from pydantic import BaseModel, Field, ValidationError

from standins.control import Standin, standin_app

INVALID_TOKEN = {"error": -216, "message": "Access token is invalid"}
INVALID_PARAMETERS = {"error": -201, "message": "Parameters are invalid"}


class Recipient(BaseModel):
    """Who receives the message: a user who follows the Official Account."""

    user_id: str = Field(min_length=1)


class Text(BaseModel):
    """A plain text message."""

    text: str = Field(min_length=1)


class CsMessage(BaseModel):
    """The request body of ``/v3.0/oa/message/cs``."""

    recipient: Recipient
    message: Text
    tracking_id: str | None = None


def zalo_app(standin: Standin | None = None, *, access_token: str | None = None) -> FastAPI:
    """Zalo OA; the token defaults to ``STANDIN_ZALO_TOKEN`` (else ``local-zalo-token``)."""
    standin = standin or Standin("zalo official account")
    token = access_token or os.environ.get("STANDIN_ZALO_TOKEN", "local-zalo-token")
    tracking_ids: set[str] = set()
    standin.on_reset.append(tracking_ids.clear)
    router = APIRouter(tags=["zalo official account"])

    @router.post("/v3.0/oa/message/cs", dependencies=[Depends(standin.misbehave)])
    async def send(
        request: Request, access_token: Annotated[str | None, Header(convert_underscores=False)] = None
    ) -> dict[str, Any]:
        """Send one customer-service text message."""
        if access_token is None or not secrets.compare_digest(access_token, token):
            return INVALID_TOKEN
        try:
            message = CsMessage.model_validate(await request.json())
        except (ValueError, ValidationError):
            return INVALID_PARAMETERS
        duplicate = message.tracking_id is not None and message.tracking_id in tracking_ids
        if message.tracking_id is not None:
            tracking_ids.add(message.tracking_id)
        standin.record("message", message.model_dump(), duplicate=duplicate)
        user_id = message.recipient.user_id
        return {"error": 0, "message": "Success", "data": {"message_id": uuid.uuid4().hex, "user_id": user_id}}

    app = standin_app(standin, router)
    app.state.standin = standin
    return app
