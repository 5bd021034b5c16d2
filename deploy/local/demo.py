"""``make demo``: file sample dossiers, let clerks act on each unit's share, print every journey.

Expects Kafka, PostgreSQL, the object store, the stand-ins and the four services running
(``make demo`` starts them). Each sample (``demo_samples.py``) is a script of what clerks and
the applicant do, in order: filed with its papers, its fees paid, the units' work, the signed
result returned as the applicant chose (``demo_onestop.py``). After each dossier the demo prints
the result as the validator checks it, its documents and payments, its plan (stages, units, the
rule that chose each unit, due dates), its history, the messages the applicant received and the
national portal's status codes in order.

Every call carries a token from the stand-in identity provider (deploy/local/standins,
``identities.yaml``): the national portal's client files and reads dossiers, each unit's
clerk signs in with a password, the operator's client reads the deliveries. At the end the
journal part (``demo_journal.py``): a citizen's lookup with a receipt's secret, ``lienthong
audit verify --all`` passing, then failing on a tampered scratch copy of the database.
"""

import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import demo_escalation
import demo_identity
import demo_journal
import demo_onestop
import demo_reprojection
import httpx
from demo_onestop import wait_for
from demo_samples import SAMPLES, Step
from standins.identities import Identities, load_identities
from standins.process import StandinServers
from trace_links import print_trace_links

from operations.tokens import OperatorCredentials
from services import registry

HOST = os.environ.get("LIENTHONG_DEMO_HOST", "http://127.0.0.1")
INTAKE, ROUTING, DEPARTMENT, NOTIFICATION = (
    f"{HOST}:{service.port}"
    for service in (registry.INTAKE, registry.ROUTING, registry.DEPARTMENT, registry.NOTIFICATION)
)
# Who the demo acts as: clients of the stand-in identity provider, and one clerk per unit.
PORTAL_CLIENT, OPERATOR_CLIENT = "national-portal", "operator"
OFFICE_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
INBOXES = ("17179.KT", "40.SNNMT")
# The stand-ins `make demo` starts with deploy/local/standins.sh, on their default ports.
STANDINS = StandinServers(Path(os.environ.get("LIENTHONG_LOCAL_DIR", ".local")) / "standins")
BOARD_UNITS = ("17179.VP", "17179.KT", "40.SNNMT", "30742.KT")


def _provider_copy(entry: dict[str, Any], received: dict[str, list[dict[str, Any]]]) -> str:
    """The text the stand-in provider recorded for ``entry`` (what reached the phone, mailbox or Zalo)."""
    key = f"{entry['event_id']}.{entry['channel']}"
    if entry["channel"] == "sms":
        found = [r["body"]["text"] for r in received["sms"] if r["body"]["request_id"] == key]
    elif entry["channel"] == "zalo":
        found = [r["body"]["message"]["text"] for r in received["zalo"] if r["body"].get("tracking_id") == key]
    else:
        found = [
            f"{r['body']['subject']} | {r['body']['text']}" for r in received["mail"] if key in r["body"]["message_id"]
        ]
    text = found[0] if found else "(the provider recorded nothing)"
    return " ".join(text.split())


def _when(value: str | None) -> str:
    """An instant from the API, in the offices' time."""
    return f"{datetime.fromisoformat(value).astimezone(OFFICE_ZONE):%a %d/%m/%Y %H:%M}" if value else "-"


