"""The operator commands: each reads what it needs and prints it for a terminal (or JSON)."""

import dataclasses
import getpass
import json
import sys
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from operations import audit, closures
from operations import database as operations_database
from operations.dead_letters import (
    DeadLetter,
    OriginalGoneError,
    Replay,
    dead_letter_topics,
    parse_id,
    read_dead_letters,
    replay,
    replays_of,
)
from operations.deliveries import read_deliveries, retry
from operations.service_api import ServiceClient, ServiceUnavailableError
from operations.timeline import read_timeline
from services.registry import SERVICES
from shared.contracts import STREAMS
from shared.kernel.kafka_connection import kafka_connection
from shared.observability.kafka_offsets import KafkaOffsets
from shared.observability.trace_ui import TraceUiSettings, dossier_search_url, trace_url
from shared.reference.calendar import OFFICE_TIMEZONE


class OperatorError(Exception):
    """Something the operator asked for does not exist or cannot be done; the message says what."""


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


OFFICE_ZONE = ZoneInfo(OFFICE_TIMEZONE)


def _when(at: datetime | None) -> str:
    """Office time, as the dossier's deadlines are counted."""
    if at is None:
        return "-"
    local = at.astimezone(OFFICE_ZONE)
    return local.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + local.strftime("%z")


