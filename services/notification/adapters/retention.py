"""Notification's retention: finished deliveries pruned, and the personal data of those kept pseudonymised.

A delivery holds a copy of the applicant: its recipient (phone, e-mail address, Zalo id),
the texts sent (the e-mail greets the applicant by name), the portal's record (citizen ID
and name) and the status change it was planned from (the whole applicant). Once finished
(delivered or dead-lettered) for ``delivery_retention_days`` it is pruned, unless an
operator's retry or a fallback delivery refers to it; once finished for
``personal_data_retention_days``, what is left of it is pseudonymised.
"""

import json
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from shared.kernel.pseudonyms import Pseudonyms
from shared.kernel.retention import PSEUDONYMISED, RetentionPlan, RetentionTask, pruning

FINISHED = "state IN ('delivered', 'dead-lettered')"
PORTAL = "portal"
"""The national portal's channel: its recipient is the portal, not a person."""


def delivery_retention(delivery_age: timedelta, personal_data_age: timedelta) -> RetentionPlan:
    """Finished deliveries pruned after ``delivery_age``; the rest pseudonymised after ``personal_data_age``."""
    prune = pruning(
        "deliveries",
        "deliveries",
        "finished_at",
        delivery_age,
        where=f"{FINISHED} AND NOT EXISTS (SELECT 1 FROM delivery_retries r WHERE r.delivery_id = deliveries.id)"
        " AND NOT EXISTS (SELECT 1 FROM deliveries f WHERE f.fallback_of = deliveries.id)",
    )
    return RetentionPlan(
        pseudonymise=lambda pseudonyms: [_pseudonymising(pseudonyms, personal_data_age)], prune=[prune]
    )


def _pseudonymising(pseudonyms: Pseudonyms, age: timedelta) -> RetentionTask:
    async def batch(connection: asyncpg.Connection, before: datetime, limit: int) -> int:
        rows = await connection.fetch(
            "SELECT id, channel, recipient, record, event FROM deliveries"
            f" WHERE pseudonymised_at IS NULL AND {FINISHED} AND finished_at < $1"
            f" ORDER BY finished_at LIMIT {int(limit)} FOR UPDATE SKIP LOCKED",
            before,
        )
        await connection.executemany(
            "UPDATE deliveries SET recipient = $2, subject = NULL, message = '', record = $3, event = $4,"
            " last_error = NULL, pseudonymised_at = now() WHERE id = $1",
            [_pseudonymised(row, pseudonyms) for row in rows],
        )
        return len(rows)

    return RetentionTask("deliveries", PSEUDONYMISED, age, batch)


def _pseudonymised(row: asyncpg.Record, pseudonyms: Pseudonyms) -> tuple[object, ...]:
    channel, recipient = row["channel"], row["recipient"]
    event = json.loads(row["event"])
    if "applicant" in event:  # a deadline event, told to clerks, carries none
        event["applicant"] = pseudonyms.applicant(event["applicant"])
    return (
        row["id"],
        recipient if channel == PORTAL else pseudonyms.recipient(channel, recipient),
        None if row["record"] is None else json.dumps(_portal_record(json.loads(row["record"]), pseudonyms)),
        json.dumps(event),
    )


def _portal_record(record: dict[str, Any], pseudonyms: Pseudonyms) -> dict[str, Any]:
    """The portal's record with the citizen ID's pseudonym (as intake keeps it) and the name's."""
    return {
        **record,
        "applicant_id": pseudonyms.citizen(str(record["applicant_id"])),
        "applicant_name": pseudonyms.of("full_name", str(record["applicant_name"])),
    }
