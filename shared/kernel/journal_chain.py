"""Verifying the journal: recompute a chain and a day's seal, and name the first place they do not hold.

Pure functions over entries as a service gives them (``GET /v1/journal/{chain}``); the operator
CLI (``lienthong audit verify``) and the tests run them. A chain alone shows an entry changed,
removed from the middle or moved; removing the newest entries of a chain leaves a shorter chain
that holds, which only the day's seal shows (the root over every chain's head at the day's end).
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from shared.kernel.journal import GENESIS, Entry, recomputed_hash

CONTENT_CHANGED = "content changed"
ENTRY_REMOVED = "entry removed"
ENTRIES_REORDERED = "entries reordered"
SEAL_MISMATCH = "seal mismatch"

_SLACK = 1000
"""How far past a chain's end a moved entry's original position is looked for."""


@dataclass(frozen=True)
class Break:
    """The first place a chain or a seal does not hold: the chain, the position and what is wrong."""

    chain: str
    position: int | None
    kind: str
    """One of ``content changed``, ``entry removed``, ``entries reordered``, ``seal mismatch``."""
    detail: str


@dataclass(frozen=True)
class SealedHead:
    """A chain's head as a day's seal saw it (kept for the chains that grew that day)."""

    chain: str
    position: int
    hash: str


@dataclass(frozen=True)
class Seal:
    """A closed local day: the root over every chain's head recorded before ``until``."""

    day: date
    until: datetime
    root: str
    chains: int
    entries: int
    heads: tuple[SealedHead, ...] = ()


def _written_at(entry: Entry, last: int) -> int | None:
    """The position ``entry`` was written at: its own if its hash holds, else the one that makes it hold."""
    if recomputed_hash(entry) == entry.hash:
        return entry.position
    return next((p for p in range(1, last + _SLACK) if recomputed_hash(entry, position=p) == entry.hash), None)


def verify_chain(entries: Sequence[Entry]) -> Break | None:
    """The first break in one chain's entries (any order), or None when every hash and link holds."""
    ordered = sorted(entries, key=lambda e: e.position)
    if not ordered:
        return None
    chain, last = ordered[0].chain, ordered[-1].position
    written = [_written_at(e, last) for e in ordered]
    known = sorted(w for w in written if w is not None)
    permutation = known == list(range(1, len(ordered) + 1))
    by_hash = {e.hash: e for e in ordered}
    previous = GENESIS
    for expected, (entry, at) in enumerate(zip(ordered, written, strict=True), start=1):
        if at is None:
            return Break(
                chain, entry.position, CONTENT_CHANGED, f"its hash does not match its content ({entry.action})"
            )
        if at != entry.position:
            if permutation:
                detail = f"the entry written at position {at} stands at position {entry.position}"
                return Break(chain, entry.position, ENTRIES_REORDERED, detail)
            missing = next(p for p in range(1, last + _SLACK) if p not in known)
            return Break(chain, missing, ENTRY_REMOVED, f"the entry at position {missing} is missing (renumbered)")
        if entry.position != expected:
            detail = f"positions {expected} to {entry.position - 1} are missing"
            return Break(chain, expected, ENTRY_REMOVED, detail)
        if entry.previous_hash != previous:
            if entry.previous_hash in by_hash:
                detail = f"it follows position {by_hash[entry.previous_hash].position}, not {entry.position - 1}"
                return Break(chain, entry.position, ENTRIES_REORDERED, detail)
            return Break(chain, entry.position, ENTRY_REMOVED, "the entry it was written after is missing")
        previous = entry.hash
    return None


def day_root(heads: Iterable[tuple[str, str]]) -> str:
    """SHA-256 (hex) over the sorted ``name:hash`` lines (chain heads of a day; or services' roots)."""
    lines = sorted(f"{name}:{digest}" for name, digest in heads)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def heads_before(chains: Mapping[str, Sequence[Entry]], until: datetime) -> dict[str, Entry]:
    """Each chain's last entry recorded before ``until`` (chains with none left out)."""
    heads: dict[str, Entry] = {}
    for chain, entries in chains.items():
        before = [e for e in entries if e.recorded_at < until]
        if before:
            heads[chain] = max(before, key=lambda e: e.position)
    return heads


def verify_seal(seal: Seal, chains: Mapping[str, Sequence[Entry]]) -> Break | None:
    """Whether today's entries still give ``seal``'s root; else the chain that changed, when a kept head says it."""
    heads = heads_before(chains, seal.until)
    if day_root((chain, head.hash) for chain, head in heads.items()) == seal.root:
        return None
    for sealed in seal.heads:
        if found := _kept_head_holds(seal, sealed, chains.get(sealed.chain, ())):
            return found
    detail = f"the root of {seal.day} over {len(heads)} chains is not the sealed one ({seal.chains} chains)"
    return Break("", None, SEAL_MISMATCH, detail)


def verify_kept_heads(seals: Iterable[Seal], chain: str, entries: Sequence[Entry]) -> Break | None:
    """Whether ``chain`` still holds every head the seals kept of it (its newest entries were not removed)."""
    for seal in seals:
        for sealed in seal.heads:
            if sealed.chain == chain and (found := _kept_head_holds(seal, sealed, entries)):
                return found
    return None


def _kept_head_holds(seal: Seal, sealed: SealedHead, entries: Sequence[Entry]) -> Break | None:
    by_position = {e.position: e for e in entries}
    now = by_position.get(sealed.position)
    if now is None:
        ends = max(by_position, default=0)
        detail = f"the seal of {seal.day} holds position {sealed.position} as its head; the chain ends at {ends}"
        return Break(sealed.chain, sealed.position, ENTRY_REMOVED, detail)
    if now.hash != sealed.hash:
        return Break(sealed.chain, sealed.position, SEAL_MISMATCH, f"the seal of {seal.day} holds another hash for it")
    return None
