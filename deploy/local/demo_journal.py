"""``make demo``'s journal part: the receipt's secret and head, a citizen's lookup, the audit passing, then failing.

The failing run is against a scratch copy of the database (``pg_dump | psql``, the services
keep running on the original), in which one journal row is changed as a superuser would after
disabling the append-only trigger; ``lienthong audit verify --all --database <copy>`` reads the
copy's journal tables directly and names the entry. The copy is dropped afterwards.
"""

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from shared.kernel.settings import CommonSettings


def print_receipt(receipt: Mapping[str, Any]) -> None:
    """What the applicant takes home: the secret that opens the lookup, the journal's head at receipt."""
    print(f"   receipt    lookup secret {receipt['lookup_secret']} (shown once)")
    print(f"   receipt    journal head {receipt['journal_head']}")


def print_lookup(http: httpx.Client, intake: str, code: str, secret: str) -> None:
    """The applicant's lookup with code and secret alone: no account, nothing personal, the head now."""
    found = http.get(f"{intake}/v1/lookup/{code}", headers={"X-Lookup-Secret": secret})
    if found.status_code != 200:
        sys.exit(f"demo: the lookup of {code} answered {found.status_code} {found.text}")
    view = found.json()
    print(f"\n== A citizen's lookup with the receipt's secret (GET /v1/lookup/{code}, no token)")
    print(f"   status {view['status']} at {view['handling_unit'] or '-'}, journal head {view['journal_head']}")


def audit_verify(cli_env: Mapping[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    """``lienthong audit verify --all`` (with ``extra``), its output printed."""
    run = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "operations", "audit", "verify", "--all", *extra],
        env={**os.environ, **cli_env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    for line in (run.stdout + run.stderr).strip().splitlines():
        print(f"   {line}")
    print(f"   (exit status {run.returncode})")
    return run


def tampered_copy_fails(cli_env: Mapping[str, str], code: str) -> bool:
    """Copy the database, change the first journal entry of ``code`` in intake's journal there, verify the copy."""
    source = CommonSettings().database_url
    scratch = f"lienthong_scratch_{secrets.token_hex(4)}"
    copy_url = _with_database(source, scratch)
    _psql(source, f'CREATE DATABASE "{scratch}"')
    try:
        dump = subprocess.run(  # noqa: S603 - PostgreSQL's own tool on the configured database
            [_tool("pg_dump"), "--no-owner", "--no-privileges", source], capture_output=True, check=True, timeout=300
        )
        subprocess.run(  # noqa: S603 - PostgreSQL's own tool on the scratch copy
            [_tool("psql"), "-q", "-v", "ON_ERROR_STOP=1", copy_url],
            input=dump.stdout,
            capture_output=True,
            check=True,
            timeout=300,
        )
        print(f"\n== Tampering with a scratch copy of the database ({scratch}); the services keep the original")
        print(f"   UPDATE intake.journal SET actor = 'client:someone-else' WHERE chain = '{code}' AND position = 1")
        _psql(
            copy_url,
            "BEGIN; ALTER TABLE intake.journal DISABLE TRIGGER journal_append_only;"
            f" UPDATE intake.journal SET actor = 'client:someone-else' WHERE chain = '{code}' AND position = 1;"
            " ALTER TABLE intake.journal ENABLE TRIGGER journal_append_only; COMMIT",
        )
        print("\n== lienthong audit verify --all --database <the copy>")
        return audit_verify(cli_env, "--database", copy_url).returncode != 0
    finally:
        _psql(source, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        sys.exit(f"demo: {name} (PostgreSQL's client tools) is needed to copy the database")
    return found


def _psql(url: str, sql: str) -> None:
    subprocess.run(  # noqa: S603 - PostgreSQL's own client with our statements
        [_tool("psql"), "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], capture_output=True, check=True, timeout=120
    )
