"""``lienthong audit verify [CODE | --all]``: recompute the services' journals and name the first break.

Each service serves its journal (``GET /v1/journal…``, :mod:`shared.kernel.journal_api`); this
module reads it from all four and recomputes every hash, link and day root itself
(:mod:`shared.kernel.journal_chain`), trusting nothing a service says about its own entries.
With a dossier code it checks the dossier's chain in each service, and the heads the day seals
kept of it; with ``--all`` every chain and every sealed day.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from operations.service_api import ServiceClient, ServiceRefusedError, ServiceUnavailableError, in_path
from services.registry import SERVICES
from shared.kernel.journal import Entry
from shared.kernel.journal_chain import Break, Seal, SealedHead, verify_chain, verify_kept_heads, verify_seal

PAGE = 1000


@dataclass
class ServiceAudit:
    """What one service's journal gave: how much was checked, and the first break (None: it holds)."""

    service: str
    chains: int = 0
    entries: int = 0
    seals: int = 0
    broken: Break | None = None
    unreadable: str | None = None


@dataclass
class Audit:
    services: list[ServiceAudit] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return all(s.broken is None and s.unreadable is None for s in self.services)


def entry_of(item: Mapping[str, Any]) -> Entry:
    return Entry(
        item["chain"],
        item["position"],
        datetime.fromisoformat(item["recorded_at"]),
        item["action"],
        item["actor"],
        item["details"],
        item["previous_hash"],
        item["hash"],
    )


def seal_of(item: Mapping[str, Any]) -> Seal:
    return Seal(
        date.fromisoformat(item["day"]),
        datetime.fromisoformat(item["until"]),
        item["root"],
        item["chains"],
        item["entries"],
        tuple(SealedHead(h["chain"], h["position"], h["hash"]) for h in item["heads"]),
    )


async def read_chain(services: ServiceClient, service: str, chain: str) -> list[Entry]:
    found = await services.read(service, f"/v1/journal/{in_path(chain)}")
    return [entry_of(e) for e in found["entries"]]


async def read_chain_names(services: ServiceClient, service: str) -> list[str]:
    names: list[str] = []
    after: str | None = ""
    while after is not None:
        page = await services.read(service, "/v1/journal", {"after": after, "limit": PAGE})
        names += [c["chain"] for c in page["chains"]]
        after = page["next"]
    return names


async def read_seals(services: ServiceClient, service: str) -> list[Seal]:
    found: list[Seal] = []
    while True:
        params: dict[str, Any] = {"limit": PAGE} | ({"after": found[-1].day.isoformat()} if found else {})
        page = [seal_of(s) for s in await services.read(service, "/v1/journal-seals", params)]
        found += page
        if len(page) < PAGE:
            return found


async def verify_dossier(services: ServiceClient, code: str) -> Audit:
    """The dossier's chain in each service, and the heads the seals kept of it."""
    audit = Audit()
    for service in SERVICES:
        checked = ServiceAudit(service.name)
        audit.services.append(checked)
        try:
            entries = await read_chain(services, service.name, code)
            seals = await read_seals(services, service.name)
        except (ServiceUnavailableError, ServiceRefusedError) as error:  # the others still get a verdict
            checked.unreadable = str(error) or type(error).__name__
            continue
        checked.chains, checked.entries, checked.seals = int(bool(entries)), len(entries), len(seals)
        checked.broken = verify_chain(entries) or verify_kept_heads(seals, code, entries)
    return audit


async def verify_everything(services: ServiceClient) -> Audit:
    """Every chain of every service, then every sealed day's root over them."""
    audit = Audit()
    for service in SERVICES:
        checked = ServiceAudit(service.name)
        audit.services.append(checked)
        try:
            chains = {
                n: await read_chain(services, service.name, n) for n in await read_chain_names(services, service.name)
            }
            seals = await read_seals(services, service.name)
        except (ServiceUnavailableError, ServiceRefusedError) as error:  # the others still get a verdict
            checked.unreadable = str(error) or type(error).__name__
            continue
        checked.chains, checked.entries, checked.seals = len(chains), sum(map(len, chains.values())), len(seals)
        checked.broken = next(filter(None, (verify_chain(e) for e in chains.values())), None) or next(
            filter(None, (verify_seal(s, chains) for s in seals)), None
        )
    return audit


def report(audit: Audit) -> list[str]:
    """One line per service: what held, or where it broke (service, chain, position, what is wrong)."""
    lines = []
    for s in audit.services:
        if s.unreadable is not None:
            lines.append(f"{s.service:13} UNREADABLE  {s.unreadable}")
        elif s.broken is not None:
            b = s.broken
            where = f"chain {b.chain or '(all chains)'}" + (f" position {b.position}" if b.position is not None else "")
            lines.append(f"{s.service:13} BROKEN  {where}: {b.kind} ({b.detail})")
        else:
            lines.append(f"{s.service:13} ok  {s.entries} entries in {s.chains} chain(s), {s.seals} sealed day(s)")
    return lines
