"""``make demo``'s one-stop journey: the papers handed in, the fees and a financial obligation paid, the signed result
returned and checked by the validator, and the national portal's status codes in order.

Each sample of ``demo.py`` files its dossier with a one-page PDF per paper its procedure requires (rendered here in
Vietnamese, the same bytes on every run: the same document), pays what intake asks at the payment platform's stand-in
as the citizen would (its control route stands for the bank app), and has its result returned the way it chose: handed
over at the counter by the centre's receiver, delivered by the postal stand-in, or downloaded with the receipt's
secret. The result is then checked with ``lienthong documents verify``, and a copy with one character of the dossier
code changed, to show that it no longer verifies.
"""

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import httpx
from sample_papers import file_name, paper, required_papers
from standins.process import StandinServers

RESULTS_DIR = Path(os.environ.get("LIENTHONG_LOCAL_DIR", ".local")) / "demo"
"""Where the demo keeps the signed results it received, to check them as anyone holding the file would."""


class Demo(Protocol):
    """What this module uses of ``demo.Demo``."""

    http: httpx.Client
    receipts: dict[str, dict[str, Any]]

    def portal(self) -> dict[str, str]: ...
    def user(self, username: str) -> dict[str, str]: ...
    def dossier(self, code: str, status: str | None = None) -> dict[str, Any]: ...


