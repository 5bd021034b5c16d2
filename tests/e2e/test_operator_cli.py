"""The ``lienthong`` operator CLI against the running stack: timeline, dead letters, lag, outbox, deliveries."""

import json
import os
import secrets
import subprocess
import sys
from typing import Any

import asyncpg
import httpx
import pytest
from stack import REPO, ServiceStack
from standins.process import StandinServers

from shared.contracts import DossierStatusChanged, dead_letter_topic, topic_of
from shared.kernel.settings import CommonSettings
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, ledger, open_task, submit
from tests.support.kafka import Principals
from tests.support.traces import traced_approved_birth
from tests.support.waiting import eventually

APPLICANT = BIRTH_IN_QUYNH_LUU["applicant"]


@pytest.fixture(autouse=True)
def services_of_the_stack(
    stack: ServiceStack, kafka_principals: Principals, standins: StandinServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where each service answers, the operator's Kafka principal and where the CLI fetches its token."""
    for name in stack.ports:
        monkeypatch.setenv(f"LIENTHONG_{name.upper()}_URL", stack.url(name))
    for key, value in {**kafka_principals.env("operator"), **standins.operator_env()}.items():
        monkeypatch.setenv(key, value)


def lienthong(settings_env: dict[str, str], *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI as an operator would, with the deployment's settings in the environment."""
    return subprocess.run(
        [sys.executable, "-m", "operations", *args],
        cwd=REPO,
        env={**os.environ, **settings_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def test_timeline_shows_every_services_view_with_the_submission_trace(
    http: httpx.AsyncClient, stack: ServiceStack, settings_env: dict[str, str]
) -> None:
    approved = await traced_approved_birth(http, stack)
    code, trace_id = approved["code"], approved["trace_id"]

    found = _json(lienthong(settings_env, "timeline", code, "--json"))
    assert found["code"] == code
    assert found["procedure_code"] == "1.001193"
    assert found["status"] == "done"
    assert found["unreadable"] == {}
    assert found["trace_ids"][0] == trace_id
    assert len(found["trace_ids"]) >= 2, "the clerk's approval runs in a trace of its own"
    assert {e["service"] for e in found["entries"]} == {"intake", "routing", "department", "notification"}
    times = [e["at"] for e in found["entries"]]
    assert times == sorted(times)

    printed = lienthong(settings_env, "timeline", code, LIENTHONG_TRACE_URL="http://ui.test/trace/{trace_id}")
    assert printed.returncode == 0, printed.stderr
    assert f"http://ui.test/trace/{trace_id}" in printed.stdout
    assert "task register-birth at 17179.VP approved" in printed.stdout
    for personal in APPLICANT.values():
        assert personal not in printed.stdout


async def test_timeline_of_an_unknown_dossier_and_an_unreachable_broker_say_what_is_wrong(
    settings_env: dict[str, str], stack: ServiceStack
) -> None:
    unknown = lienthong(settings_env, "timeline", "000.01.15.H40-000101-9999")
    assert unknown.returncode == 1
    assert "no service knows dossier 000.01.15.H40-000101-9999" in unknown.stderr

    without_routing = lienthong(
        settings_env, "timeline", "000.01.15.H40-000101-9999", LIENTHONG_ROUTING_URL="http://127.0.0.1:1"
    )
    assert without_routing.returncode == 1
    assert "routing: cannot reach routing at http://127.0.0.1:1" in without_routing.stderr

    unreachable = lienthong(settings_env, "lag", LIENTHONG_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1")
    assert unreachable.returncode == 2
    assert "cannot use Kafka at 127.0.0.1:1" in unreachable.stderr


async def test_dead_letters_are_listed_shown_and_replayed_once_with_an_audit_record(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings, settings_env: dict[str, str]
) -> None:
    status_dlq = dead_letter_topic(topic_of(DossierStatusChanged, settings.topic_prefix))
    admin = await asyncpg.connect(settings.database_url)
    constraint = f"refuse_{secrets.token_hex(4)}"
    phone = f"09{secrets.randbelow(10**8):08d}"
    try:
        # A fault of the kind that dead-letters real events: notification's write for this
        # applicant is refused until the operator has fixed the cause.
        await admin.execute(
            f"ALTER TABLE notification.deliveries ADD CONSTRAINT {constraint} CHECK (recipient <> '{phone}') NOT VALID"
        )
        dossier = {**BIRTH_IN_QUYNH_LUU, "applicant": {**APPLICANT, "phone": phone}}
        code = (await submit(http, stack.url("intake"), dossier))["code"]
        await open_task(http, stack.url("department"), "17179.VP", code)

        async def dead_lettered() -> list[dict[str, Any]] | None:
            letters = _json(lienthong(settings_env, "dlq", "list", "--dossier", code, "--json"))
            return letters if len(letters) >= 2 else None

        letters = await eventually(dead_lettered, timeout=60, what="both status changes of the dossier dead-lettered")
        assert {d["consumer"] for d in letters} == {"notification"}
        assert all(d["original_topic"] + ".dlq" == status_dlq for d in letters)
        assert all("CheckViolation" in d["error"] for d in letters), letters
        assert await admin.fetchval("SELECT count(*) FROM notification.deliveries WHERE dossier_code = $1", code) == 0

        shown = _json(lienthong(settings_env, "dlq", "show", letters[0]["id"]))
        assert shown["headers"]["ce_subject"] == code
        assert shown["body"]["applicant"]["citizen_id"] == "[hidden]"
        assert APPLICANT["full_name"] not in json.dumps(shown, ensure_ascii=False)

        metrics = (await http.get(f"{stack.url('notification')}/metrics")).text
        assert f'lienthong_dead_letters{{topic="{status_dlq}"}}' in metrics

        await admin.execute(f"ALTER TABLE notification.deliveries DROP CONSTRAINT {constraint}")
        replayed = lienthong(
            settings_env, "dlq", "replay", "--dossier", code, "--reason", "ledger constraint removed", "--by", "ops.an"
        )
        assert replayed.returncode == 0, replayed.stderr
        assert f"[1/{len(letters)}]" in replayed.stdout
        assert f"{len(letters)} replayed, 0 already replayed" in replayed.stdout
        entries = await ledger(http, stack.url("notification"), code, len(letters))
        assert [e["status"] for e in entries] == ["receiving", "processing"]

        first = letters[0]["id"]
        again = lienthong(settings_env, "dlq", "replay", first, "--reason", "double click", "--by", "ops.binh")
        assert again.returncode == 0, again.stderr
        assert "skipped, already replayed" in again.stdout
        assert "by ops.an" in again.stdout
        audit = await admin.fetch(
            "SELECT replayed_by, reason, event_id FROM operations.dead_letter_replays WHERE dossier_code = $1", code
        )
        assert [(r["replayed_by"], r["reason"]) for r in audit] == [("ops.an", "ledger constraint removed")] * len(
            letters
        )
        assert {r["event_id"] for r in audit} == {d["event_id"] for d in letters}
        # Each replay is journalled in the operators' own chain: the letter's place and event, no body.
        journalled = await admin.fetch(
            "SELECT actor, details::text AS details FROM operations.journal"
            " WHERE chain = 'service:operations' AND details->>'dossier_code' = $1",
            code,
        )
        assert {json.loads(r["details"])["event_id"] for r in journalled} == {d["event_id"] for d in letters}
        client = os.environ["LIENTHONG_OPERATOR_CLIENT_ID"]  # the CLI's OAuth client, not the --by name
        assert {r["actor"] for r in journalled} == {f"operator:{client}"}
        assert all(phone not in r["details"] and "citizen_id" not in r["details"] for r in journalled)
        listed = _json(lienthong(settings_env, "dlq", "list", "--dossier", code, "--json"))
        assert all(d["replayed_by"] == "ops.an" for d in listed)
        assert len(await ledger(http, stack.url("notification"), code, len(letters))) == len(letters)
    finally:
        await admin.execute(f"ALTER TABLE notification.deliveries DROP CONSTRAINT IF EXISTS {constraint}")
        await admin.close()


async def test_lag_and_outbox_report_each_group_and_service(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings, settings_env: dict[str, str]
) -> None:
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU))["code"]
    await ledger(http, stack.url("notification"), code, 2)

    async def no_lag() -> list[dict[str, Any]] | None:
        lags = _json(lienthong(settings_env, "lag", "--json"))
        groups = {x["group"] for x in lags}
        wanted = {
            f"{settings.topic_prefix}lienthong.routing.intake.dossiers.v1",
            f"{settings.topic_prefix}lienthong.department.routing.task-orders.v1",
        }
        return lags if wanted <= groups and all(x["lag"] == 0 for x in lags if x["group"] in wanted) else None

    lags = await eventually(no_lag, what="the groups of routing and department caught up")
    assert all(x["topic"].startswith(settings.topic_prefix) for x in lags)
    printed = lienthong(settings_env, "lag", "--partitions")
    assert printed.returncode == 0, printed.stderr
    assert f"{settings.topic_prefix}lienthong.notification.routing.dossier-status.v1" in printed.stdout

    async def drained() -> list[dict[str, Any]] | None:
        rows = _json(lienthong(settings_env, "outbox", "--json"))
        return rows if all(r["waiting"] == 0 for r in rows) else None

    rows = await eventually(drained, what="every outbox drained")
    assert [r["schema"] for r in rows] == ["intake", "routing", "department", "notification"]
    assert all(r["last_published_at"] for r in rows if r["schema"] in ("intake", "routing"))


async def test_dead_lettered_deliveries_are_listed_and_retried_once_through_notification_with_an_audit_record(
    http: httpx.AsyncClient,
    stack: ServiceStack,
    settings: CommonSettings,
    settings_env: dict[str, str],
    fresh_standins: StandinServers,
) -> None:
    fresh_standins.behave("sms", outage=True)
    applicant = {**APPLICANT, "phone": f"09{secrets.randbelow(10**8):08d}", "channels": ["sms"]}
    code = (await submit(http, stack.url("intake"), {**BIRTH_IN_QUYNH_LUU, "applicant": applicant}))["code"]

    async def dead() -> list[dict[str, Any]] | None:
        listed = _json(
            lienthong(settings_env, "deliveries", "list", "--dossier", code, "--state", "dead-lettered", "--json")
        )
        return listed if len(listed) >= 2 else None

    letters = await eventually(dead, timeout=40, what="both SMS of the dossier dead-lettered")
    assert {(d["channel"], d["attempts"]) for d in letters} == {("sms", 4)}
    assert all("503" in d["last_error"] for d in letters)
    fresh_standins.behave("sms", outage=False)

    ids = [str(d["id"]) for d in letters]
    blank = lienthong(settings_env, "deliveries", "retry", ids[0], "--reason", " ")
    assert blank.returncode == 1
    assert "reason" in blank.stderr, "the refusal names the field"
    retried = lienthong(settings_env, "deliveries", "retry", *ids, "--reason", "gateway back", "--by", "ops.an")
    assert retried.returncode == 0, retried.stderr
    assert "2 retried, 0 skipped" in retried.stdout

    async def delivered() -> list[dict[str, Any]] | None:
        found = (await http.get(f"{stack.url('notification')}/v1/dossiers/{code}/notifications")).json()
        return found if all(e["state"] == "delivered" for e in found) else None

    entries = await eventually(delivered, what="the retried SMS delivered")
    assert [e["attempts"] for e in entries] == [1, 1]
    assert len([r for r in fresh_standins.received("sms") if code in r["body"]["text"]]) == 2

    again = lienthong(settings_env, "deliveries", "retry", ids[0], "--reason", "double click", "--by", "ops.binh")
    assert again.returncode == 0, again.stderr
    assert "skipped: it is delivered, not dead-lettered" in again.stdout
    unknown = lienthong(settings_env, "deliveries", "retry", "999999999", "--reason", "typo")
    assert unknown.returncode == 1
    assert "no such delivery" in unknown.stdout
    admin = await asyncpg.connect(settings.database_url)
    try:
        audit = await admin.fetch(
            "SELECT delivery_id, retried_by, reason, error_before FROM notification.delivery_retries"
            " WHERE dossier_code = $1 ORDER BY id",
            code,
        )
    finally:
        await admin.close()
    assert [(str(a["delivery_id"]), a["retried_by"], a["reason"]) for a in audit] == [
        (i, "ops.an", "gateway back") for i in ids
    ]
    assert all("503" in a["error_before"] for a in audit)
