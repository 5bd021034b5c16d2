"""``lienthong audit verify`` over any journals: the operators' own among them, and the board's daily roots."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from operations.audit import BOARD, report, verify_everything
from services.department.journal_roots import combined_root
from shared.contracts import SEALING_SERVICES
from shared.kernel.journal import Entry, RecordingJournal
from shared.kernel.journal_chain import SEAL_MISMATCH, Seal, day_root

DAY = date(2026, 12, 1)
UNTIL = datetime(2026, 12, 1, 17, tzinfo=UTC)
RECORDED = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass
class Journal:
    """A journal in memory with one chain of two entries, sealed on ``DAY``."""

    name: str
    recorded: RecordingJournal = field(default_factory=lambda: RecordingJournal(lambda: RECORDED))

    async def chain_names(self) -> list[str]:
        return sorted({e.chain for e in self.recorded.entries})

    async def chain(self, chain: str) -> list[Entry]:
        return [e for e in self.recorded.entries if e.chain == chain]

    async def seals(self) -> list[Seal]:
        heads = {e.chain: e.hash for e in self.recorded.entries}
        return [Seal(DAY, UNTIL, day_root(heads.items()), len(heads), len(self.recorded.entries))]


@dataclass
class Board:
    shown: list[Mapping[str, Any]]

    async def days(self) -> list[Mapping[str, Any]]:
        return self.shown


async def _journals() -> list[Journal]:
    journals = [Journal(s) for s in (*SEALING_SERVICES, "operations")]
    for j in journals:
        await j.recorded.append(f"service:{j.name}", "something done", "operator:cli")
        await j.recorded.append(f"service:{j.name}", "something else done", "system")
    return journals


def _board(roots: dict[str, str], day_root_shown: str | None = None) -> Board:
    services = [{"service": s, "root": r, "chains": 1, "entries": 2} for s, r in roots.items()]
    return Board([{"day": DAY.isoformat(), "root": day_root_shown or combined_root(roots), "services": services}])


async def _roots(journals: list[Journal]) -> dict[str, str]:
    return {j.name: (await j.seals())[0].root for j in journals if j.name in SEALING_SERVICES}


async def test_every_journal_and_a_board_whose_day_root_is_the_services_seals_hold() -> None:
    journals = await _journals()

    audit = await verify_everything(journals, _board(await _roots(journals)))

    assert audit.holds
    assert [s.service for s in audit.services] == [*SEALING_SERVICES, "operations", BOARD]
    assert report(audit)[-1] == f"{BOARD:13} ok  1 day root(s) match the services' seals"


async def test_a_board_showing_another_services_root_is_named() -> None:
    journals = await _journals()
    roots = await _roots(journals) | {"routing": "f" * 64}

    audit = await verify_everything(journals, _board(roots))

    broken = audit.services[-1].broken
    assert broken is not None
    assert (broken.chain, broken.kind) == (f"{BOARD}:{DAY}", SEAL_MISMATCH)
    assert "routing" in broken.detail


async def test_a_board_day_root_not_over_the_seals_is_named() -> None:
    journals = await _journals()

    audit = await verify_everything(journals, _board(await _roots(journals), day_root_shown="0" * 64))

    assert not audit.holds
    broken = audit.services[-1].broken
    assert broken is not None
    assert "day root" in broken.detail


async def test_a_changed_entry_of_the_operators_journal_is_named() -> None:
    journals = await _journals()
    operations = journals[-1]
    first = operations.recorded.entries[0]
    operations.recorded.entries[0] = Entry(**{**first.__dict__, "actor": "operator:someone-else"})

    audit = await verify_everything(journals)

    broken = next(s for s in audit.services if s.service == "operations").broken
    assert broken is not None
    assert (broken.chain, broken.position) == ("service:operations", 1)
