"""The journal as every service serves it to operators: a chain's entries, the chains' heads, the day seals.

``lienthong audit verify`` reads these from all four services and recomputes every hash itself:
a service answers what its table holds, the verification trusts none of it. For the ``operator``
scope only; like the operator reads, part of every service, not of a service's API document.
"""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shared.kernel.auth.http import OPERATOR
from shared.kernel.journal import chain_entries
from shared.kernel.journal_seals import seals
from shared.kernel.runtime import ServiceRuntime

MAX_PAGE = 1000


class JournalEntry(BaseModel):
    """One entry as stored: its hash covers every other field (``shared.kernel.journal.canonical_form``)."""

    chain: str
    position: int
    recorded_at: datetime
    action: str
    actor: str
    details: dict[str, Any]
    previous_hash: str
    hash: str


class JournalChain(BaseModel):
    chain: str
    entries: list[JournalEntry] = Field(description="In position order; empty when the service has none.")


class ChainHead(BaseModel):
    chain: str
    position: int = Field(description="The head's position: the chain's length.")
    hash: str
    recorded_at: datetime


class ChainHeads(BaseModel):
    chains: list[ChainHead] = Field(description="In chain order.")
    next: str | None = Field(description="The ``after`` of the next page; None on the last.")


class SealedHeadView(BaseModel):
    chain: str
    position: int
    hash: str


class DaySeal(BaseModel):
    """A closed local day: the root over every chain's head recorded before ``until``."""

    day: date
    until: datetime
    root: str
    chains: int
    entries: int
    heads: list[SealedHeadView] = Field(description="The heads of the chains that grew that day.")


def journal_api(runtime: ServiceRuntime[Any]) -> APIRouter:
    api = APIRouter(prefix="/v1", include_in_schema=False, dependencies=[OPERATOR])

    @api.get("/journal", response_model=ChainHeads)
    async def heads(
        after: Annotated[str, Query(max_length=200, description="The last chain of the page before.")] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 200,
    ) -> ChainHeads:
        """Every chain with its head, a page at a time."""
        async with runtime.db.acquire() as connection:
            rows = await connection.fetch(
                "SELECT DISTINCT ON (chain) chain, position, hash, recorded_at FROM journal"
                " WHERE chain > $1 ORDER BY chain, position DESC LIMIT $2",
                after,
                limit,
            )
        found = [ChainHead.model_validate(dict(r)) for r in rows]
        return ChainHeads(chains=found, next=found[-1].chain if len(found) == limit else None)

    @api.get("/journal/{chain}", response_model=JournalChain)
    async def chain(chain: str) -> JournalChain:
        """Every entry of one chain (a dossier's code, or ``service:<name>``)."""
        async with runtime.db.acquire() as connection:
            entries = await chain_entries(connection, chain)
        return JournalChain(
            chain=chain, entries=[JournalEntry.model_validate(e, from_attributes=True) for e in entries]
        )

    @api.get("/journal-seals", response_model=list[DaySeal])
    async def day_seals(
        after: Annotated[date | None, Query(description="The last day of the page before.")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 366,
    ) -> list[DaySeal]:
        """The sealed days, oldest first, with the heads of the chains that grew each day."""
        async with runtime.db.acquire() as connection:
            found = await seals(connection, after=after, limit=limit)
        return [DaySeal.model_validate(s, from_attributes=True) for s in found]

    return api
