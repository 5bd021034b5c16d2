"""``python -m standins``: every stand-in in one process on 127.0.0.1, until SIGTERM or SIGINT."""

import argparse
import asyncio

from standins.ports import add_port_options, chosen_ports
from standins.serve import serve


def main() -> None:
    """Parse the port options and serve."""
    parser = argparse.ArgumentParser(prog="python -m standins", description=__doc__)
    add_port_options(parser)
    asyncio.run(serve(chosen_ports(parser.parse_args())))


if __name__ == "__main__":
    main()
