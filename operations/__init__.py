"""``lienthong``: the operator's command line.

    lienthong timeline <dossier code> [--json]
    lienthong dlq list [--topic T] [--dossier CODE] [--json]
    lienthong dlq show <dead-letter id> [--reveal-personal-data]
    lienthong dlq replay (<dead-letter id>... | --dossier CODE | --all) --reason TEXT [--by NAME]
    lienthong lag [--partitions] [--json]
    lienthong outbox [--json]
    lienthong deliveries list [--dossier CODE] [--state STATE] [--limit N] [--json]
    lienthong deliveries retry <delivery id>... --reason TEXT [--by NAME]
    lienthong closures declare --province P [--commune C]... --from DAY --to DAY --reason TEXT
                               --decision NUMBER --decision-date DAY --issuer TEXT [--json]
    lienthong closures end <closure id> --reopened-on DAY [--json]
    lienthong closures extend <closure id> --to DAY [--json]
    lienthong closures list [--province P] [--json]
    lienthong documents verify FILE.pdf [--ca PATH] [--json]

Timelines, outbox backlogs, deliveries and closures come from the services' HTTP APIs, each at
``LIENTHONG_<SERVICE>_URL`` (``LIENTHONG_INTAKE_URL``, …; by default ``http://127.0.0.1``
with the service's port in ``services/registry.py``). Dead letters and lag come from Kafka:
the broker and topic prefix are the same ``LIENTHONG_*`` variables as the services', and
``LIENTHONG_TRACE_URL`` makes the trace links. The services answer only the operator: the CLI
sends ``LIENTHONG_OPERATOR_TOKEN``, or fetches a token from ``LIENTHONG_TOKEN_URL`` as client
``LIENTHONG_OPERATOR_CLIENT_ID`` with ``LIENTHONG_OPERATOR_CLIENT_SECRET`` (client credentials).
"""

import argparse
import asyncio
import logging
import sys
from collections.abc import Coroutine, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka.errors import KafkaConnectionError, KafkaError

from operations import commands
from operations.closures import ClosureDecision
from operations.commands import OperatorError
from operations.documents import documents_verify
from operations.service_api import ServiceRefusedError, ServiceUnavailableError
from operations.tokens import IdentityProviderUnavailableError, TokenConfigurationError
from shared.observability.trace_ui import TraceUiSettings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lienthong",
        description="Operate lienthong: dossier timelines, dead letters, lag, outbox backlog, deliveries, closures,"
        " signed documents.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    timeline = sub.add_parser("timeline", help="a dossier as every service saw it, with its trace ids")
    timeline.add_argument("code", help="dossier code, e.g. 000.01.15.H40-261122-0003")
    timeline.add_argument("--json", action="store_true")

    dlq = sub.add_parser("dlq", help="dead letters").add_subparsers(dest="dlq_command", required=True)
    listing = dlq.add_parser("list", help="dead letters held in the .dlq topics")
    listing.add_argument("--topic", help="only this dead-letter topic (with or without .dlq)")
    listing.add_argument("--dossier", help="only dead letters of this dossier code")
    listing.add_argument("--json", action="store_true")
    show = dlq.add_parser("show", help="one dead letter: headers, error and body")
    show.add_argument("id", help="<dlq topic>:<partition>:<offset>, as dlq list prints it")
    show.add_argument("--reveal-personal-data", action="store_true", help="show the applicant's fields unmasked")
    replay = dlq.add_parser("replay", help="publish dead letters to their topic again, once each, audited")
    replay.add_argument("ids", nargs="*", help="dead-letter ids")
    replay.add_argument("--dossier", help="every dead letter of this dossier code")
    replay.add_argument("--all", action="store_true", dest="every", help="every dead letter")
    replay.add_argument("--reason", required=True, help="why, for the audit record")
    replay.add_argument("--by", help="who, for the audit record (default: the login name)")

    lag = sub.add_parser("lag", help="consumer lag of each lienthong consumer group")
    lag.add_argument("--partitions", action="store_true", help="every partition, not only those behind")
    lag.add_argument("--json", action="store_true")

    outbox = sub.add_parser("outbox", help="outbox backlog of each service")
    outbox.add_argument("--json", action="store_true")

    deliveries = sub.add_parser("deliveries", help="messages to applicants and portal records")
    delivery = deliveries.add_subparsers(dest="deliveries_command", required=True)
    listed = delivery.add_parser("list", help="deliveries, newest first")
    listed.add_argument("--dossier", help="only those of this dossier code")
    listed.add_argument("--state", choices=["pending", "sending", "delivered", "dead-lettered"])
    listed.add_argument("--limit", type=int, default=50)
    listed.add_argument("--json", action="store_true")
    retried = delivery.add_parser("retry", help="send dead-lettered deliveries again, audited")
    retried.add_argument("ids", nargs="+", type=int, help="delivery ids, as deliveries list prints them")
    retried.add_argument("--reason", required=True, help="why, for the audit record")
    retried.add_argument("--by", help="who, for the audit record (default: the login name)")

    _closure_commands(sub)
    _document_commands(sub)

    audit = sub.add_parser("audit", help="the services' tamper-evident journals")
    verify = audit.add_subparsers(dest="audit_command", required=True).add_parser(
        "verify", help="recompute the journals; exits 1 naming the first changed, removed or reordered entry"
    )
    verify.add_argument("code", nargs="?", help="one dossier's chain in every service")
    verify.add_argument("--all", action="store_true", dest="every", help="every chain and every sealed day")
    verify.add_argument("--json", action="store_true")
    verify.add_argument(
        "--database", metavar="URL", help="read the journal tables of this database (a copy) instead of the services"
    )
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day as YYYY-MM-DD") from error


