"""The local broker's principals and their passwords, generated once into ``<local>/kafka/credentials.json``.

    python deploy/local/kafka_principals.py ensure FILE             # create the missing passwords (mode 0600)
    python deploy/local/kafka_principals.py scram FILE              # one kafka-storage --add-scram value a line
    python deploy/local/kafka_principals.py password FILE NAME      # one principal's password
    python deploy/local/kafka_principals.py env FILE NAME           # `export LIENTHONG_KAFKA_…` lines for NAME

One principal per service (the producers and consumers of ``shared.contracts.STREAMS``),
``operator`` for the operator CLI, and ``admin``, the broker's super user, used by the
deploy scripts and the tests to create topics and ACLs. The file never leaves the
git-ignored local folder; a deployment keeps these in its secret store instead.
"""

import json
import os
import secrets
import sys
from pathlib import Path

from private_files import write_private_json
from pydantic import SecretStr

from shared.contracts import STREAMS
from shared.kernel.settings import CommonSettings

ADMIN = "admin"
OPERATOR = "operator"
SERVICES = tuple(sorted({s.producer for s in STREAMS} | {c for s in STREAMS for c in s.consumers}))
PRINCIPALS = (ADMIN, *SERVICES, OPERATOR)
MECHANISM = "SCRAM-SHA-512"


def credentials_file(local_dir: Path) -> Path:
    """Where a local folder (``LIENTHONG_LOCAL_DIR``, ``.local`` by default) keeps its broker's passwords."""
    return local_dir / "kafka" / "credentials.json"


def load(path: Path) -> dict[str, str]:
    """Principal → password, as ``ensure`` wrote them."""
    passwords: dict[str, str] = json.loads(path.read_text())
    return passwords


def ensure(path: Path) -> dict[str, str]:
    """The file's passwords, with one generated for every principal that has none (the file is created 0600)."""
    passwords = load(path) if path.exists() else {}
    missing = [p for p in PRINCIPALS if p not in passwords]
    if missing:
        passwords |= {p: secrets.token_urlsafe(24) for p in missing}
        write_private_json(path, passwords)
    return passwords


def local_dir() -> Path:
    """The local folder of ``deploy/local`` (``LIENTHONG_LOCAL_DIR``, else the repository's ``.local``)."""
    return Path(os.environ.get("LIENTHONG_LOCAL_DIR") or Path(__file__).resolve().parents[2] / ".local")


def connect_as(settings: CommonSettings, passwords: dict[str, str], principal: str) -> CommonSettings:
    """``settings`` connecting to Kafka as ``principal``."""
    return settings.model_copy(
        update={
            "kafka_security_protocol": "SASL_PLAINTEXT",
            "kafka_sasl_mechanism": MECHANISM,
            "kafka_username": principal,
            "kafka_password": SecretStr(passwords[principal]),
        }
    )


def as_local_admin(settings: CommonSettings) -> CommonSettings:
    """``settings`` as the local broker's super user, for tools that make topics of their own (the benchmarks);
    unchanged when they already name a principal or the local broker has no credentials."""
    path = credentials_file(local_dir())
    if settings.kafka_username or not path.exists():
        return settings
    return connect_as(settings, load(path), ADMIN)


def client_env(passwords: dict[str, str], principal: str) -> dict[str, str]:
    """The ``LIENTHONG_KAFKA_*`` variables a process connecting as ``principal`` needs."""
    return {
        "LIENTHONG_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "LIENTHONG_KAFKA_SASL_MECHANISM": MECHANISM,
        "LIENTHONG_KAFKA_USERNAME": principal,
        "LIENTHONG_KAFKA_PASSWORD": passwords[principal],
    }


def services_env(passwords: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each service's ``client_env``: what a stack of the four passes to each process."""
    return {service: client_env(passwords, service) for service in SERVICES}


def main(argv: list[str]) -> int:
    command, path, *rest = argv
    if command == "ensure":
        ensure(Path(path))
    elif command == "scram":
        for principal, password in sorted(load(Path(path)).items()):
            print(f"{MECHANISM}=[name={principal},password={password}]")
    elif command == "password":
        print(load(Path(path))[rest[0]])
    elif command == "env":
        for key, value in client_env(load(Path(path)), rest[0]).items():
            print(f"export {key}={value}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
