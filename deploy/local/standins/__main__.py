"""``python -m standins``: every stand-in in one process on 127.0.0.1, until SIGTERM or SIGINT."""

import argparse
import asyncio
import os
from pathlib import Path

from standins.ports import add_port_options, chosen_ports
from standins.serve import serve


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
    asyncio.run(serve(chosen_ports(options), options.data_dir))


if __name__ == "__main__":
    main()
