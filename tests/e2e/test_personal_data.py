"""No applicant's ID, name, phone or e-mail in a dead letter's headers, nor in what the operator CLI prints."""

import json
import secrets

import asyncpg
import httpx
from stack import ServiceStack

from shared.contracts import DossierStatusChanged, dead_letter_topic, topic_of
from shared.kernel.settings import CommonSettings
from tests.e2e.test_operator_cli import lienthong, services_of_the_stack  # noqa: F401 (the CLI's environment)
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, open_task, submit
from tests.support.kafka import read_topic
from tests.support.personal_data import leaks, personal_values
from tests.support.waiting import eventually


async def test_a_poisoned_status_change_carrying_an_applicant_leaves_it_out_of_headers_and_cli_output(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings, settings_env: dict[str, str]
) -> None:
    phone = f"09{secrets.randbelow(10**8):08d}"
    applicant = {**BIRTH_IN_QUYNH_LUU["applicant"], "phone": phone, "email": f"lan.{secrets.token_hex(3)}@example.vn"}
    status_dlq = dead_letter_topic(topic_of(DossierStatusChanged, settings.topic_prefix))
    admin = await asyncpg.connect(settings.database_url)
    constraint = f"refuse_{secrets.token_hex(4)}"
    try:
        # Notification's write for this applicant fails, with PostgreSQL's error naming the failing row.
        await admin.execute(
            f"ALTER TABLE notification.deliveries ADD CONSTRAINT {constraint} CHECK (recipient <> '{phone}') NOT VALID"
        )
        code = (await submit(http, stack.url("intake"), {**BIRTH_IN_QUYNH_LUU, "applicant": applicant}))["code"]
        await open_task(http, stack.url("department"), "17179.VP", code)

        async def dead_letters() -> list[dict[str, str]] | None:
            records = await read_topic(settings, status_dlq, at_least=1, timeout=5)
            ours = [r.headers for r in records if r.headers.get("ce_subject") == code]
            return ours if len(ours) >= 2 else None

        headers = await eventually(dead_letters, timeout=60, what="both status changes of the dossier dead-lettered")
        assert any(
            personal_values(applicant)[0] in r.value.decode()
            for r in await read_topic(settings, status_dlq, at_least=1)
        ), "the body carries the applicant: the scan has something to miss"
        listed = lienthong(settings_env, "dlq", "list", "--dossier", code, "--json")
        assert listed.returncode == 0, listed.stderr
        shown = lienthong(settings_env, "dlq", "show", json.loads(listed.stdout)[0]["id"])
        timeline = lienthong(settings_env, "timeline", code)
        deliveries = lienthong(settings_env, "deliveries", "list", "--dossier", code, "--json")
        places = {
            "dead-letter headers": json.dumps(headers, ensure_ascii=False),
            "lienthong dlq list": listed.stdout + listed.stderr,
            "lienthong dlq show": shown.stdout + shown.stderr,
            "lienthong timeline": timeline.stdout + timeline.stderr,
            "lienthong deliveries list": deliveries.stdout + deliveries.stderr,
        }
        assert code in places["lienthong timeline"], "the CLI showed the dossier: its output proves something"
        assert not leaks(places, applicant)
    finally:
        await admin.execute(f"ALTER TABLE notification.deliveries DROP CONSTRAINT IF EXISTS {constraint}")
        await admin.close()
