"""The stand-in servers of a test run or of a stack of a test's own, on free ports."""

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from local_keys import PARTNER_KEYS
from standins.ports import DEFAULT_PORTS as STANDIN_PORTS
from standins.ports import free_port
from standins.process import StandinServers

from tests.support import clerks


@contextlib.contextmanager
def standins_on_free_ports(directory: Path, keys: Mapping[str, str]) -> Iterator[StandinServers]:
    """Every stand-in in ``directory`` on free ports, ready; stopped on exit."""
    servers = StandinServers(
        directory,
        ports={name: free_port() for name in STANDIN_PORTS},
        # The identity provider signs with the keys the tests mint their tokens with: both verify.
        signers={"lienthong": clerks.issuer(), "vneid": clerks.citizen_issuer()},
        # The payment and postal stand-ins know intake by the run's merchant keys and sign with its secrets.
        keys={variable: keys[variable] for variable in PARTNER_KEYS.values()},
    )
    servers.start()
    try:
        servers.wait_ready()
        yield servers
    finally:
        servers.stop()
