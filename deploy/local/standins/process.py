"""The stand-ins as a child process, for the end-to-end tests and the demo.

    servers = StandinServers(run_dir, ports)
    servers.start(); servers.wait_ready()
    env = servers.service_env()          # what the lienthong services need to reach them
    servers.operator_env()               # what the operator CLI needs to fetch its token
    servers.token("operator")            # a client-credentials token from the identity provider
    servers.behave("sms", outage=True)   # switch a stand-in's behaviour
    servers.received("sms")              # what it recorded
    servers.pay(payment_id)              # the citizen pays; the platform calls intake back
    servers.stop()

The helpers speak HTTP only, so they also drive stand-ins started by ``standins.sh``.
"""

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from kafka_principals import local_dir
from local_keys import partner_keys_env

from shared.kernel.auth.local_issuer import DEFAULT_AUDIENCE, LocalIssuer
from standins.identities import load_identities
from standins.ports import HOST, HTTP_NAMES, configured_ports, port_arguments
from standins.readiness import wait_ready
from standins.realms import (
    CITIZEN_REALM,
    REALMS,
    STAFF_REALM,
    adopt_signer,
    jwks_url,
    realm_signer,
    realm_url,
    token_url,
)

LOCAL = Path(__file__).resolve().parents[1]  # deploy/local: where the standins package lives
REPO = LOCAL.parents[1]


