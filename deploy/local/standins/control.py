"""What every stand-in shares: behaviour switches and a record of what it received.

``GET|PUT /_control`` reads and sets the behaviour (latency, failure rate, outage);
``GET|DELETE /_received`` lists or forgets the requests the stand-in's own routes recorded;
``POST /_reset`` puts the behaviour back to its defaults and forgets everything, including
what the stand-in remembers to recognise duplicates.
A route applies the behaviour by depending on :func:`Standin.misbehave`.
"""

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field


class Behaviour(BaseModel):
    """How the stand-in answers its own routes."""

    model_config = ConfigDict(extra="forbid")

    latency_seconds: float = Field(default=0.0, ge=0, le=120, description="Delay before every answer.")
    failure_rate: float = Field(default=0.0, ge=0, le=1, description="Share of requests answered with failure_status.")
    failure_status: int = Field(default=500, ge=400, le=599)
    outage: bool = Field(default=False, description="Answer every request with 503, as if the system were down.")


class Received(BaseModel):
    """One request a stand-in's route recorded."""

    route: str
    body: dict[str, Any]
    at: datetime
    duplicate: bool = Field(default=False, description="The request repeats an id the stand-in had seen before.")


@dataclass
class Standin:
    """The switchable behaviour and the record of one stand-in server."""

    name: str
    behaviour: Behaviour = field(default_factory=Behaviour)
    received: list[Received] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    on_reset: list[Callable[[], None]] = field(default_factory=list)

    async def trouble(self) -> tuple[int, str] | None:
        """Apply the current behaviour to a request: wait, then say how it fails (status, reason), if it does."""
        if self.behaviour.latency_seconds:
            await asyncio.sleep(self.behaviour.latency_seconds)
        if self.behaviour.outage:
            return 503, f"{self.name} is down (stand-in outage switched on)"
        if self.rng.random() < self.behaviour.failure_rate:
            return self.behaviour.failure_status, f"{self.name} failed (stand-in failure rate)"
        return None

    async def misbehave(self) -> None:
        """Apply the current behaviour to an HTTP request: wait, then maybe fail."""
        failure = await self.trouble()
        if failure is not None:
            raise HTTPException(*failure)

    def record(self, route: str, body: dict[str, Any], *, duplicate: bool = False) -> None:
        """Remember one request the stand-in accepted."""
        self.received.append(Received(route=route, body=body, at=datetime.now(UTC), duplicate=duplicate))

    def reset(self) -> None:
        """Default behaviour, nothing received, nothing remembered by the stand-in's own routes."""
        self.behaviour = Behaviour()
        self.received.clear()
        for forget in self.on_reset:
            forget()

    def control_routes(self) -> APIRouter:
        """The ``/_control``, ``/_received`` and ``/_reset`` routes operators and tests use."""
        routes = APIRouter(prefix="", tags=["stand-in control"])

        @routes.get("/_control")
        async def get_behaviour() -> Behaviour:
            return self.behaviour

        @routes.put("/_control")
        async def set_behaviour(behaviour: Behaviour) -> Behaviour:
            self.behaviour = behaviour
            return self.behaviour

        @routes.get("/_received")
        async def list_received() -> list[Received]:
            return self.received

        @routes.delete("/_received", status_code=204)
        async def forget_received() -> None:
            self.received.clear()

        @routes.post("/_reset", status_code=204)
        async def reset() -> None:
            self.reset()

        return routes


def standin_app(standin: Standin, *routers: APIRouter) -> FastAPI:
    """A FastAPI app serving the stand-in's own routes and its control routes."""
    app = FastAPI(title=f"stand-in: {standin.name}")
    for router in routers:
        app.include_router(router)
    app.include_router(standin.control_routes())
    return app