class Tokens:
    """Bearer tokens fetched from the stand-in identity provider, each kept until a minute before it expires."""

    def __init__(self, http: httpx.Client, identities: Identities) -> None:
        self.http = http
        self.identities = identities
        self._kept: dict[str, tuple[str, float]] = {}

    def client(self, client_id: str) -> dict[str, str]:
        """``Authorization`` for the client ``client_id`` (client credentials)."""
        secret = next(c.secret for c in self.identities.clients if c.client_id == client_id)
        return self._bearer(
            client_id, {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        )

    def clerk(self, unit: str) -> dict[str, str]:
        """``Authorization`` for the clerk of ``unit`` in ``identities.yaml`` (password grant)."""
        return self.user(f"clerk.{unit.lower()}")

    def user(self, username: str) -> dict[str, str]:
        """``Authorization`` for the staff member ``username`` of ``identities.yaml`` (password grant)."""
        clerk = next(c for c in self.identities.clerks if c.username == username)
        return self._bearer(
            clerk.username, {"grant_type": "password", "username": clerk.username, "password": clerk.password}
        )

    def _bearer(self, who: str, form: dict[str, str]) -> dict[str, str]:
        token, renew_at = self._kept.get(who, ("", 0.0))
        if time.monotonic() >= renew_at:
            answer = self.http.post(STANDINS.token_url(), data=form)
            if answer.status_code != 200:
                sys.exit(f"demo: the identity provider refused {who}: {answer.status_code} {answer.text}")
            token = answer.json()["access_token"]
            self._kept[who] = (token, time.monotonic() + answer.json()["expires_in"] - 60)
        return {"Authorization": f"Bearer {token}"}


class Demo:
    def __init__(self, http: httpx.Client, tokens: Tokens) -> None:
        self.http = http
        self.tokens = tokens
        self.receipts: dict[str, dict[str, Any]] = {}
        """Each dossier's receipt (its lookup secret is shown once)."""

    def clerk(self, unit: str) -> dict[str, str]:
        """A bearer token for the clerk of ``unit``."""
        return self.tokens.clerk(unit)

    def user(self, username: str) -> dict[str, str]:
        """A bearer token for the staff member ``username`` (e.g. a centre's receiver)."""
        return self.tokens.user(username)

    def portal(self) -> dict[str, str]:
        """A bearer token for the national portal's client: files, reads and hands in supplements."""
        return self.tokens.client(PORTAL_CLIENT)

    def operator(self) -> dict[str, str]:
        return self.tokens.client(OPERATOR_CLIENT)

    def task(self, unit: str, code: str, status: str = "open") -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            params = {"status": status, "dossier": code}
            answer = self.http.get(f"{DEPARTMENT}/v1/units/{unit}/tasks", params=params, headers=self.clerk(unit))
            if answer.status_code != 200:
                sys.exit(f"demo: the inbox of {unit} answered {answer.status_code} {answer.text}")
            return next(iter(answer.json()["items"]), None)

        found: dict[str, Any] = wait_for(f"a {status} task of {code} in {unit}", probe)
        return found

    def dossier(self, code: str, status: str | None = None) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            body: dict[str, Any] = self.http.get(f"{INTAKE}/v1/dossiers/{code}", headers=self.portal()).json()
            return body if status is None or body["status"] == status else None

        found: dict[str, Any] = wait_for(f"{code} to become {status}", probe)
        return found

    def decided(self, code: str) -> dict[str, Any]:
        """The dossier once its result is issued (releasing), or it is refused or cancelled."""

        def probe() -> dict[str, Any] | None:
            body: dict[str, Any] = self.http.get(f"{INTAKE}/v1/dossiers/{code}", headers=self.portal()).json()
            return body if body["status"] in ("releasing", "done", "denied", "cancelled") else None

        found: dict[str, Any] = wait_for(f"{code} to be decided", probe)
        return found

    def act(self, task: dict[str, Any], action: str, body: dict[str, Any] | None = None) -> None:
        headers = {**self.clerk(task["unit_code"]), "If-Match": f'"{task["version"]}"'}
        answer = self.http.post(f"{DEPARTMENT}/v1/tasks/{task['id']}/{action}", json=body, headers=headers)
        if answer.status_code != 200:
            sys.exit(f"demo: {action} on task {task['id']} failed: {answer.status_code} {answer.text}")
        print(f"   {task['unit_code']:<10} {action:<19} {task['task_key']:<24} → task {answer.json()['status']}")

    def step(self, code: str, step: Step) -> None:
        kind, *rest = step
        if kind == "approve":
            tasks = [self.task(unit, code) for unit in rest]  # all open together: a parallel stage
            for task in tasks:
                self.act(task, "approve")
        elif kind == "supplement-request":
            self.act(self.task(rest[0], code), "supplement-request", {"missing": rest[1:]})
            waiting = self.dossier(code, "waiting")
            print(f"   applicant  told to hand in: {', '.join(waiting['missing'])} (clock stopped)")
        elif kind == "supplement":
            documents = demo_onestop.supplement(self, INTAKE, code, list(rest))
            answer = self.http.post(
                f"{INTAKE}/v1/dossiers/{code}/supplements", json={"documents": documents}, headers=self.portal()
            )
            if answer.status_code != 202:
                sys.exit(f"demo: supplement refused: {answer.status_code} {answer.text}")
            self.task("17179.KT", code)
            print(f"   applicant  handed in {', '.join(rest)} (uploaded PDFs) at intake; the same task resumes")
        elif kind == "return":
            self.act(self.task(rest[0], code), "return", {"reason": rest[1]})
        elif kind == "obligation":
            notice = {"amount_vnd": int(rest[1]), "description": rest[2]}
            self.act(self.task(rest[0], code), "financial-obligation", notice)
            paying = self.dossier(code, "paying")
            print(f"   intake     {code} is paying (portal code {paying['portal_status_code']}); the clock waits")
            demo_onestop.pay(self, INTAKE, STANDINS, code, "obligation")
            self.task(rest[0], code)
            print(f"   {rest[0]:<10} the same task resumes with the e-receipt among its documents")

    def print_plan(self, code: str) -> None:
        plan = self.http.get(f"{ROUTING}/v1/dossiers/{code}/plan", headers=self.portal()).json()
        print(
            f"   plan (catalogue {plan['catalogue_version']}, rules {plan['rules_version']}),"
            f" dossier due {_when(plan['due_at'])}:"
        )
        for stage in plan["stages"]:
            print(f"     stage {stage['index'] + 1} [{stage['state']}]")
            for task in stage["tasks"]:
                unit = task["routing"]
                print(
                    f"       {task['key']:<24} {unit['unit_code']:<10} {task['state']:<9}"
                    f" due {_when(task['due_at'])}  {unit['unit_name'] or ''}"
                )
                print(f"         why: {unit['explanation']}")
        for entry in plan["audit"]:
            if entry["action"] != "routed":
                print(f"     audit: {entry['action']}: {entry['detail']}")

    def file(self, dossier: dict[str, Any]) -> str:
        """File ``dossier`` with its papers and pay its receipt fees, if any; its code once received."""
        with_papers = demo_onestop.with_papers(self.http, INTAKE, dossier, self.portal())
        accepted = self.http.post(f"{INTAKE}/v1/dossiers", json=with_papers, headers=self.portal())
        if accepted.status_code != 202:
            sys.exit(f"demo: intake refused the dossier: {accepted.status_code} {accepted.text}")
        code = str(accepted.json()["code"])
        self.receipts[code] = accepted.json()
        if accepted.json()["status"] == "new":
            print(f"   intake     filed {code} new (portal code 1): missing {'; '.join(accepted.json()['missing'])}")
            demo_onestop.pay(self, INTAKE, STANDINS, code, "receipt-fees")
        due_at = wait_for(f"{code} to be received", lambda: self.dossier(code)["due_at"])
        print(f"   intake     received {code}, due {_when(due_at)} (working days)")
        demo_journal.print_receipt(accepted.json())
        return code

    def run(self, sample: dict[str, Any]) -> str:
        print(f"\n== {sample['title']}")
        code = self.file(sample["dossier"])
        identity = self.dossier(code)["identity"]
        detail = f" ({identity['detail']})" if identity["detail"] else ""
        print(f"   intake     identity {identity['status']} against the population database{detail}")
        for step in sample["steps"]:
            self.step(code, step)
        if self.decided(code)["status"] == "releasing":
            demo_onestop.verify_result(code, demo_onestop.return_result(self, INTAKE, STANDINS, code))
        final = self.dossier(code)
        demo_onestop.print_papers(final)
        demo_onestop.print_payments(final)
        self.print_plan(code)
        start = datetime.fromisoformat(final["received_at"])
        print("   journey (as intake and the applicant see it):")
        for entry in final["history"]:
            offset = (datetime.fromisoformat(entry["at"]) - start).total_seconds() * 1000
            print(f"     +{offset:6.0f} ms  {entry['status']:<11} at {entry['unit'] or '-'}")

        self.print_messages(code, final["status"])
        self.print_portal(code, final["status"])
        return code

    def _finished_deliveries(self, path: str, final_status: str) -> list[dict[str, Any]]:
        def probe() -> list[dict[str, Any]] | None:
            entries: list[dict[str, Any]] = self.http.get(f"{NOTIFICATION}{path}", headers=self.operator()).json()
            told_final = any(e["status"] == final_status for e in entries)
            sent = all(e["state"] in ("delivered", "dead-lettered") for e in entries)
            return entries if told_final and sent else None

        found: list[dict[str, Any]] = wait_for(f"the deliveries of {path}", probe)
        return found

    def print_messages(self, code: str, final_status: str) -> None:
        entries = self._finished_deliveries(f"/v1/dossiers/{code}/notifications", final_status)
        print(f"   messages to the applicant (GET /v1/dossiers/{code}/notifications), as the providers received them:")
        received = {name: STANDINS.received(name) for name in ("sms", "mail", "zalo")}
        for entry in entries:
            tries = f"{entry['attempts']} attempt{'s' if entry['attempts'] != 1 else ''}"
            print(
                f"     [{entry['status']:<10}] {entry['channel']:<5} to {entry['recipient']}: {entry['state']}, {tries}"
            )
            print(f"       {_provider_copy(entry, received)}")

    def print_portal(self, code: str, final_status: str) -> None:
        syncs = self._finished_deliveries(f"/v1/dossiers/{code}/portal-syncs", final_status)
        shown = self.http.get(f"{STANDINS.url('portal')}/api/v1/dossiers/{code}/statuses").json()
        codes = [record["status_code"] for record in shown]
        in_order = [c for i, c in enumerate(codes) if i == 0 or codes[i - 1] != c]
        print(f"   national portal: status codes in order {' → '.join(map(str, in_order))}; its stand-in's records:")
        for sync, record in zip(syncs, shown, strict=False):
            print(
                f"     status {record['status_code']:>2} {record['status']:<10}"
                f" unit {record['handling_unit'] or '-':<10}"
                f" due {_when(record['due_date'])}  result {_when(record['result_date'])}"
                f"  ({sync['state']}, {sync['attempts']} attempt{'s' if sync['attempts'] != 1 else ''})"
            )

    def print_board(self, unit: str) -> None:
        board = self.http.get(f"{DEPARTMENT}/v1/units/{unit}/stats").json()
        total, period = board["total"], board["period"]
        rate = "-" if total["on_time_rate"] is None else f"{total['on_time_rate']:.0%}"
        returned = board["results_returned"]
        print(
            f"   {unit:<10} {period['from']}..{period['to']}: tasks {total['completed']} completed,"
            f" {total['early']} early, {total['on_time']} on time, {total['late']} late, on-time rate {rate};"
            f" results it issued returned {returned['returned']}, {returned['on_time']} by the appointment"
        )

    def print_inbox(self, unit: str) -> None:
        answer = self.http.get(f"{DEPARTMENT}/v1/units/{unit}/tasks", params={"limit": 10}, headers=self.clerk(unit))
        page = answer.json()
        print(f"\n== Inbox of {unit} (soonest due first, first {len(page['items'])}; GET /v1/units/{unit}/tasks)")
        for task in page["items"]:
            print(
                f"   {task['dossier_code']:<28} {task['task_key'] or '-':<24} {task['status']:<9}"
                f" due {_when(task['due_at'])}  by {task['completed_by'] or '-'}"
            )


def operator_cli_env(identities: Identities) -> dict[str, str]:
    """What the operator CLI needs to fetch its token by client credentials, as a deployment would set it."""
    secret = next(c.secret for c in identities.clients if c.client_id == OPERATOR_CLIENT)
    return {
        "LIENTHONG_TOKEN_URL": STANDINS.token_url(),
        "LIENTHONG_OPERATOR_CLIENT_ID": OPERATOR_CLIENT,
        "LIENTHONG_OPERATOR_CLIENT_SECRET": secret,
    }


def main() -> None:
    with httpx.Client(timeout=10) as http:
        demo = Demo(http, Tokens(http, load_identities()))
        print(f"The demo acts as client {PORTAL_CLIENT} of {STANDINS.issuer('lienthong')} to file and read dossiers,")
        print(
            f"as each unit's clerk (clerk.<unit>) to act on tasks, and as client {OPERATOR_CLIENT} to read deliveries."
        )
        codes = [demo.run(sample) for sample in SAMPLES]
        codes.append(demo_identity.show_identity_gate(demo, INTAKE, DEPARTMENT, STANDINS.token_url()))
        demo_escalation.show_escalation(http, demo.tokens.identities, DEPARTMENT, STANDINS.token_url())
        demo_reprojection.show_closure(
            http, demo.portal, {"intake": INTAKE, "routing": ROUTING}, operator_cli_env(demo.tokens.identities)
        )
        for unit in INBOXES:
            demo.print_inbox(unit)
        print(f"\n== Public board (GET /v1/units/<unit>/stats; HTML at {DEPARTMENT}/v1/units/<unit>/stats.html)")
        for unit in BOARD_UNITS:
            demo.print_board(unit)
        demo_journal.print_lookup(http, INTAKE, codes[0], demo.receipts[codes[0]]["lookup_secret"])
        cli_env = operator_cli_env(demo.tokens.identities)
        print("\n== lienthong audit verify --all (every journal of the running services and the operators')")
        if demo_journal.audit_verify(cli_env).returncode != 0:
            sys.exit("demo: the journals do not hold")
        if not demo_journal.tampered_copy_fails(cli_env, codes[0]):
            sys.exit("demo: the tampered copy was not found out")
    print_trace_links(codes, intake_url=INTAKE, credentials=OperatorCredentials.from_environ(cli_env))
    print(f"\nThe services keep running: try GET {INTAKE}/v1/dossiers/<code> or {ROUTING}/v1/dossiers/<code>/plan;")
    print("stop everything with `make down`.")


if __name__ == "__main__":
    main()