def _closure_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a closure id (as closures list prints it)") from error


def _closure_commands(sub: Any) -> None:
    closures = sub.add_parser("closures", help="closures (force majeure) that stop the clocks of communes")
    closure = closures.add_subparsers(dest="closures_command", required=True)
    declared = closure.add_parser("declare", help="declare a closure; open due dates of the communes move")
    declared.add_argument("--province", required=True, help="2-digit province code, e.g. 40")
    declared.add_argument(
        "--commune", action="append", default=[], dest="communes", help="5-digit commune code (repeat); none: all"
    )
    declared.add_argument("--from", required=True, type=_day, dest="first_day", help="first closed day")
    declared.add_argument("--to", required=True, type=_day, dest="last_day", help="last closed day, included")
    declared.add_argument("--reason", required=True, help="why the offices are closed, e.g. lũ lụt")
    declared.add_argument("--decision", required=True, help="the decision's number, e.g. 1234/QĐ-UBND")
    declared.add_argument("--decision-date", required=True, type=_day, help="the day it was issued")
    declared.add_argument("--issuer", required=True, help="who issued it, e.g. Ủy ban nhân dân tỉnh Nghệ An")
    declared.add_argument("--json", action="store_true")
    ended = closure.add_parser("end", help="end a closure early; due dates move back")
    ended.add_argument("id", type=_closure_id)
    ended.add_argument("--reopened-on", required=True, type=_day, help="the first day the offices work again")
    ended.add_argument("--json", action="store_true")
    extended = closure.add_parser("extend", help="extend a closure to a later last day")
    extended.add_argument("id", type=_closure_id)
    extended.add_argument("--to", required=True, type=_day, dest="last_day", help="the new last closed day")
    extended.add_argument("--json", action="store_true")
    listed = closure.add_parser("list", help="closures, latest first")
    listed.add_argument("--province", help="only this province (default: every province)")
    listed.add_argument("--json", action="store_true")


def _document_commands(sub: Any) -> None:
    documents = sub.add_parser("documents", help="signed documents the units issued")
    verify = documents.add_subparsers(dest="documents_command", required=True).add_parser(
        "verify", help="check a signed result offline; exits 1 unless intact, valid, trusted and unchanged after"
    )
    verify.add_argument("file", type=Path, help="the PDF, e.g. as downloaded")
    verify.add_argument(
        "--ca", type=Path, help="trusted root (PEM); default LIENTHONG_SIGNING_CA_CERT_FILE or <local>/signing/ca.pem"
    )
    verify.add_argument("--json", action="store_true")


def _closures(args: argparse.Namespace, settings: TraceUiSettings) -> Coroutine[Any, Any, int]:
    if args.closures_command == "declare":
        decision = ClosureDecision(args.decision, args.decision_date, args.issuer)
        return commands.closures_declare(
            settings,
            province_code=args.province,
            communes=args.communes,
            first_day=args.first_day,
            last_day=args.last_day,
            reason=args.reason,
            decision=decision,
            as_json=args.json,
        )
    if args.closures_command == "end":
        return commands.closures_end(settings, args.id, args.reopened_on, as_json=args.json)
    if args.closures_command == "extend":
        return commands.closures_extend(settings, args.id, args.last_day, as_json=args.json)
    return commands.closures_list(settings, args.province, as_json=args.json)


def _command(args: argparse.Namespace, settings: TraceUiSettings) -> Coroutine[Any, Any, int]:
    if args.command == "closures":
        return _closures(args, settings)
    if args.command == "documents":
        return documents_verify(args.file, args.ca, as_json=args.json)
    if args.command == "timeline":
        return commands.timeline(settings, args.code, as_json=args.json)
    if args.command == "lag":
        return commands.lag(settings, partitions=args.partitions, as_json=args.json)
    if args.command == "outbox":
        return commands.outbox(settings, as_json=args.json)
    if args.command == "audit":
        return commands.audit_verify(settings, args.code, every=args.every, as_json=args.json, database=args.database)
    if args.command == "deliveries":
        if args.deliveries_command == "list":
            return commands.deliveries_list(
                settings, dossier=args.dossier, state=args.state, limit=args.limit, as_json=args.json
            )
        return commands.deliveries_retry(settings, args.ids, by=args.by, reason=args.reason)
    if args.dlq_command == "list":
        return commands.dlq_list(settings, topic=args.topic, dossier=args.dossier, as_json=args.json)
    if args.dlq_command == "show":
        return commands.dlq_show(settings, args.id, reveal=args.reveal_personal_data)
    return commands.dlq_replay(
        settings, args.ids, dossier=args.dossier, every=args.every, by=args.by, reason=args.reason
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lienthong`` script; returns the exit status."""
    args = build_parser().parse_args(argv)
    # aiokafka logs each refused connection itself; the error below says it once.
    logging.basicConfig(level=logging.CRITICAL)
    settings = TraceUiSettings()
    try:
        return asyncio.run(_command(args, settings))
    except (OperatorError, ServiceRefusedError, TokenConfigurationError) as error:
        print(f"lienthong: {error}", file=sys.stderr)
        return 1
    except (ServiceUnavailableError, IdentityProviderUnavailableError) as error:
        print(f"lienthong: {error}", file=sys.stderr)
        return 2
    except (KafkaConnectionError, KafkaError) as error:
        print(f"lienthong: cannot use Kafka at {settings.kafka_bootstrap_servers}: {error}", file=sys.stderr)
        return 2
    except TimeoutError as error:
        print(f"lienthong: timed out: {error or 'no answer'}", file=sys.stderr)
        return 2
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        where = settings.database_url.rsplit("@", 1)[-1]
        print(f"lienthong: cannot use PostgreSQL at {where}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
