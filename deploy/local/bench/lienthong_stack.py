"""lienthong as a benchmark sees it: the four services as processes, fed over HTTP, watched through their APIs.

Starts the stand-ins and the services (``deploy/local/stack.py``'s ServiceStack) on free ports, with a
database and a topic prefix of their own (dropped and deleted by ``close``). Each dossier is filed with the
papers its procedure requires, uploaded once for the run; none has a receipt fee, which would hold it new
until paid. A dossier arrives when its first task is in its unit's inbox: the department's change feed
(``GET /v1/units/{unit}/events``, a clerk's token from a local issuer the department trusts) announces each
task as its transaction commits, and the moment the announcement reaches the benchmark is the arrival. Its
applicant's notifications are planned when ``GET /v1/dossiers/{code}/notifications`` lists as many as the
warm-up's dossier of the same sample had; their ``created_at`` is when.

A service may run in several instances (``instances``, and ``scale`` between phases, which restarts the
scaled service's instances so that each takes its share of the partitions, as ``stack.py --instances`` does):
the dossiers are POSTed to intake's instances in turn; the change feed and the notifications are read from
the first instance of the department and of notification, which see every instance's commits (PostgreSQL).
"""

import asyncio
import contextlib
import itertools
import json
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import kafka_acls
from bare_pipeline import delete_topics, execute
from kafka_principals import ADMIN, credentials_file, load, local_dir, services_env
from objectstore_keys import for_keepers, object_store_env
from sample_papers import required_papers
from signing_ca import signing_ca_env
from stack import DEFAULT_PORTS, ServiceStack
from stack_instances import instance_keys, service_of
from standins.ports import DEFAULT_PORTS as STANDIN_PORTS
from standins.ports import free_port
from standins.process import StandinServers

from shared.kernel.auth.local_issuer import LocalIssuer
from shared.kernel.settings import CommonSettings

# Three receiving centres' kinds of dossier: a birth and a household business registration at Quỳnh Lưu (Nghệ An),
# a household business registration at Rạch Giá (An Giang): procedures without a fee at receipt, so each is received
# at once (a land registration would wait new for its 100.000 VND fee), handled first by the commune's office or
# economic section.
SAMPLES: list[dict[str, Any]] = [
    {
        "procedure_code": "1.001193",
        "applicant": {"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", "date_of_birth": "2001-05-14"}
        | {"phone": "0912345678"},
        "receiving_agency": "000.01.15.H40",
        "commune_code": "17179",
    },
    {
        "procedure_code": "1.001612",
        "applicant": {"citizen_id": "091085004321", "full_name": "Trần Văn Minh", "date_of_birth": "1985-03-02"}
        | {"email": "minh@example.vn"},
        "receiving_agency": "000.07.15.H91",
        "commune_code": "30742",
    },
    {
        "procedure_code": "1.001612",
        "applicant": {"citizen_id": "040079001234", "full_name": "Nguyễn Văn Bình", "date_of_birth": "1979-11-20"}
        | {"phone": "0987654321"},
        "receiving_agency": "000.01.15.H40",
        "commune_code": "17179",
    },
]
ROLES = ["receiver", "handler", "approver", "supervisor"]
BENCH_TOKEN_LIFETIME = timedelta(hours=6)
"""A run's tokens outlive it; the services under the benchmark allow such a lifetime."""


