"""The journal's hash chain: how entries are hashed and linked, and how verification names a break."""

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta

from shared.kernel.journal import GENESIS, Entry, RecordingJournal, canonical_form, service_chain
from shared.kernel.journal_chain import (
    CONTENT_CHANGED,
    ENTRIES_REORDERED,
    ENTRY_REMOVED,
    SEAL_MISMATCH,
    Break,
    Seal,
    SealedHead,
    day_root,
    heads_before,
    verify_chain,
    verify_seal,
)

CODE = "000.01.15.H40-261202-0001"
START = datetime(2026, 12, 2, 1, 2, 3, 456789, tzinfo=UTC)


async def _chain(length: int, chain: str = CODE) -> list[Entry]:
    ticks = iter(START + timedelta(minutes=i) for i in range(length))
    journal = RecordingJournal(clock=lambda: next(ticks))
    for i in range(length):
        await journal.append(chain, f"action-{i + 1}", "clerk:c1", {"step": i + 1, "unit": "G01"})
    return journal.entries


def test_the_canonical_form_is_sorted_compact_utf8_json_in_utc_with_microseconds() -> None:
    at = datetime(2026, 12, 2, 8, 0, 0, tzinfo=UTC) + timedelta(microseconds=7)
    form = canonical_form(CODE, 1, at, "received", "client:counter", {"b": "Hà Nội", "a": 1}, GENESIS)

    assert (
        form
        == (
            '{"action":"received","actor":"client:counter","chain":"000.01.15.H40-261202-0001",'
            '"details":{"a":1,"b":"Hà Nội"},"position":1,"previous_hash":"' + GENESIS + '",'
            '"recorded_at":"2026-12-02T08:00:00.000007+00:00"}'
        ).encode()
    )


async def test_each_entry_hashes_its_canonical_form_and_links_to_the_one_before() -> None:
    first, second = await _chain(2)

    assert (first.position, first.previous_hash) == (1, GENESIS)
    assert (
        first.hash
        == hashlib.sha256(
            canonical_form(CODE, 1, first.recorded_at, "action-1", "clerk:c1", first.details, GENESIS)
        ).hexdigest()
    )
    assert (second.position, second.previous_hash) == (2, first.hash)
    assert verify_chain([first, second]) is None


async def test_an_entry_is_never_recorded_before_the_head_of_its_chain() -> None:
    times = iter([START, START - timedelta(hours=1)])  # the clock stepped back
    journal = RecordingJournal(clock=lambda: next(times))
    await journal.append(CODE, "received", "system")
    second = await journal.append(CODE, "withdrawn", "citizen")

    assert second.recorded_at == START


async def test_chains_are_separate_and_a_service_has_its_own() -> None:
    journal = RecordingJournal()
    await journal.append(CODE, "received", "client:counter")
    other = await journal.append(service_chain("notification"), "delivery retried", "operator:ops")

    assert (other.chain, other.position, other.previous_hash) == ("service:notification", 1, GENESIS)
    assert journal.actions(CODE) == ["received"]


async def test_a_changed_detail_is_named_with_its_position() -> None:
    entries = await _chain(4)
    entries[2] = dataclasses.replace(entries[2], details={"step": 3, "unit": "G02"})

    found = verify_chain(entries)

    assert _where(found) == (CODE, 3, CONTENT_CHANGED)


async def test_a_changed_actor_or_time_is_a_changed_content_too() -> None:
    entries = await _chain(3)
    by_actor = [entries[0], dataclasses.replace(entries[1], actor="clerk:c2"), entries[2]]
    by_time = [*entries[:2], dataclasses.replace(entries[2], recorded_at=START)]

    actor_changed, time_changed = verify_chain(by_actor), verify_chain(by_time)

    assert _where(actor_changed)[1:] == (2, CONTENT_CHANGED)
    assert _where(time_changed)[1:] == (3, CONTENT_CHANGED)


