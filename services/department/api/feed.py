"""The change feed: Server-Sent Events of a unit's task changes, so clerk UIs update without polling."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header
from sse_starlette import EventSourceResponse, ServerSentEvent

from services.department.adapters import history
from services.department.adapters.change_feed import ChangeFeed
from services.department.api.openapi_responses import problems
from services.department.api.security import Token, unit_access
from services.department.domain.access import Action
from services.department.store import DepartmentStore
from shared.kernel.runtime import ServiceRuntime

REPLAY_LIMIT = 1000
PING_SECONDS = 15


def build_feed(runtime: ServiceRuntime[DepartmentStore], feed: ChangeFeed) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["change feed"])

    @api.get(
        "/units/{unit}/events",
        response_class=EventSourceResponse,
        responses={
            200: {
                "description": "`text/event-stream`. First an `event: ready`; then one `event: task-changed` per"
                " change, `id` = history id, `data` = JSON with id, task_id, unit_code, dossier_code, action,"
                " status, version and at. The stream ends when the token expires; reconnect with `Last-Event-ID`"
                " to receive what was missed (up to 1000 changes).",
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            },
            **problems(401, 403, 404, 422),
        },
    )
    async def events(
        unit: str,
        token: Token,
        last_event_id: Annotated[
            int | None, Header(ge=0, le=2**62, description="The id of the last event received.")
        ] = None,
    ) -> EventSourceResponse:
        """The unit's task changes as they commit (any role of the unit), authorised like the inbox."""
        unit_access(token.clerk, unit, Action.READ)
        return EventSourceResponse(_stream(unit, last_event_id, token.expires_at), ping=PING_SECONDS)

    async def _stream(unit: str, last_event_id: int | None, expires_at: datetime) -> AsyncIterator[ServerSentEvent]:
        async with feed.subscribe(unit) as queue:
            replayed: set[int] = set()
            yield ServerSentEvent(event="ready", data=json.dumps({"unit_code": unit}))
            if last_event_id is not None:
                async with runtime.db.acquire() as connection:
                    missed = await history.changes_since(connection, unit, last_event_id, REPLAY_LIMIT)
                for row in missed:
                    replayed.add(row["id"])
                    yield _event(_announcement(dict(row)))
            while True:
                remaining = (expires_at - datetime.now(UTC)).total_seconds()
                try:
                    change = await asyncio.wait_for(queue.get(), timeout=max(remaining, 0))
                except TimeoutError:
                    yield ServerSentEvent(event="token-expired", data="{}")
                    return
                if change is None:
                    return
                if change["id"] not in replayed:
                    yield _event(change)

    return api


def _announcement(row: dict[str, Any]) -> dict[str, Any]:
    """A history row in the shape the trigger announces it."""
    keys = ("id", "task_id", "unit_code", "dossier_code", "action", "version")
    return {
        **{k: row[k] for k in keys},
        "task_id": str(row["task_id"]),
        "status": row["status_after"],
        "at": row["at"].isoformat(),
    }


def _event(change: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(id=str(change["id"]), event="task-changed", data=json.dumps(change, ensure_ascii=False))
