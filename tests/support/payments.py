"""Paying a dossier's fees or obligation through the payment platform's stand-in, for the end-to-end tests and demos.

    await pay_receipt_fees(http, intake, standins, code)   # the land dossier's fee paid: it is received
    await pay_obligation(http, intake, standins, code)     # the obligation a unit notified paid: it resumes

Each waits for intake to have created the payment at the platform (its ``pay_url`` on the dossier),
pays it as the citizen would, and waits for the platform's signed callback to be taken.
"""

from typing import Any

import httpx
from standins.process import StandinServers

from tests.support.waiting import eventually


async def payment(
    http: httpx.AsyncClient, intake: str, code: str, purpose: str, status: str = "pending", *, timeout: float = 30.0
) -> dict[str, Any]:
    """The dossier's last payment for ``purpose`` (``receipt-fees``, ``obligation``) once it is in ``status``."""

    async def found() -> dict[str, Any] | None:
        response = await http.get(f"{intake}/v1/dossiers/{code}")
        assert response.status_code == 200, response.text
        mine = [p for p in response.json()["payments"] if p["purpose"] == purpose]
        return mine[-1] if mine and mine[-1]["status"] == status else None

    return await eventually(found, timeout=timeout, what=f"a {status} {purpose} payment of {code}")


def platform_id(pay_url: str) -> str:
    """The platform's id of a payment, from its ``pay_url`` (``…/pay/<id>``)."""
    return pay_url.rstrip("/").rsplit("/", 1)[-1]


async def pay(http: httpx.AsyncClient, standins: StandinServers, pending: dict[str, Any]) -> dict[str, Any]:
    """Pay a pending payment (as the dossier shows it) at the platform's stand-in, as the citizen does."""
    paid = await http.post(f"{standins.url('payment')}/control/payments/{platform_id(pending['pay_url'])}/pay")
    assert paid.status_code == 200, paid.text
    body: dict[str, Any] = paid.json()
    return body


async def pay_and_wait(
    http: httpx.AsyncClient, intake: str, standins: StandinServers, code: str, purpose: str
) -> dict[str, Any]:
    """Pay the dossier's pending ``purpose`` payment; the payment as the dossier shows it once paid."""
    await pay(http, standins, await payment(http, intake, code, purpose))
    return await payment(http, intake, code, purpose, "paid")


async def pay_receipt_fees(http: httpx.AsyncClient, intake: str, standins: StandinServers, code: str) -> dict[str, Any]:
    """Pay the receipt fees of a ``new`` dossier; the paid payment (the dossier is received once nothing else is
    missing)."""
    return await pay_and_wait(http, intake, standins, code, "receipt-fees")


async def pay_obligation(http: httpx.AsyncClient, intake: str, standins: StandinServers, code: str) -> dict[str, Any]:
    """Pay the financial obligation of a ``paying`` dossier; the paid payment (routing then resumes the task)."""
    return await pay_and_wait(http, intake, standins, code, "obligation")