async def test_a_removed_entry_leaves_a_gap_that_is_named() -> None:
    entries = await _chain(5)

    found = verify_chain([e for e in entries if e.position != 3])

    assert _where(found)[1:] == (3, ENTRY_REMOVED)


async def test_a_removed_entry_is_found_when_the_rest_were_renumbered() -> None:
    entries = await _chain(5)
    renumbered = [*entries[:1], *(dataclasses.replace(e, position=e.position - 1) for e in entries[2:])]

    found = verify_chain(renumbered)

    assert _where(found)[1:] == (2, ENTRY_REMOVED)


async def test_swapped_entries_are_named_as_reordered() -> None:
    entries = await _chain(4)
    swapped = [
        entries[0],
        dataclasses.replace(entries[2], position=2),
        dataclasses.replace(entries[1], position=3),
        entries[3],
    ]

    found = verify_chain(swapped)

    assert _where(found)[1:] == (2, ENTRIES_REORDERED)
    assert found is not None
    assert "written at position 3" in found.detail


async def test_a_chain_rewritten_with_fresh_hashes_still_breaks_at_the_removed_link() -> None:
    entries = await _chain(3)
    first, _, third = entries
    forged = dataclasses.replace(third, position=2)
    forged = dataclasses.replace(forged, hash=_rehash(forged))

    found = verify_chain([first, forged])

    assert _where(found)[1:] == (2, ENTRY_REMOVED)


async def test_a_seal_holds_the_root_over_every_chains_head_at_the_days_end() -> None:
    one, two = await _chain(3, "A"), await _chain(2, "B")
    until = START + timedelta(minutes=1, seconds=30)
    seal = _seal(until, {"A": one, "B": two})

    assert {c: h.position for c, h in heads_before({"A": one, "B": two}, until).items()} == {"A": 2, "B": 2}
    assert seal.root == day_root([("A", one[1].hash), ("B", two[1].hash)])
    assert verify_seal(seal, {"A": one, "B": two}) is None


async def test_removing_a_chains_newest_entries_breaks_the_seal_of_their_day() -> None:
    one, two = await _chain(3, "A"), await _chain(2, "B")
    seal = _seal(START + timedelta(hours=1), {"A": one, "B": two})

    assert verify_chain(one[:1]) is None  # the chain alone cannot tell
    found = verify_seal(seal, {"A": one[:1], "B": two})

    assert _where(found) == ("A", 3, ENTRY_REMOVED)


async def test_a_seal_without_kept_heads_still_says_its_root_does_not_hold() -> None:
    one = await _chain(2, "A")
    seal = dataclasses.replace(_seal(START + timedelta(hours=1), {"A": one}), heads=())

    found = verify_seal(seal, {"A": one[:1]})

    assert _where(found)[2] == SEAL_MISMATCH


def test_the_root_does_not_depend_on_the_order_heads_are_given_in() -> None:
    assert day_root([("b", "2"), ("a", "1")]) == day_root([("a", "1"), ("b", "2")])
    assert day_root([]) == hashlib.sha256(b"").hexdigest()


def _seal(until: datetime, chains: dict[str, list[Entry]]) -> Seal:
    heads = heads_before(chains, until)
    return Seal(
        day=until.date(),
        until=until,
        root=day_root((c, h.hash) for c, h in heads.items()),
        chains=len(heads),
        entries=sum(h.position for h in heads.values()),
        heads=tuple(SealedHead(c, h.position, h.hash) for c, h in heads.items()),
    )


def _rehash(entry: Entry) -> str:
    form = canonical_form(
        entry.chain, entry.position, entry.recorded_at, entry.action, entry.actor, entry.details, entry.previous_hash
    )
    return hashlib.sha256(form).hexdigest()


def _where(found: Break | None) -> tuple[str, int | None, str]:
    assert found is not None, "verification found nothing"
    return found.chain, found.position, found.kind
