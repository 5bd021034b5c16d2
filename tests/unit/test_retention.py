"""The retention plan and its keyed pseudonyms, without a database."""

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import cast

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from shared.contracts import Applicant
from shared.kernel.journal import RecordingJournal
from shared.kernel.pseudonyms import Pseudonyms
from shared.kernel.retention import (
    JOURNAL_ACTION,
    PRUNED,
    PSEUDONYMISED,
    PseudonymKeyMissingError,
    Retention,
    RetentionMetrics,
    RetentionPlan,
    RetentionTask,
    planned_tasks,
)
from shared.kernel.settings import CommonSettings
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, LAND_IN_RACH_GIA

KEY = b"k" * 32
NOW = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
FULL_APPLICANT = {
    **BIRTH_IN_QUYNH_LUU["applicant"],
    "email": "lan.ho@example.vn",
    "zalo_user_id": "zalo-4242",
    "channels": ["sms", "email"],
    "language": "en",
}


def test_the_same_citizen_id_gives_the_same_pseudonym_and_another_key_another() -> None:
    pseudonyms = Pseudonyms(KEY)
    assert pseudonyms.citizen("040301000123") == Pseudonyms(KEY).citizen("040301000123")
    assert pseudonyms.citizen("040301000123") != pseudonyms.citizen("040301000124")
    assert pseudonyms.citizen("040301000123") != Pseudonyms(b"j" * 32).citizen("040301000123")
    assert pseudonyms.of("phone", "0912345678") != pseudonyms.of("citizen_id", "0912345678"), "kinds never collide"
    assert len(pseudonyms.citizen("040301000123")) == 64


def test_a_key_shorter_than_32_bytes_is_refused_without_quoting_it() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes") as refused:
        Pseudonyms(b"tiny-secret")
    assert "tiny-secret" not in str(refused.value)


def test_a_pseudonymised_applicant_is_still_an_applicant_but_holds_nothing_of_the_person() -> None:
    pseudonymised = Pseudonyms(KEY).applicant(FULL_APPLICANT)

    Applicant.model_validate(pseudonymised)
    written = json.dumps(pseudonymised, ensure_ascii=False)
    for field in ("citizen_id", "full_name", "date_of_birth", "phone", "email", "zalo_user_id"):
        assert FULL_APPLICANT[field] not in written, field
    assert pseudonymised["citizen_id"].startswith("000"), "no province has the code 000: never a real person's ID"
    assert pseudonymised["full_name"] == Pseudonyms(KEY).of("full_name", FULL_APPLICANT["full_name"])
    assert (pseudonymised["channels"], pseudonymised["language"]) == (["sms", "email"], "en")
    assert "phone" not in pseudonymised, "nobody may be contacted any more"
    assert pseudonymised == Pseudonyms(KEY).applicant(FULL_APPLICANT), "the same applicant, the same pseudonyms"


def test_two_applicants_get_two_pseudonyms() -> None:
    pseudonyms = Pseudonyms(KEY)
    first, second = pseudonyms.applicant(FULL_APPLICANT), pseudonyms.applicant(LAND_IN_RACH_GIA["applicant"])
    assert first["citizen_id"] != second["citizen_id"]
    assert first["full_name"] != second["full_name"]