class StandinServers:
    """Every stand-in in one ``python -m standins`` process, and synchronous helpers to drive them."""

    def __init__(
        self,
        run_dir: Path,
        ports: Mapping[str, int] | None = None,
        *,
        signers: Mapping[str, LocalIssuer] | None = None,
        keys: Mapping[str, str] | None = None,
    ) -> None:
        """Stand-ins kept in ``run_dir`` (log, pid, the identity provider's keys) on ``ports``.

        ``signers`` (by realm, ``lienthong`` or ``vneid``) make the identity provider sign with keys,
        issuers and audiences the caller holds too; by default each realm keeps a key of its own in
        ``run_dir`` and its issuer is the realm's URL. ``keys`` are the merchant keys and callback
        secrets the payment and postal stand-ins share with intake (``local_keys.PARTNER_KEYS``'
        variables); by default those of the local folder's ``keys.json``, which ``stack.py`` gives intake.
        """
        self.run_dir = run_dir
        self.ports = {**configured_ports(), **(ports or {})}
        self.signers = dict(signers or {})
        self.keys = dict(keys) if keys is not None else None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_file(self) -> Path:
        return self.run_dir / "standins.log"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "standins.pid"

    @property
    def smtp_port(self) -> int:
        return self.ports["smtp"]

    def url(self, name: str) -> str:
        """Base URL of an HTTP stand-in: sms, zalo, portal, population, mail (the SMTP server's control), identity,
        payment, postal."""
        if name not in HTTP_NAMES:
            raise KeyError(f"no HTTP stand-in named {name!r}; one of {', '.join(HTTP_NAMES)}")
        return f"http://{HOST}:{self.ports[name]}"

    def issuer(self, realm: str) -> str:
        """The ``iss`` of the realm's tokens (``lienthong``: staff, ``vneid``: citizens)."""
        given = self.signers.get(realm)
        return given.issuer if given else realm_url(self.url("identity"), realm)

    def signer(self, realm: str) -> LocalIssuer:
        """The realm's own key, issuer and audience: tokens it signs are the identity provider's."""
        return realm_signer(self.run_dir, realm, self.url("identity"))

    def token_url(self, realm: str = STAFF_REALM) -> str:
        return token_url(self.url("identity"), realm)

    def token(self, client_id: str) -> str:
        """A client-credentials token for ``client_id`` of ``identities.yaml``, fetched from the identity provider."""
        secret = next(c.secret for c in load_identities().clients if c.client_id == client_id)
        answer = httpx.post(self.token_url(), data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def operator_env(self) -> dict[str, str]:
        """The settings with which the operator CLI fetches its token (client ``operator``)."""
        secret = next(c.secret for c in load_identities().clients if c.client_id == "operator")
        return {
            "LIENTHONG_TOKEN_URL": self.token_url(),
            "LIENTHONG_OPERATOR_CLIENT_ID": "operator",
            "LIENTHONG_OPERATOR_CLIENT_SECRET": secret,
        }

    def service_env(self) -> dict[str, str]:
        """The settings that point the lienthong services at these stand-ins, both token issuers included."""
        audiences = {realm: given.audience for realm, given in self.signers.items()}
        return {
            "LIENTHONG_JWKS_URL": jwks_url(self.url("identity"), STAFF_REALM),
            "LIENTHONG_JWT_ISSUER": self.issuer(STAFF_REALM),
            "LIENTHONG_JWT_AUDIENCE": audiences.get(STAFF_REALM, DEFAULT_AUDIENCE),
            "LIENTHONG_CITIZEN_JWKS_URL": jwks_url(self.url("identity"), CITIZEN_REALM),
            "LIENTHONG_CITIZEN_JWT_ISSUER": self.issuer(CITIZEN_REALM),
            "LIENTHONG_CITIZEN_JWT_AUDIENCE": audiences.get(CITIZEN_REALM, DEFAULT_AUDIENCE),
            "LIENTHONG_SMS_GATEWAY_URL": self.url("sms"),
            "LIENTHONG_SMS_API_KEY": os.environ.get("STANDIN_SMS_API_KEY", "local-sms-key"),
            "LIENTHONG_ZALO_API_URL": self.url("zalo"),
            "LIENTHONG_ZALO_ACCESS_TOKEN": os.environ.get("STANDIN_ZALO_TOKEN", "local-zalo-token"),
            "LIENTHONG_SMTP_HOST": HOST,
            "LIENTHONG_SMTP_PORT": str(self.smtp_port),
            "LIENTHONG_PORTAL_URL": self.url("portal"),
            "LIENTHONG_PORTAL_TOKEN": os.environ.get("STANDIN_PORTAL_TOKEN", "local-portal-token"),
            "LIENTHONG_POPULATION_DB_URL": self.url("population"),
            "LIENTHONG_POPULATION_DB_TOKEN": os.environ.get("STANDIN_POPULATION_TOKEN", "local-population-key"),
            "LIENTHONG_PAYMENT_URL": self.url("payment"),
            "LIENTHONG_POSTAL_URL": self.url("postal"),
        }

    def shared_keys(self) -> dict[str, str]:
        """The merchant keys and callback secrets the payment and postal stand-ins share with intake."""
        return dict(self.keys) if self.keys is not None else partner_keys_env(local_dir())

    def start(self) -> None:
        """Start the process; its output goes to ``run_dir/standins.log``, its pid to ``standins.pid``."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for realm, given in self.signers.items():
            adopt_signer(self.run_dir, realm, given)
        for realm in REALMS:
            self.signer(realm)  # the key exists before the process and a test read it, whoever comes first
        python_path = os.pathsep.join(filter(None, [str(LOCAL), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, **self.shared_keys(), "PYTHONPATH": python_path, "PYTHONUNBUFFERED": "1"}
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "standins", *port_arguments(self.ports), "--data-dir", str(self.run_dir)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.pid_file.write_text(str(self.process.pid))

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Block until every stand-in answers; fail naming the laggard and the log, at once if the process died."""
        wait_ready(self.ports, timeout=timeout, log_file=str(self.log_file), exited=self._exited)

    def _exited(self) -> str | None:
        if self.process is None or self.process.poll() is None:
            return None
        return f"process exited with {self.process.returncode}"

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s; forget the pid file."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        self.pid_file.unlink(missing_ok=True)

    def behave(self, name: str, **behaviour: Any) -> dict[str, Any]:
        """Set ``name``'s behaviour (fields of :class:`standins.control.Behaviour`; the others go to default)."""
        return self._call("PUT", name, "/_control", json=behaviour).json()  # type: ignore[no-any-return]

    def reset(self) -> None:
        """Every stand-in back to default behaviour, with nothing received and nothing remembered."""
        for name in HTTP_NAMES:
            self._call("POST", name, "/_reset")

    def received(self, name: str) -> list[dict[str, Any]]:
        """What ``name`` recorded, oldest first: ``route``, ``body``, ``at``, ``duplicate``."""
        return self._call("GET", name, "/_received").json()  # type: ignore[no-any-return]

    def forget(self, name: str) -> None:
        """Forget what ``name`` recorded (it still recognises ids it saw: use :meth:`reset` for that)."""
        self._call("DELETE", name, "/_received")

    def pay(self, payment_id: str) -> dict[str, Any]:
        """The citizen pays ``payment_id`` at the payment platform, which then calls intake back."""
        return self._call("POST", "payment", f"/control/payments/{payment_id}/pay").json()  # type: ignore[no-any-return]

    def callbacks(self, name: str) -> list[dict[str, Any]]:
        """The callbacks the ``payment`` or ``postal`` stand-in sent, with each try."""
        return self._call("GET", name, "/control/callbacks").json()  # type: ignore[no-any-return]

    def add_citizens(self, citizens: list[dict[str, Any]]) -> None:
        """Add citizens to the population register, or replace those with the same ``citizen_id``."""
        self._call("PUT", "population", "/_citizens", json=citizens)

    def _call(self, method: str, name: str, path: str, json: Any = None) -> httpx.Response:
        response = httpx.request(method, self.url(name) + path, json=json, timeout=10)
        response.raise_for_status()
        return response
