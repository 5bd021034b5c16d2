"""The secret keys a local deployment's services share, generated once into ``<local>/keys.json`` (mode 0600).

    python deploy/local/local_keys.py ensure      # create the missing keys, print where they are kept

``LIENTHONG_PSEUDONYM_KEY`` (the retention worker's keyed pseudonyms) and
``LIENTHONG_LOOKUP_SECRET_KEY`` (the hash of the receipts' lookup secrets) must stay the same
across restarts, or pseudonyms stop matching and receipts already handed out stop opening their
dossier. ``stack.py`` gives them to every service at each start and never keeps them in
``stack.json``; a deployment keeps them in its secret store instead.

The payment platform's and the postal service's stand-ins share four more with intake: the key intake
presents as their merchant (``LIENTHONG_PAYMENT_MERCHANT_KEY``, ``LIENTHONG_POSTAL_MERCHANT_KEY``) and the
secret their callbacks are signed with (``LIENTHONG_PAYMENT_CALLBACK_SECRET``,
``LIENTHONG_POSTAL_CALLBACK_SECRET``); :class:`standins.process.StandinServers` gives the stand-ins the
same values (:data:`PARTNER_KEYS`). A deployment gets them from the platforms when it signs up.
"""

import json
import secrets
import sys
from pathlib import Path

from kafka_principals import local_dir
from private_files import write_private_json

PARTNER_KEYS = {
    "payment_merchant_key": "LIENTHONG_PAYMENT_MERCHANT_KEY",
    "payment_callback_secret": "LIENTHONG_PAYMENT_CALLBACK_SECRET",
    "postal_merchant_key": "LIENTHONG_POSTAL_MERCHANT_KEY",
    "postal_callback_secret": "LIENTHONG_POSTAL_CALLBACK_SECRET",
}
"""The keys intake shares with the payment and postal stand-ins, by name in the file and variable."""
KEYS = {
    "pseudonym_key": "LIENTHONG_PSEUDONYM_KEY",
    "lookup_secret_key": "LIENTHONG_LOOKUP_SECRET_KEY",
    **PARTNER_KEYS,
}


def keys_file(folder: Path) -> Path:
    """Where the local folder ``folder`` keeps its keys."""
    return folder / "keys.json"


def ensure(path: Path) -> dict[str, str]:
    """The file's keys, with a 32-byte random one generated for each that is missing (the file is created 0600)."""
    kept: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in KEYS if name not in kept]
    if missing:
        kept |= {name: secrets.token_urlsafe(32) for name in missing}
        write_private_json(path, kept)
    return kept


def keys_env(folder: Path) -> dict[str, str]:
    """The keys of the local folder ``folder`` as the services' environment variables (created when missing)."""
    kept = ensure(keys_file(folder))
    return {variable: kept[name] for name, variable in KEYS.items()}


def partner_keys_env(folder: Path) -> dict[str, str]:
    """The keys the stand-ins share with intake (:data:`PARTNER_KEYS`), as variables, from ``folder``'s file."""
    every = keys_env(folder)
    return {variable: every[variable] for variable in PARTNER_KEYS.values()}


def main(argv: list[str]) -> int:
    if argv != ["ensure"]:
        print("usage: python deploy/local/local_keys.py ensure", file=sys.stderr)
        return 2
    path = keys_file(local_dir())
    ensure(path)
    print(f"local_keys: {', '.join(KEYS.values())} kept in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
