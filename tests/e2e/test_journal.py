"""The journal across the running stack: a dossier's journey chained in every service, verified by the CLI.

The tampering here is one row of intake's journal, changed as the table's owner would (the
append-only trigger disabled in the same transaction) and put back afterwards, so the other
tests of the session see a journal that holds.
"""

import json
from typing import Any

import asyncpg
import httpx
from stack import ServiceStack

from shared.kernel.settings import CommonSettings
from tests.e2e.test_operator_cli import lienthong, services_of_the_stack  # noqa: F401 (the fixture is used)
from tests.support.clerks import client_headers, operator_headers
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, submit
from tests.support.traces import traced_approved_birth

SERVICES = ("intake", "routing", "department", "notification")


async def _chain(http: httpx.AsyncClient, stack: ServiceStack, service: str, code: str) -> list[dict[str, Any]]:
    response = await http.get(f"{stack.url(service)}/v1/journal/{code}", headers=operator_headers())
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


async def test_the_receipt_carries_the_head_of_the_dossiers_chain(http: httpx.AsyncClient, stack: ServiceStack) -> None:
    receipt = await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU, **client_headers())

    [received] = (await _chain(http, stack, "intake", receipt["code"]))[:1]
    assert received["action"] == "dossier received"
    assert receipt["journal_head"] == received["hash"]
    assert BIRTH_IN_QUYNH_LUU["applicant"]["citizen_id"] not in json.dumps(received)


async def test_the_journal_is_for_operators_only_and_the_boards_roots_for_everyone(stack: ServiceStack) -> None:
    async with httpx.AsyncClient(timeout=10) as anonymous:  # the tests' own client carries a token
        for service in SERVICES:
            refused = await anonymous.get(f"{stack.url(service)}/v1/journal")
            assert refused.status_code == 401, (service, refused.text)
        roots = await anonymous.get(f"{stack.url('department')}/v1/board/journal-roots")
        page = await anonymous.get(f"{stack.url('department')}/v1/board/journal-roots.html")
    assert roots.status_code == 200, roots.text
    assert isinstance(roots.json(), list)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")


async def test_the_lookup_shows_the_head_and_a_withdrawal_with_the_secret_is_journalled_as_the_citizens(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    receipt = await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU, **client_headers())
    code, secret = receipt["code"], {"X-Lookup-Secret": receipt["lookup_secret"]}
    async with httpx.AsyncClient(timeout=10) as anonymous:
        looked = await anonymous.get(f"{stack.url('intake')}/v1/lookup/{code}", headers=secret)
        assert looked.status_code == 200, looked.text
        assert looked.json()["journal_head"] in {e["hash"] for e in await _chain(http, stack, "intake", code)}
        withdrawn = await anonymous.post(
            f"{stack.url('intake')}/v1/dossiers/{code}/withdrawal", json={"reason": "nộp nhầm"}, headers=secret
        )
        assert withdrawn.status_code == 202, withdrawn.text
        after = await anonymous.get(f"{stack.url('intake')}/v1/lookup/{code}", headers=secret)

    chain = await _chain(http, stack, "intake", code)
    [withdrawal] = [e for e in chain if e["action"] == "dossier withdrawn"]
    assert withdrawal["actor"] == "citizen"
    assert after.json()["journal_head"] in {e["hash"] for e in chain[withdrawal["position"] - 1 :]}


async def test_a_journey_verifies_in_every_service_and_a_changed_row_is_named(
    http: httpx.AsyncClient, stack: ServiceStack, settings_env: dict[str, str], settings: CommonSettings
) -> None:
    code = (await traced_approved_birth(http, stack))["code"]
    chains = {service: await _chain(http, stack, service, code) for service in SERVICES}
    assert all(chains.values()), {s: len(c) for s, c in chains.items()}
    assert "task approved" in [e["action"] for e in chains["department"]]

    verified = lienthong(settings_env, "audit", "verify", code, "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["holds"] is True
    everything = lienthong(settings_env, "audit", "verify", "--all")
    assert everything.returncode == 0, everything.stdout + everything.stderr

    position = chains["intake"][0]["position"]
    async with _Tampered(settings, code, position):
        broken = lienthong(settings_env, "audit", "verify", code)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"intake        BROKEN  chain {code} position {position}: content changed" in broken.stdout
    assert lienthong(settings_env, "audit", "verify", code).returncode == 0


class _Tampered:
    """Intake's journal entry ``position`` of ``code`` names another client while the block runs."""

    def __init__(self, settings: CommonSettings, code: str, position: int) -> None:
        self.settings, self.code, self.position = settings, code, position

    async def _set_actor(self, actor: str | None) -> str:
        connection = await asyncpg.connect(self.settings.database_url)
        try:
            async with connection.transaction():
                await connection.execute("ALTER TABLE intake.journal DISABLE TRIGGER journal_append_only")
                before: str = await connection.fetchval(
                    "SELECT actor FROM intake.journal WHERE chain = $1 AND position = $2", self.code, self.position
                )
                await connection.execute(
                    "UPDATE intake.journal SET actor = $3 WHERE chain = $1 AND position = $2",
                    self.code,
                    self.position,
                    actor or self.actor,
                )
                await connection.execute("ALTER TABLE intake.journal ENABLE TRIGGER journal_append_only")
            return before
        finally:
            await connection.close()

    async def __aenter__(self) -> None:
        self.actor = await self._set_actor("client:someone-else")

    async def __aexit__(self, *_: object) -> None:
        await self._set_actor(None)