def _dump(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


async def timeline(settings: TraceUiSettings, code: str, *, as_json: bool) -> int:
    async with ServiceClient() as services:
        found = await read_timeline(services, code)
    if not found.entries:
        problems = "; ".join(f"{k}: {v}" for k, v in found.unreadable.items())
        raise OperatorError(f"no service knows dossier {code}" + (f" ({problems})" if problems else ""))
    if as_json:
        _dump({**dataclasses.asdict(found), "trace_ids": found.trace_ids})
        return 0
    print(f"dossier {found.code}  procedure {found.procedure_code or '?'}  status {found.status or '?'}")
    for number, trace_id in enumerate(found.trace_ids):
        label = "submission trace" if number == 0 else "later trace     "
        print(f"  {label} {trace_id}  {trace_url(trace_id, settings.trace_url)}")
    if search := dossier_search_url(code, settings.trace_url):
        print(f"  all its traces   {search}")
    for entry in found.entries:
        trace = f"  [trace {entry.trace_id[:8]}…]" if entry.trace_id else ""
        print(f"{_when(entry.at)}  {entry.service:12} {entry.what}{trace}")
    for name, problem in found.unreadable.items():
        print(f"(could not read {name}: {problem})")
    return 0


async def dlq_list(settings: TraceUiSettings, *, topic: str | None, dossier: str | None, as_json: bool) -> int:
    letters = await _letters(settings, topic=topic, dossier=dossier)
    replays = await _replays(settings, letters)
    if as_json:
        _dump([_letter_summary(d, replays.get(d.id)) for d in letters])
        return 0
    if not letters:
        print("no dead letters")
        return 0
    for d in letters:
        s = _letter_summary(d, replays.get(d.id))
        replayed = f"  replayed {_when(s['replayed_at'])} by {s['replayed_by']}" if s["replayed_at"] else ""
        print(f"{d.id}  {s['failed_at']}  {s['consumer']:12} {s['dossier']}  {s['error'][:100]}{replayed}")
    print(f"{len(letters)} dead letter(s), {sum(1 for d in letters if d.id in replays)} replayed")
    return 0


async def dlq_show(settings: TraceUiSettings, letter_id: str, *, reveal: bool) -> int:
    topic, partition, offset = _checked_id(settings, letter_id)
    held = await _letters(settings, topic=topic)
    letter = next((d for d in held if (d.partition, d.offset) == (partition, offset)), None)
    if letter is None:
        raise OperatorError(f"no dead letter {letter_id} (it may have expired from the topic)")
    earlier = (await _replays(settings, [letter])).get(letter.id)
    _dump(
        {
            "id": letter.id,
            "original_topic": letter.original_topic,
            "key": letter.key.decode(errors="replace") if letter.key else None,
            "headers": letter.shown_headers(reveal=reveal),
            "body": letter.body(reveal=reveal),
            "replayed": {"by": earlier.by, "at": earlier.at} if earlier else None,
        }
    )
    return 0


async def dlq_replay(
    settings: TraceUiSettings,
    ids: list[str],
    *,
    dossier: str | None,
    every: bool,
    by: str | None,
    reason: str,
) -> int:
    if not (ids or dossier or every):
        raise OperatorError("say which dead letters to replay: their ids, --dossier CODE or --all")
    wanted = {_checked_id(settings, i) for i in ids}
    letters = [
        d
        for d in await _letters(settings, dossier=dossier, progress=_note)
        if every or dossier or (d.topic, d.partition, d.offset) in wanted
    ]
    missing = wanted - {(d.topic, d.partition, d.offset) for d in letters}
    if missing:
        raise OperatorError(f"no dead letter {', '.join(f'{t}:{p}:{o}' for t, p, o in sorted(missing))}")
    if not letters:
        print("nothing to replay")
        return 0

    def report(number: int, total: int, outcome: Replay) -> None:
        done = "replayed" if outcome.replayed else f"skipped, already replayed {_when(outcome.at)} by {outcome.by}"
        print(f"[{number}/{total}] {outcome.letter.id} → {outcome.letter.original_topic}: {done}", flush=True)

    try:
        outcomes = await replay(settings, letters, by=by or getpass.getuser(), reason=reason, progress=report)
    except OriginalGoneError as error:
        raise OperatorError(str(error)) from error
    print(f"{sum(o.replayed for o in outcomes)} replayed, {sum(not o.replayed for o in outcomes)} already replayed")
    return 0


async def lag(settings: TraceUiSettings, *, partitions: bool, as_json: bool) -> int:
    ours = {settings.topic_prefix + s.topic for s in STREAMS}
    async with KafkaOffsets(kafka_connection(settings), client_id="lienthong-cli") as offsets:
        groups = await offsets.groups(f"{settings.topic_prefix}lienthong.")
        lags = [lag for group in groups for lag in await offsets.lag(group) if lag.topic in ours]
    if as_json:
        _dump([{**dataclasses.asdict(x), "lag": x.lag} for x in lags])
        return 0
    if not lags:
        print(f"no consumer group has committed offsets on the topics of prefix {settings.topic_prefix!r}")
        return 0
    print(f"{'group':45} {'lag':>7}  partitions behind")
    for group in sorted({x.group for x in lags}):
        mine = [x for x in lags if x.group == group]
        print(f"{group:45} {sum(x.lag for x in mine):7}  {sum(1 for x in mine if x.lag)}/{len(mine)}")
        for x in mine:
            if partitions or x.lag:
                committed = "-" if x.committed is None else x.committed
                print(f"    {x.topic}[{x.partition}] committed {committed} end {x.end} lag {x.lag}")
    return 0


async def outbox(_settings: TraceUiSettings, *, as_json: bool) -> int:
    rows: list[dict[str, Any]] = []
    async with ServiceClient() as services:
        for service in SERVICES:
            row: dict[str, Any] = {"schema": service.name, "waiting": None, "oldest_age_seconds": None}
            try:
                row |= await services.read(service.name, "/v1/outbox")
            except ServiceUnavailableError as error:
                row |= {"last_published_at": None, "unreadable": str(error)}
            rows.append(row)
    if as_json:
        _dump(rows)
        return 0
    print(f"{'service':13} {'waiting':>8} {'oldest':>9}  last published")
    for r in rows:
        if r["waiting"] is None:
            print(f"{r['schema']:13} (could not read: {r['unreadable']})")
            continue
        last = _when(datetime.fromisoformat(r["last_published_at"]) if r["last_published_at"] else None)
        print(f"{r['schema']:13} {r['waiting']:8} {r['oldest_age_seconds']:8.1f}s  {last}")
    return 0


async def audit_verify(
    settings: TraceUiSettings, code: str | None, *, every: bool, as_json: bool, database: str | None = None
) -> int:
    """Exit status 0 when every journal read holds, 1 when one is broken (or could not be read).

    With ``database``, the journal tables of that database (a copy) instead of the running services'.
    """
    if (code is None) == (not every):
        raise OperatorError("say what to verify: a dossier code or --all")
    opened = audit.database_journals(database) if database else audit.running_journals(settings)
    async with opened as (sources, board):
        found = await (audit.verify_everything(sources, board) if every else audit.verify_dossier(sources, code or ""))
    if code is not None and not any(s.entries for s in found.services) and found.holds:
        raise OperatorError(f"no service has journal entries for dossier {code}")
    if as_json:
        _dump({"holds": found.holds, "services": [dataclasses.asdict(s) for s in found.services]})
    else:
        print("\n".join(audit.report(found)))
        print("the journals hold" if found.holds else "the journals do NOT hold")
    return 0 if found.holds else 1


async def _letters(
    settings: TraceUiSettings, *, topic: str | None = None, dossier: str | None = None, progress: Any = _note
) -> list[DeadLetter]:
    topics = dead_letter_topics(settings.topic_prefix)
    if topic is not None:
        if topic not in topics and topic + ".dlq" not in topics:
            raise OperatorError(f"{topic!r} is not a dead-letter topic of prefix {settings.topic_prefix!r}")
        topics = [topic if topic in topics else topic + ".dlq"]
    letters = await read_dead_letters(settings, topics, progress=progress)
    return [d for d in letters if dossier is None or d.dossier_code == dossier]


async def _replays(settings: TraceUiSettings, letters: list[DeadLetter]) -> dict[str, Replay]:
    if not letters:
        return {}
    connection = await operations_database.connect(settings)
    try:
        return await replays_of(connection, letters)
    finally:
        await connection.close()


def _checked_id(settings: TraceUiSettings, letter_id: str) -> tuple[str, int, int]:
    try:
        parsed = parse_id(letter_id)
    except ValueError as error:
        raise OperatorError(str(error)) from error
    if parsed[0] not in dead_letter_topics(settings.topic_prefix):
        raise OperatorError(f"{parsed[0]!r} is not a dead-letter topic of prefix {settings.topic_prefix!r}")
    return parsed


def _letter_summary(letter: DeadLetter, earlier: Replay | None) -> dict[str, Any]:
    headers = letter.shown_headers()
    return {
        "id": letter.id,
        "original_topic": letter.original_topic,
        "type": letter.headers.get("ce_type"),
        "event_id": letter.headers.get("ce_id"),
        "dossier": letter.dossier_code or "-",
        "consumer": letter.headers.get("dlq_consumer", "?"),
        "attempts": letter.headers.get("dlq_attempts"),
        "failed_at": letter.headers.get("dlq_failed_at", "-"),
        "error": headers.get("dlq_error", ""),
        "replayed_by": earlier.by if earlier else None,
        "replayed_at": earlier.at if earlier else None,
    }


async def deliveries_list(
    settings: TraceUiSettings, *, dossier: str | None, state: str | None, limit: int, as_json: bool
) -> int:
    async with ServiceClient() as services:
        found = await read_deliveries(services, dossier=dossier, state=state, limit=limit)
    if as_json:
        _dump([dataclasses.asdict(d) for d in found])
        return 0
    if not found:
        print("no deliveries")
        return 0
    for d in found:
        when = _when(d.finished_at or d.created_at)
        failure = f"  {d.last_error[:100]}" if d.last_error and d.state != "delivered" else ""
        print(f"{d.id:>8}  {when}  {d.dossier_code:28} {d.channel:6} {d.status:11} {d.state:13} x{d.attempts}{failure}")
    print(f"{len(found)} deliveries, {sum(d.state == 'dead-lettered' for d in found)} dead-lettered")
    return 0


async def deliveries_retry(settings: TraceUiSettings, ids: list[int], *, by: str | None, reason: str) -> int:
    async with ServiceClient() as services:
        outcomes = await retry(services, ids, by=by or getpass.getuser(), reason=reason)
    for number, outcome in enumerate(outcomes, 1):
        if outcome.retried:
            done = "back in line"
        elif not outcome.found:
            done = "skipped: no such delivery"
        else:
            done = f"skipped: {outcome.why_not}"
        print(f"[{number}/{len(outcomes)}] delivery {outcome.delivery_id}: {done}", flush=True)
    retried = sum(o.retried for o in outcomes)
    print(f"{retried} retried, {len(outcomes) - retried} skipped")
    return 0 if all(o.found for o in outcomes) else 1


def _closure_line(c: closures.Closure) -> str:
    where = ", ".join(c.communes) if c.communes else "the whole province"
    ended = f"  ended early {_when(c.ended_at)}" if c.ended_at else ""
    return (
        f"{c.id}  province {c.province_code} ({where})  {c.first_day} to {c.last_day}  {c.reason}"
        f"  [{c.decision.number} of {c.decision.issued_on}, {c.decision.issuer}]{ended}"
    )


def _closure_changed(c: closures.Closure, what: str, as_json: bool) -> int:
    if as_json:
        _dump(dataclasses.asdict(c))
        return 0
    print(f"closure {what}: {_closure_line(c)}")
    print(f"{c.dossiers_concerned or 0} open dossier(s) concerned; their due dates are counted again")
    return 0


async def closures_declare(
    _settings: TraceUiSettings,
    *,
    province_code: str,
    communes: list[str],
    first_day: date,
    last_day: date,
    reason: str,
    decision: closures.ClosureDecision,
    as_json: bool,
) -> int:
    if last_day < first_day:
        raise OperatorError(f"--to {last_day} is before --from {first_day}")
    async with ServiceClient() as services:
        declared = await closures.declare(
            services,
            province_code=province_code,
            communes=communes,
            first_day=first_day,
            last_day=last_day,
            reason=reason,
            decision=decision,
        )
    return _closure_changed(declared, "declared", as_json)


async def closures_end(_settings: TraceUiSettings, closure_id: UUID, reopened_on: date, *, as_json: bool) -> int:
    async with ServiceClient() as services:
        return _closure_changed(await closures.end(services, closure_id, reopened_on), "ended", as_json)


async def closures_extend(_settings: TraceUiSettings, closure_id: UUID, last_day: date, *, as_json: bool) -> int:
    async with ServiceClient() as services:
        return _closure_changed(await closures.extend(services, closure_id, last_day), "extended", as_json)


async def closures_list(_settings: TraceUiSettings, province_code: str | None, *, as_json: bool) -> int:
    async with ServiceClient() as services:
        found = await closures.listed(services, province_code)
    if as_json:
        _dump([dataclasses.asdict(c) for c in found])
        return 0
    for c in found:
        print(_closure_line(c))
    print(f"{len(found)} closure(s)")
    return 0
