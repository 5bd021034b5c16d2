"""Where each stand-in listens: defaults, ``LIENTHONG_STANDIN_<NAME>_PORT`` and ``--<name>-port``."""

import argparse
import os
import socket
from collections.abc import Mapping

HOST = "127.0.0.1"
DEFAULT_PORTS: Mapping[str, int] = {
    "sms": 19201,
    "zalo": 19202,
    "portal": 19203,
    "population": 19204,
    "mail": 19205,  # the HTTP companion of the SMTP server
    "identity": 19206,  # the identity providers: staff realm and VNeID
    "payment": 19207,  # the national payment platform
    "postal": 19208,  # the postal service delivering results
    "smtp": 19225,
}
HTTP_NAMES = ("sms", "zalo", "portal", "population", "mail", "identity", "payment", "postal")


def env_var(name: str) -> str:
    """The environment variable that sets ``name``'s port."""
    return f"LIENTHONG_STANDIN_{name.upper()}_PORT"


def configured_ports() -> dict[str, int]:
    """Each stand-in's port: its ``LIENTHONG_STANDIN_<NAME>_PORT``, else the default."""
    return {name: int(os.environ.get(env_var(name), default)) for name, default in DEFAULT_PORTS.items()}


def add_port_options(parser: argparse.ArgumentParser) -> None:
    """``--sms-port`` … ``--smtp-port``, each defaulting to its environment variable, else the default port."""
    for name, default in DEFAULT_PORTS.items():
        parser.add_argument(
            f"--{name}-port",
            type=int,
            default=int(os.environ.get(env_var(name), default)),
            help=f"default ${env_var(name)}, else {default}",
        )


def chosen_ports(options: argparse.Namespace) -> dict[str, int]:
    """The ports the parsed options name, by stand-in."""
    return {name: int(getattr(options, f"{name}_port")) for name in DEFAULT_PORTS}


def port_arguments(ports: Mapping[str, int]) -> list[str]:
    """The command-line options that start the stand-ins on ``ports``."""
    return [argument for name, port in ports.items() for argument in (f"--{name}-port", str(port))]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now (for tests and benchmarks that start their own servers)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])
