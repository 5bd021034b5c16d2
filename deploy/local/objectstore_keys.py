"""The local object store's access key, generated once into ``<local>/objectstore/credentials.json`` (mode 0600).

    python deploy/local/objectstore_keys.py pair FILE    # "<access key> <secret key>", the pair made when missing
    python deploy/local/objectstore_keys.py env          # `export LIENTHONG_OBJECT_STORE_…` lines

S3Proxy knows one identity: intake and the department (the services that keep documents) both
sign with it (AWS Signature V4). A deployment gives each service its own key, with a policy on
the bucket, and keeps them in its secret store. The file never leaves the git-ignored folder.
"""

import json
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

from private_files import write_private_json

DEFAULT_PORT = 19300
KEEPERS = ("intake", "department")
"""The services that put and read documents: the ones given the object store's settings."""


def credentials_file(folder: Path) -> Path:
    """Where the local folder ``folder`` keeps the object store's key pair."""
    return folder / "objectstore" / "credentials.json"


def ensure(path: Path) -> dict[str, str]:
    """The key pair in ``path``, generated on first use (an access key id of 20 characters, a 40-byte secret)."""
    if path.exists():
        kept: dict[str, str] = json.loads(path.read_text())
        return kept
    pair = {"access_key": "LT" + secrets.token_hex(9).upper(), "secret_key": secrets.token_urlsafe(30)}
    write_private_json(path, pair)
    return pair


def port() -> int:
    """The local object store's port (``LIENTHONG_OBJECT_STORE_PORT``)."""
    return int(os.environ.get("LIENTHONG_OBJECT_STORE_PORT") or DEFAULT_PORT)


def object_store_env(folder: Path, bucket: str | None = None) -> dict[str, str]:
    """The ``LIENTHONG_OBJECT_STORE_*`` variables reaching the local object store of ``folder`` (its key pair
    created when missing), on ``bucket`` when given (else the settings' default)."""
    pair = ensure(credentials_file(folder))
    env = {
        "LIENTHONG_OBJECT_STORE_URL": f"http://127.0.0.1:{port()}",
        "LIENTHONG_OBJECT_STORE_ACCESS_KEY": pair["access_key"],
        "LIENTHONG_OBJECT_STORE_SECRET_KEY": pair["secret_key"],
    }
    return env | ({"LIENTHONG_OBJECT_STORE_BUCKET": bucket} if bucket else {})


def for_keepers(service_env: Mapping[str, Mapping[str, str]], objects: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Each service's own variables (``service_env``), with ``objects`` added for the services that keep documents."""
    names = {*service_env, *KEEPERS}
    return {name: {**service_env.get(name, {}), **(objects if name in KEEPERS else {})} for name in names}


def main(argv: list[str]) -> int:
    if argv[:1] == ["pair"] and len(argv) == 2:
        pair = ensure(Path(argv[1]))
        print(pair["access_key"], pair["secret_key"])
    elif argv == ["env"]:
        from kafka_principals import local_dir  # here only: it loads the contracts, slow for the other commands

        for key, value in object_store_env(local_dir()).items():
            print(f"export {key}={value}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