class Rows:
    """A table of ``count`` rows to retain, taken ``limit`` at a time; remembers each batch's limit time."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.batches: list[tuple[datetime, int]] = []

    async def batch(self, _connection: asyncpg.Connection, before: datetime, limit: int) -> int:
        taken = min(self.left, limit)
        self.left -= taken
        self.batches.append((before, taken))
        return taken


class Connection:
    """Enough of a connection for the pass: transactions, counted."""

    def __init__(self) -> None:
        self.transactions = 0

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self.transactions += 1
        yield


def _retention(tasks: list[RetentionTask], journal: RecordingJournal, registry: CollectorRegistry | None) -> Retention:
    return Retention(
        "intake", tasks, batch=10, clock=lambda: NOW, metrics=RetentionMetrics(registry), journal=lambda _: journal
    )


async def test_a_pass_drains_each_kind_in_batches_of_its_own_transaction_and_journals_once() -> None:
    inbox, applicants = Rows(25), Rows(3)
    journal, registry = RecordingJournal(clock=lambda: NOW), CollectorRegistry()
    retention = _retention(
        [
            RetentionTask("applicants", PSEUDONYMISED, timedelta(days=365), applicants.batch),
            RetentionTask("inbox", PRUNED, timedelta(days=30), inbox.batch),
        ],
        journal,
        registry,
    )
    connection = Connection()

    assert await retention.run(cast(asyncpg.Connection, connection)) == 28

    assert inbox.batches == [(NOW - timedelta(days=30), n) for n in (10, 10, 5)]
    assert applicants.batches == [(NOW - timedelta(days=365), 3)]
    assert connection.transactions == 4 + 1, "one per batch, one for the journal entry"
    [entry] = journal.entries
    assert (entry.chain, entry.action, entry.actor) == ("service:intake", JOURNAL_ACTION, "retention")
    assert entry.details["rows"] == {"applicants.pseudonymised": 3, "inbox.pruned": 25}
    assert entry.details["before"]["inbox.pruned"] == (NOW - timedelta(days=30)).isoformat()
    counted = registry.get_sample_value(
        "lienthong_retention_rows_total", {"service": "intake", "kind": "inbox", "action": "pruned"}
    )
    assert counted == 25


async def test_a_pass_that_changes_nothing_writes_no_journal_entry() -> None:
    journal = RecordingJournal(clock=lambda: NOW)
    retention = _retention([RetentionTask("inbox", PRUNED, timedelta(days=30), Rows(0).batch)], journal, None)

    assert await retention.run(cast(asyncpg.Connection, Connection())) == 0
    assert journal.entries == []


def _settings(**values: object) -> CommonSettings:
    return CommonSettings.model_validate(values)


def _pseudonymising(pseudonyms: Pseudonyms) -> list[RetentionTask]:
    return [RetentionTask("applicants", PSEUDONYMISED, timedelta(days=1), Rows(0).batch)]


def test_the_kernel_prunes_its_tables_by_their_own_retention_and_pseudonymises_first_with_a_key() -> None:
    settings = _settings(pseudonym_key="p" * 32, inbox_retention_days=30, outbox_retention_days=7)
    own = RetentionTask("deliveries", PRUNED, timedelta(days=90), Rows(0).batch)

    tasks = planned_tasks(settings, RetentionPlan(pseudonymise=_pseudonymising, prune=[own]))

    assert [(t.kind, t.action) for t in tasks] == [
        ("applicants", PSEUDONYMISED),
        ("inbox", PRUNED),
        ("outbox", PRUNED),
        ("idempotency_keys", PRUNED),
        ("deliveries", PRUNED),
    ]
    assert [t.age.days for t in tasks[1:4]] == [30, 7, 30]


def test_without_a_key_personal_data_is_left_with_a_warning_and_pruning_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        tasks = planned_tasks(_settings(), RetentionPlan(pseudonymise=_pseudonymising))
    assert {t.action for t in tasks} == {PRUNED}
    assert "LIENTHONG_PSEUDONYM_KEY is not set" in caplog.text


def test_a_deployment_that_requires_the_key_refuses_to_start_without_it() -> None:
    with pytest.raises(PseudonymKeyMissingError, match="LIENTHONG_PSEUDONYM_KEY"):
        planned_tasks(_settings(pseudonym_key_required=True), RetentionPlan(pseudonymise=_pseudonymising))


def test_a_service_without_personal_data_needs_no_key() -> None:
    tasks = planned_tasks(_settings(pseudonym_key_required=True), RetentionPlan())
    assert {t.kind for t in tasks} == {"inbox", "outbox", "idempotency_keys"}


def test_the_key_is_never_shown_by_the_settings() -> None:
    settings = _settings(pseudonym_key="a-secret-of-thirty-two-characters")
    assert "a-secret-of-thirty-two-characters" not in repr(settings)
    assert "a-secret-of-thirty-two-characters" not in settings.model_dump_json()
