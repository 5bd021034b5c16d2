"""How every Kafka client of lienthong connects: where the brokers are and as which principal.

A secured broker (the local one, compose, a production cluster) authenticates each process
with SASL as its own principal (``LIENTHONG_KAFKA_USERNAME``/``…_PASSWORD``, one per service,
``operator`` for the CLI) and lets it do only what its ACLs grant. Without a username the
client connects unauthenticated, which only a broker without ACLs accepts (unit tests with
``TestKafkaBroker`` never connect at all).
"""

from ssl import SSLContext
from typing import Any

from aiokafka.helpers import create_ssl_context
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from shared.kernel.settings import CommonSettings

_SASL = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}


class KafkaCredentialsError(ValueError):
    """The settings ask for SASL but do not name a principal and its password."""


def _credentials(settings: CommonSettings) -> tuple[str, str] | None:
    if not settings.kafka_security_protocol.startswith("SASL_"):
        return None
    if not settings.kafka_username or settings.kafka_password is None:
        raise KafkaCredentialsError(
            f"LIENTHONG_KAFKA_SECURITY_PROTOCOL={settings.kafka_security_protocol} needs LIENTHONG_KAFKA_USERNAME"
            " and LIENTHONG_KAFKA_PASSWORD"
        )
    return settings.kafka_username, settings.kafka_password.get_secret_value()


def _ssl_context(settings: CommonSettings) -> SSLContext:
    """TLS to the brokers, checked against ``kafka_ssl_ca_file`` when set, else the system's trusted CAs."""
    context: SSLContext = create_ssl_context(cafile=settings.kafka_ssl_ca_file)
    return context


def kafka_connection(settings: CommonSettings) -> dict[str, Any]:
    """Keyword arguments for any aiokafka client (producer, consumer, admin) of this process."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
    }
    credentials = _credentials(settings)
    if credentials is not None:
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": credentials[0],
            "sasl_plain_password": credentials[1],
        }
    if settings.kafka_security_protocol == "SASL_SSL":
        options["ssl_context"] = _ssl_context(settings)
    return options


def broker_security(settings: CommonSettings) -> BaseSecurity | None:
    """The same principal for FastStream's ``KafkaBroker(security=…)``; None when unauthenticated."""
    credentials = _credentials(settings)
    if credentials is None:
        return None
    ssl = _ssl_context(settings) if settings.kafka_security_protocol == "SASL_SSL" else None
    return _SASL[settings.kafka_sasl_mechanism](*credentials, ssl_context=ssl)