def wait_for(what: str, probe: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while (result := probe()) is None:
        if time.monotonic() > deadline:
            sys.exit(f"demo: gave up waiting for {what}")
        time.sleep(0.2)
    return result


def upload(http: httpx.Client, url: str, name: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    answer = http.post(url, params={"name": name}, content=body, headers=headers)
    if answer.status_code not in (200, 201):
        sys.exit(f"demo: intake refused the upload of {name}: {answer.status_code} {answer.text}")
    document: dict[str, Any] = answer.json()
    return document


def with_papers(http: httpx.Client, intake: str, dossier: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """``dossier`` with a PDF uploaded (``POST /v1/documents``) for each paper its procedure and components require."""
    documents = []
    for document, name, body in required_papers(dossier):
        uploaded = upload(http, f"{intake}/v1/documents", name, body, headers)
        documents.append({"document_id": uploaded["document_id"], "catalogue_key": document.key})
    return {**dossier, "documents": documents}


def supplement(demo: Demo, intake: str, code: str, names: list[str]) -> list[str]:
    """Upload a PDF for the dossier per paper a unit asked for; their document ids, to hand in as supplements."""
    url, whose = f"{intake}/v1/dossiers/{code}/documents", f"Hồ sơ / Dossier {code}"
    return [upload(demo.http, url, file_name(name), paper(name, whose), demo.portal())["document_id"] for name in names]


def pay(demo: Demo, intake: str, standins: StandinServers, code: str, purpose: str) -> dict[str, Any]:
    """Pay the dossier's pending ``purpose`` payment at the platform's stand-in; the payment once intake took it."""

    def pending() -> dict[str, Any] | None:
        mine = [p for p in demo.dossier(code)["payments"] if p["purpose"] == purpose]
        return mine[-1] if mine and mine[-1]["status"] == "pending" else None

    due = wait_for(f"the {purpose} payment of {code} at the payment platform", pending)
    print(f"   applicant  pays {_vnd(due['amount_vnd'])} ({due['description']}) at {due['pay_url']}")
    platform_id = due["pay_url"].rstrip("/").rsplit("/", 1)[-1]
    paid = demo.http.post(f"{standins.url('payment')}/control/payments/{platform_id}/pay")
    if paid.status_code != 200:
        sys.exit(f"demo: the payment platform did not take the payment: {paid.status_code} {paid.text}")

    def taken() -> dict[str, Any] | None:
        mine = [p for p in demo.dossier(code)["payments"] if p["payment_id"] == due["payment_id"]]
        return mine[0] if mine and mine[0]["status"] == "paid" else None

    done: dict[str, Any] = wait_for(f"intake to take the platform's signed callback for {code}", taken)
    print(f"   intake     the platform's signed callback taken: paid, e-receipt {done['receipt_document_id']} kept")
    return done


def return_result(demo: Demo, intake: str, standins: StandinServers, code: str) -> dict[str, Any]:
    """Return the issued result the way the applicant chose; the signed PDF (downloaded with the receipt's secret)."""
    ready = demo.dossier(code, "releasing")
    result, secret = ready["result"], demo.receipts[code]["lookup_secret"]
    how = result["delivery"]
    print(f"   {result['issued_by']:<10} issued {result['name']} (signed); releasing, to be returned by {how}")
    pdf = b""
    if result["delivery"] == "online":
        pdf = _download(demo.http, intake, code, secret)
        print(f"   applicant  downloads it with the receipt's secret (GET /v1/lookup/{code}/result): returned")
    elif result["delivery"] == "post":
        shipment = wait_for(f"the result of {code} handed to the postal service", lambda: _shipped(demo, code))
        delivered = demo.http.post(f"{standins.url('postal')}/control/shipments/{shipment['tracking_id']}/deliver")
        if delivered.status_code != 200:
            sys.exit(f"demo: the postal stand-in did not deliver: {delivered.status_code} {delivered.text}")
        print(f"   post       shipment {shipment['tracking_id']} delivered; the postal service's signed callback")
    else:
        receiver = f"receiver.{ready['receiving_agency'].rsplit('.', 1)[-1].lower()}"
        handed = demo.http.post(f"{intake}/v1/dossiers/{code}/result-handover", headers=demo.user(receiver))
        if handed.status_code != 200:
            sys.exit(f"demo: the hand-over was refused: {handed.status_code} {handed.text}")
        print(f"   {ready['receiving_agency']} receiver {receiver} hands it over at the counter")
    done = demo.dossier(code, "done")
    returned = done["result"]["returned"]
    print(f"   intake     done: returned {returned['way']} at {returned['at']}")
    return {"result": done["result"], "pdf": pdf or _download(demo.http, intake, code, secret)}


def _shipped(demo: Demo, code: str) -> dict[str, Any] | None:
    shipment: dict[str, Any] | None = demo.dossier(code)["result"]["shipment"]
    return shipment if shipment and shipment["status"] == "shipped" else None


def _download(http: httpx.Client, intake: str, code: str, secret: str) -> bytes:
    answer = http.get(f"{intake}/v1/lookup/{code}/result", headers={"X-Lookup-Secret": secret})
    if answer.status_code != 200:
        sys.exit(f"demo: the result of {code} could not be downloaded: {answer.status_code} {answer.text}")
    return answer.content


def print_papers(view: dict[str, Any]) -> None:
    """The documents of the dossier (papers, receipts, the result): name, type, size, SHA-256; never a body."""
    print(
        f"   documents of {view['code']} (GET /v1/dossiers/{view['code']}: by reference, bodies in the object store):"
    )
    for document in view["documents"]:
        print(
            f"     {document['role']:<15} {document['media_type']:<15} {document['size']:>7} B"
            f"  sha256 {document['sha256'][:16]}…  {document['name']}"
        )


def print_payments(view: dict[str, Any]) -> None:
    for payment in view["payments"]:
        print(
            f"   paid       {payment['purpose']:<12} {_vnd(payment['amount_vnd']):>13}  {payment['status']}"
            f" {payment['paid_at'] or '-'}  {payment['description']}"
        )


def verify_result(code: str, returned: dict[str, Any]) -> None:
    """The signed result checked by ``lienthong documents verify`` as anyone holding the file can, then a copy with
    one character of the dossier code changed."""
    pdf, result = returned["pdf"], returned["result"]
    if hashlib.sha256(pdf).hexdigest() != result["sha256"]:
        sys.exit(f"demo: the downloaded result of {code} is not the one issued")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    signed = RESULTS_DIR / f"{code}.pdf"
    signed.write_bytes(pdf)
    at = pdf.index(code.encode())
    changed = code[:-1] + ("1" if code[-1] != "1" else "2")
    tampered = RESULTS_DIR / f"{code}-tampered.pdf"
    tampered.write_bytes(pdf[:at] + changed.encode() + pdf[at + len(code) :])
    print(f"   lienthong documents verify {signed}")
    if _verify(signed) != 0:
        sys.exit(f"demo: the signed result of {code} does not verify")
    print(f"   lienthong documents verify {tampered.name}  (one character of the code changed)")
    if _verify(tampered) == 0:
        sys.exit(f"demo: a changed copy of {code}'s result verified")


def _verify(file: Path) -> int:
    checked = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "operations", "documents", "verify", str(file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    print("\n".join(f"     {line}" for line in (checked.stdout + checked.stderr).strip().splitlines()))
    return checked.returncode


def _vnd(amount: int) -> str:
    return f"{amount:,} VND".replace(",", ".")
