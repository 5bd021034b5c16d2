"""Stand-in for the National Population Database's identity check: ``POST /api/v1/citizens/verify``.

The register starts from ``citizens.yaml``; ``PUT /_citizens`` adds or replaces citizens by id
and ``GET /_citizens`` lists them. A reset puts the register back to the file.
"""

import os
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel

from standins.citizens import CITIZENS_FILE, Citizen, Detail, load_citizens, mismatches
from standins.control import Standin, standin_app
from standins.refusals import answer_refusals, bearer


class Verdict(BaseModel):
    """Whether the register knows the citizen, and which claimed details differ from its record."""

    found: bool
    match: bool
    mismatched: list[Detail]


def population_app(
    standin: Standin | None = None, *, token: str | None = None, citizens_file: Path = CITIZENS_FILE
) -> FastAPI:
    """The population database; the token defaults to ``STANDIN_POPULATION_TOKEN`` (else ``local-population-key``)."""
    standin = standin or Standin("population database")
    expected = token or os.environ.get("STANDIN_POPULATION_TOKEN", "local-population-key")
    register = load_citizens(citizens_file)

    def reload() -> None:
        register.clear()
        register.update(load_citizens(citizens_file))

    standin.on_reset.append(reload)
    router = APIRouter(tags=["population database"])

    @router.post("/api/v1/citizens/verify", dependencies=[Depends(standin.misbehave), Depends(bearer(expected))])
    async def verify(claimed: Citizen) -> Verdict:
        """Compare the claimed name and date of birth with the register's record."""
        standin.record("verify", claimed.model_dump(mode="json"))
        known = register.get(claimed.citizen_id)
        if known is None:
            return Verdict(found=False, match=False, mismatched=[])
        differing = mismatches(claimed, known)
        return Verdict(found=True, match=not differing, mismatched=differing)

    @router.get("/_citizens", tags=["stand-in control"])
    async def list_citizens() -> list[Citizen]:
        """Everyone the register knows."""
        return list(register.values())

    @router.put("/_citizens", tags=["stand-in control"])
    async def put_citizens(citizens: list[Citizen]) -> list[Citizen]:
        """Add citizens, or replace those whose id the register already knows."""
        register.update({citizen.citizen_id: citizen for citizen in citizens})
        return list(register.values())

    app = answer_refusals(standin_app(standin, router))
    app.state.standin = standin
    return app