class Lienthong:
    """``start()``, ``warm_up()``, ``submit(submission)``, read ``arrived``, ``planned(codes)``, ``close()``;
    ``scale(counts)`` between phases, ``database_sizes()`` before ``close()``."""

    def __init__(self, settings: CommonSettings, instances: Mapping[str, int] | None = None) -> None:
        tag = uuid.uuid4().hex[:8]
        self.base = settings
        self.database = f"lienthong_bench_{tag}"
        self.settings = settings.model_copy(
            update={
                "database_url": settings.database_url.rsplit("/", 1)[0] + f"/{self.database}",
                "topic_prefix": f"bench-{tag}.",
            }
        )
        self.run_dir = Path(tempfile.mkdtemp(prefix="lienthong-bench-"))
        self.issuer = LocalIssuer.generate()
        self.standins = StandinServers(
            self.run_dir / "standins", ports={n: free_port() for n in STANDIN_PORTS}, signers={"lienthong": self.issuer}
        )
        credentials = credentials_file(local_dir())
        self.passwords = load(credentials) if credentials.exists() and settings.kafka_username == ADMIN else None
        own = services_env(self.passwords) if self.passwords else {}
        # Intake and the department keep documents in the object store up.sh started; the department signs results
        # with a signing authority of the run's own.
        secrets = for_keepers(own, object_store_env(local_dir()))
        secrets["department"] = {**secrets["department"], **signing_ca_env(self.run_dir / "signing")}
        self.stack = ServiceStack(
            self.run_dir / "stack",
            ports={key: free_port() for key in instance_keys(instances or {})},
            service_env=secrets,
        )
        self._intake = self._turns("intake")
        self.arrived: dict[str, float] = {}
        """Dossier code → time.time() when the change feed announced its first task."""
        self.expected_notifications: dict[str, int] = {}
        """Receiving agency + procedure → how many applicant notifications its warm-up dossier had."""
        self.units: set[str] = set()
        self.reconnects = 0
        # One client of every province that files dossiers and follows them (operator reads) for the whole run.
        client = self.issuer.client_token(
            "bench", ["dossiers:submit", "dossiers:read", "operator"], ["*"], lifetime=BENCH_TOKEN_LIFETIME
        )
        self._http = httpx.AsyncClient(
            timeout=30, limits=httpx.Limits(max_connections=64), headers={"Authorization": f"Bearer {client}"}
        )
        self._listeners: list[asyncio.Task[None]] = []
        self._ready: dict[str, asyncio.Event] = {}
        self._papers: dict[str, list[dict[str, str]]] = {}
        """Kind of dossier → the papers it hands in (document id and catalogue key), uploaded by the warm-up."""

    def url(self, service: str) -> str:
        """The first instance's address."""
        return self.stack.url(service)

    def counts(self) -> dict[str, int]:
        """How many instances of each service run."""
        return {service: len(self.stack.instances(service)) for service in DEFAULT_PORTS}

    def _turns(self, service: str) -> Iterator[str]:
        return itertools.cycle(self.stack.urls(service))

    def pids(self) -> dict[str, int]:
        """Every instance's pid (``routing``, ``routing-2``…), and the stand-ins' (they answer the identity checks
        and the deliveries)."""
        pids = {name: pid for name in self.stack.ports if (pid := self.stack.state(name).pid) is not None}
        if self.standins.process is not None:
            pids["standins"] = self.standins.process.pid
        return pids

    async def start(self) -> None:
        await execute(self.base.database_url, f'CREATE DATABASE "{self.database}"')
        if self.passwords:  # the services may use only topics their administrator made
            await kafka_acls.apply(self.base, self.settings.topic_prefix)
        self.standins.start()
        await asyncio.to_thread(self.standins.wait_ready)
        jwks = self.issuer.write_jwks(self.run_dir / "jwks.json")
        self.stack.env = {
            "LIENTHONG_DATABASE_URL": self.settings.database_url,
            "LIENTHONG_TOPIC_PREFIX": self.settings.topic_prefix,
            "LIENTHONG_KAFKA_BOOTSTRAP_SERVERS": self.settings.kafka_bootstrap_servers,
            **self.standins.service_env(),
            "LIENTHONG_JWKS_FILE": str(jwks),
            "LIENTHONG_JWT_ISSUER": self.issuer.issuer,
            "LIENTHONG_JWT_AUDIENCE": self.issuer.audience,
            "LIENTHONG_JWT_MAX_LIFETIME_SECONDS": str(BENCH_TOKEN_LIFETIME.total_seconds()),
        }
        self.stack.start()
        await asyncio.to_thread(self.stack.wait_ready, None, 180.0)

    async def submit(self, submission: dict[str, Any]) -> str:
        """POST the dossier to intake with its papers; returns its code (a refusal raises, naming the status and
        body)."""
        documents = self._papers[_kind(submission)]
        response = await self._http.post(
            f"{next(self._intake)}/v1/dossiers", json={**submission, "documents": documents}
        )
        if response.status_code != 202:
            raise RuntimeError(f"intake answered {response.status_code}: {response.text[:300]}")
        code: str = response.json()["code"]
        return code

    async def scale(self, counts: Mapping[str, int]) -> list[str]:
        """Run ``counts[service]`` instances of each service named (on free ports), restarting every instance of a
        service whose count changes so that each consumes its share of the partitions; returns the services
        restarted."""
        changed = [s for s, n in counts.items() if n != len(self.stack.instances(s))]
        if not changed:
            return []
        await asyncio.to_thread(self.stack.stop, changed)
        kept = {key: port for key, port in self.stack.ports.items() if service_of(key) not in changed}
        self.stack.ports = kept | {key: free_port() for key in instance_keys(counts, changed)}
        self.stack.start(changed)
        await asyncio.to_thread(self.stack.wait_ready, changed, 180.0)
        self._intake = self._turns("intake")
        return changed

    async def warm_up(self) -> None:
        """One dossier of each sample end to end: uploads its papers, learns its unit (to watch its feed) and its
        notifications."""
        for submission in SAMPLES:
            self._papers[_kind(submission)] = [await self._upload(*paper) for paper in required_papers(submission)]
            code = await self.submit(submission)
            tasks = await self._poll(f"{self.url('department')}/v1/dossiers/{code}/tasks", lambda items: items)
            self.units.add(tasks[0]["unit_code"])
            notifications = await self._settled_notifications(code)
            self.expected_notifications[_kind(submission)] = len(notifications)
        for unit in sorted(self.units):
            self._ready[unit] = asyncio.Event()
            self._listeners.append(asyncio.create_task(self._listen(unit)))
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in self._ready.values())), 30)

    async def _upload(self, document: Any, name: str, body: bytes) -> dict[str, str]:
        response = await self._http.post(f"{self.url('intake')}/v1/documents", params={"name": name}, content=body)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"intake refused the paper {name}: {response.status_code} {response.text[:300]}")
        return {"document_id": response.json()["document_id"], "catalogue_key": document.key}

    def expected(self, submission: dict[str, Any]) -> int:
        return self.expected_notifications[_kind(submission)]

    async def _poll(self, url: str, done: Any, within: float = 60) -> Any:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            response = await self._http.get(url)
            if response.status_code == 200 and (found := done(response.json())):
                return found
            await asyncio.sleep(0.2)
        raise TimeoutError(f"nothing at {url} after {within:.0f} s")

    async def _settled_notifications(self, code: str) -> list[dict[str, Any]]:
        """The dossier's notifications once at least one is planned and none has come for 2 s."""
        url = f"{self.url('notification')}/v1/dossiers/{code}/notifications"
        seen = await self._poll(url, lambda items: items)
        still = time.monotonic()
        while time.monotonic() - still < 2:
            await asyncio.sleep(0.25)
            now = (await self._http.get(url)).json()
            if len(now) != len(seen):
                seen, still = now, time.monotonic()
        return list(seen)

    async def _listen(self, unit: str) -> None:
        """Follow the unit's change feed, reconnecting with Last-Event-ID when it ends (at the department's first
        instance's address then: ``scale`` may have moved it)."""
        last_id: str | None = None
        while True:
            url = f"{self.url('department')}/v1/units/{unit}/events"
            token = self.issuer.clerk_token(f"bench.{unit}", {unit: ROLES}, lifetime=BENCH_TOKEN_LIFETIME)
            headers = {"Authorization": f"Bearer {token}"} | ({"Last-Event-ID": last_id} if last_id else {})
            try:
                timeout = httpx.Timeout(10, read=None)
                async with self._http.stream("GET", url, headers=headers, timeout=timeout) as response:
                    response.raise_for_status()
                    event, data = "", ""
                    async for line in response.aiter_lines():
                        if line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:"):
                            data = line[5:].strip()
                        elif line.startswith("id:"):
                            last_id = line[3:].strip()
                        elif not line:
                            self._announced(unit, event, data)
                            event, data = "", ""
            except httpx.HTTPError:
                await asyncio.sleep(0.5)
            self.reconnects += 1

    def _announced(self, unit: str, event: str, data: str) -> None:
        if event == "ready":
            self._ready[unit].set()
        elif event == "task-changed":
            change = json.loads(data)
            if change.get("action") == "assigned":
                self.arrived.setdefault(change["dossier_code"], time.time())

    async def planned(self, expected: dict[str, int], deadline: float) -> dict[str, float]:
        """Code → when its last expected notification was planned (created_at), for those planned by ``deadline``."""
        found: dict[str, float] = {}
        pending = dict(expected)
        gate = asyncio.Semaphore(8)

        async def check(code: str, count: int) -> None:
            async with gate:
                response = await self._http.get(f"{self.url('notification')}/v1/dossiers/{code}/notifications")
            items = response.json() if response.status_code == 200 else []
            if len(items) >= count:
                found[code] = max((datetime.fromisoformat(i["created_at"]).timestamp() for i in items), default=0.0)
                pending.pop(code, None)

        while pending and time.monotonic() < deadline:
            await asyncio.gather(*(check(code, count) for code, count in list(pending.items())))
            if pending:
                await asyncio.sleep(0.5)
        return found

    async def close(self) -> None:
        for task in self._listeners:
            task.cancel()
        for task in self._listeners:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._http.aclose()
        try:
            await asyncio.to_thread(self.stack.stop)
        finally:
            self.standins.stop()
            await execute(self.base.database_url, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            prefix = self.settings.topic_prefix
            if self.passwords:
                await kafka_acls.revoke(self.base, prefix)
            await delete_topics(self.base, lambda name: name.startswith(prefix))

    def logs_with_tracebacks(self) -> list[str]:
        """The services whose log holds a traceback (worth a look after a run)."""
        return [
            name
            for name in self.stack.ports
            if self.stack.log_file(name).exists()
            and "Traceback" in self.stack.log_file(name).read_text(errors="replace")
        ]


def _kind(submission: dict[str, Any]) -> str:
    return f"{submission['receiving_agency']} {submission['procedure_code']} {submission['commune_code']}"
