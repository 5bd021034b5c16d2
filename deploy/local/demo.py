"""``make demo``: file three dossiers, let clerks decide, print each dossier's journey.

Expects Kafka, PostgreSQL and the four services running (``make demo`` starts them).
"""

import os
import sys
import time
from datetime import datetime
from typing import Any

import httpx

HOST = os.environ.get("LIENTHONG_DEMO_HOST", "http://127.0.0.1")
INTAKE, DEPARTMENT, NOTIFICATION = (f"{HOST}:{port}" for port in (8001, 8003, 8004))

SAMPLES: list[dict[str, Any]] = [
    {
        "title": "Birth registration, Xã Quỳnh Lưu (Nghệ An), filed at the commune centre",
        "unit": "17179.VP",
        "decision": {"outcome": "approved", "clerk_id": "clerk.quynhluu.01"},
        "dossier": {
            "procedure_code": "1.001193",
            "applicant": {"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", "phone": "0912345678"},
            "receiving_agency": "000.01.15.H40",
            "commune_code": "17179",
        },
    },
    {
        "title": "First land registration, Phường Rạch Giá (An Giang), filed at the ward centre",
        "unit": "91.SNNMT",
        "decision": {"outcome": "approved", "clerk_id": "clerk.snnmt.91"},
        "dossier": {
            "procedure_code": "1.012766",
            "applicant": {"citizen_id": "091085004321", "full_name": "Trần Văn Minh", "email": "minh@example.vn"},
            "receiving_agency": "000.07.15.H91",
            "commune_code": "30742",
        },
    },
    {
        "title": "Construction permit, Xã Ia Ly (Gia Lai), filed at the provincial centre",
        "unit": "52.SXD",
        "decision": {"outcome": "refused", "reason": "Thiếu bản vẽ thiết kế", "clerk_id": "clerk.sxd.52"},
        "dossier": {
            "procedure_code": "1.009972",
            "applicant": {"citizen_id": "052190007788", "full_name": "Rơ Châm Hiếu", "phone": "0987654321"},
            "receiving_agency": "000.00.15.H52",
            "commune_code": "23734",
        },
    },
]


def wait_for(what: str, probe: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while (result := probe()) is None:
        if time.monotonic() > deadline:
            sys.exit(f"demo: gave up waiting for {what}")
        time.sleep(0.2)
    return result


def run(http: httpx.Client, sample: dict[str, Any]) -> None:
    print(f"\n== {sample['title']}")
    accepted = http.post(f"{INTAKE}/v1/dossiers", json=sample["dossier"])
    if accepted.status_code != 202:
        sys.exit(f"demo: intake refused the dossier: {accepted.status_code} {accepted.text}")
    code, due = accepted.json()["code"], accepted.json()["due_at"]
    print(f"   intake      received   {code}, due {datetime.fromisoformat(due):%d/%m/%Y %H:%M} (working days)")

    def open_task() -> dict[str, Any] | None:
        tasks = http.get(f"{DEPARTMENT}/v1/units/{sample['unit']}/tasks", params={"status": "open"}).json()
        return next((t for t in tasks if t["dossier_code"] == code), None)

    task = wait_for(f"the task of {code}", open_task)
    print(f"   department task in {sample['unit']} queue ({task['id']})")
    decided = http.post(f"{DEPARTMENT}/v1/tasks/{task['id']}/complete", json=sample["decision"])
    print(f"   department clerk {sample['decision']['clerk_id']} → {decided.json()['status']}")

    final = {"approved": "done", "refused": "denied"}[sample["decision"]["outcome"]]

    def dossier_final() -> dict[str, Any] | None:
        body: dict[str, Any] = http.get(f"{INTAKE}/v1/dossiers/{code}").json()
        return body if body["status"] == final else None

    dossier = wait_for(f"{code} to become {final}", dossier_final)
    start = datetime.fromisoformat(dossier["received_at"])
    print("   journey (as intake and the applicant see it):")
    for step in dossier["history"]:
        offset = (datetime.fromisoformat(step["at"]) - start).total_seconds() * 1000
        print(f"     +{offset:6.0f} ms  {step['status']:<11} at {step['unit'] or '-'}")

    def ledger() -> list[dict[str, Any]] | None:
        entries: list[dict[str, Any]] = http.get(f"{NOTIFICATION}/v1/dossiers/{code}/notifications").json()
        return entries if len(entries) >= len(dossier["history"]) else None

    print("   messages to the applicant:")
    for entry in wait_for(f"the ledger of {code}", ledger):
        print(f"     [{entry['status']:<10}] {entry['message']}")


def main() -> None:
    with httpx.Client(timeout=10) as http:
        for sample in SAMPLES:
            run(http, sample)
    print("\nThe services keep running: try GET /v1/dossiers/<code> on port 8001; stop everything with `make down`.")


if __name__ == "__main__":
    main()
