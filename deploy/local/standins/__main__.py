"""``python -m standins``: every stand-in in one process on 127.0.0.1, until SIGTERM or SIGINT."""

import argparse
import asyncio
import os
from pathlib import Path

from kafka_principals import local_dir
from local_keys import PARTNER_KEYS, partner_keys_env

from standins.ports import add_port_options, chosen_ports
from standins.serve import serve


def shared_keys() -> dict[str, str]:
    """The keys the payment and postal stand-ins share with intake: from the environment when it sets them all
    (``StandinServers`` does), else from the local folder's ``keys.json`` (as ``stack.py`` gives them to intake)."""
    given = {variable: os.environ[variable] for variable in PARTNER_KEYS.values() if os.environ.get(variable)}
    return given if len(given) == len(PARTNER_KEYS) else partner_keys_env(local_dir())


def main() -> None:
    """Parse the port and data options and serve."""
    parser = argparse.ArgumentParser(prog="python -m standins", description=__doc__)
    add_port_options(parser)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("LIENTHONG_LOCAL_DIR", ".local")) / "standins",
        help="where the identity provider keeps its realms' keys (default $LIENTHONG_LOCAL_DIR/standins)",
    )
    options = parser.parse_args()
    asyncio.run(serve(chosen_ports(options), options.data_dir, shared_keys()))


if __name__ == "__main__":
    main()
