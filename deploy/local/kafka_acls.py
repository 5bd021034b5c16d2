"""Each principal's rights on the broker, generated from the streams table, and how the administrator applies them.

    python deploy/local/kafka_acls.py apply [--prefix P] [--brokers N]  # topics and ACLs of prefix P (idempotent)
    python deploy/local/kafka_acls.py revoke --prefix P     # the ACLs of P's topics
    python deploy/local/kafka_acls.py show [--prefix P]     # the grants, one a line

Connects as the ``LIENTHONG_KAFKA_*`` principal of its environment, which must be a super
user (``admin``). ``shared.contracts.STREAMS`` is the one source of truth:

- a service WRITEs the streams it produces and the dead-letter topics of those it consumes,
  READs the streams it consumes, and READs through its own consumer groups, whose names
  start ``<topic prefix>lienthong.<service>.`` (a prefixed ACL); writing any topic also lets its
  idempotent producer take a producer id (KIP-679), so no cluster right is needed;
- ``operator`` READs every dead-letter topic, READs and WRITEs the streams a replay
  publishes to (those with consumers; READ finds the original of a truncated dead letter),
  and DESCRIBEs every ``lienthong.`` group for ``lienthong lag``.

Topics are literal ACLs on ``<prefix><stream>``, so deployments (or test runs) sharing a
cluster under different ``LIENTHONG_TOPIC_PREFIX`` values get rights only on their own.
No service may create topics: ``apply`` creates them, as a deployment's administrator would,
each replicated to fit the cluster (:func:`replication_for`): on three brokers or more, three
replicas and ``min.insync.replicas=2``, so a write the producers' ``acks=all`` saw acknowledged
is on two brokers and the topic takes writes with one broker down.
"""

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code
from aiokafka.protocol.admin import CreateAclsRequest, DeleteAclsRequest
from kafka_principals import OPERATOR, SERVICES

from shared.contracts import STREAMS, dead_letter_topic
from shared.kernel.kafka_connection import kafka_connection
from shared.kernel.messaging import all_topics
from shared.kernel.settings import CommonSettings

# Kafka's protocol codes (org.apache.kafka.common.acl / resource).
TOPIC, GROUP = 2, 3
LITERAL, PREFIXED, ANY_PATTERN = 3, 4, 1
ANY_OPERATION, ALLOW, ANY_PERMISSION = 1, 3, 1
OPERATIONS = {"READ": 3, "WRITE": 4, "DESCRIBE": 8}
GROUP_PREFIX = "lienthong."


@dataclass(frozen=True, order=True)
class Grant:
    """``principal`` may ``operation`` on the topic or group ``name`` (literally, or every name it starts)."""

    principal: str
    resource: int
    name: str
    operation: str
    prefixed: bool = False

    def __str__(self) -> str:
        kind = "group" if self.resource == GROUP else "topic"
        return f"User:{self.principal:13} {self.operation:9} {kind} {self.name}{'*' if self.prefixed else ''}"


def grants(prefix: str) -> list[Grant]:
    """Every ACL of a deployment whose topics start with ``prefix``."""
    result: list[Grant] = []
    for service in SERVICES:
        for stream in STREAMS:
            topic = prefix + stream.topic
            if stream.producer == service:
                result += [Grant(service, TOPIC, topic, "WRITE"), Grant(service, TOPIC, topic, "DESCRIBE")]
            if service in stream.consumers:
                result.append(Grant(service, TOPIC, topic, "READ"))
                dead_letters = dead_letter_topic(topic)
                result += [
                    Grant(service, TOPIC, dead_letters, "WRITE"),
                    Grant(service, TOPIC, dead_letters, "DESCRIBE"),
                ]
        result.append(Grant(service, GROUP, f"{prefix}{GROUP_PREFIX}{service}.", "READ", prefixed=True))
    for stream in STREAMS:
        topic = prefix + stream.topic
        result.append(Grant(OPERATOR, TOPIC, dead_letter_topic(topic), "READ"))
        if stream.consumers:
            result += [Grant(OPERATOR, TOPIC, topic, "READ"), Grant(OPERATOR, TOPIC, topic, "WRITE")]
    result.append(Grant(OPERATOR, GROUP, prefix + GROUP_PREFIX, "DESCRIBE", prefixed=True))
    return sorted(set(result))


@dataclass(frozen=True)
class Replication:
    """How many brokers hold each partition, and how many in-sync ones a write needs before it is acknowledged."""

    factor: int
    min_insync: int


def replication_for(brokers: int) -> Replication:
    """Three replicas of which two in sync on a cluster of three or more brokers; all of them on a smaller one.

    Two in-sync replicas of three let a broker fail (or restart) without refusing writes, and
    never acknowledge a write only one broker holds; with fewer brokers there is nothing to spare.
    """
    if brokers < 1:
        raise ValueError(f"a cluster has at least one broker, not {brokers}")
    factor = min(brokers, 3)
    return Replication(factor, 2 if factor >= 3 else 1)


class AclRefusedError(RuntimeError):
    """The broker did not create or delete an ACL (the principal is not a super user, or no authorizer)."""


async def _send(admin: AIOKafkaAdminClient, request: Any) -> Any:
    # aiokafka 0.14 has the CreateAcls/DeleteAcls protocol messages but no public method for them.
    return await admin._send_request(request)


@contextlib.asynccontextmanager
async def _admin(settings: CommonSettings) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(**kafka_connection(settings), client_id="lienthong-acls")
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


async def create(admin: AIOKafkaAdminClient, grant: Grant) -> None:
    """Create one ACL (creating an existing one changes nothing)."""
    pattern = PREFIXED if grant.prefixed else LITERAL
    request = CreateAclsRequest(
        grant.resource, grant.name, pattern, f"User:{grant.principal}", "*", OPERATIONS[grant.operation], ALLOW
    )
    response = await _send(admin, request)
    for error_code, message in response.creation_responses:
        if error_code:
            raise AclRefusedError(f"{grant}: {for_code(error_code).__name__} {message or ''}".strip())


async def delete_acls(admin: AIOKafkaAdminClient, resource: int, name: str, pattern: int = LITERAL) -> None:
    """Delete every ACL on the topic or group ``name`` (with that pattern type)."""
    request = DeleteAclsRequest(resource, name, pattern, None, None, ANY_OPERATION, ANY_PERMISSION)
    response = await _send(admin, request)
    for error_code, message, *_ in response.filter_responses:
        if error_code:
            raise AclRefusedError(f"deleting ACLs of {name}: {for_code(error_code).__name__} {message or ''}".strip())


async def create_topics(admin: AIOKafkaAdminClient, names: Iterable[str], partitions: int, brokers: int) -> None:
    """Create those of ``names`` that are missing, replicated for a cluster of ``brokers`` (others stay as they are)."""
    replication = replication_for(brokers)
    existing = set(await admin.list_topics())
    config = {"min.insync.replicas": str(replication.min_insync)}
    missing = [NewTopic(n, partitions, replication.factor, topic_configs=config) for n in names if n not in existing]
    if missing:
        # Another administrator (a test run's) may create them at the same moment.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(missing)


async def apply(settings: CommonSettings, prefix: str, brokers: int | None = None) -> int:
    """Create the deployment's topics and its ACLs; returns how many grants it holds.

    The topics are replicated for ``brokers`` (default: the brokers the cluster's metadata lists now).
    """
    wanted = grants(prefix)
    async with _admin(settings) as admin:
        if brokers is None:
            brokers = len((await admin.describe_cluster())["brokers"])
        await create_topics(admin, all_topics(prefix), settings.topic_partitions, brokers)
        for grant in wanted:
            await create(admin, grant)
    return len(wanted)


async def revoke(settings: CommonSettings, prefix: str, topics: Iterable[str] | None = None) -> None:
    """Delete the ACLs of the deployment ``prefix``: on ``topics`` (default: all of its topics) and on its groups."""
    async with _admin(settings) as admin:
        for topic in all_topics(prefix) if topics is None else topics:
            await delete_acls(admin, TOPIC, topic)
        for grant in grants(prefix):
            if grant.resource == GROUP:
                await delete_acls(admin, GROUP, grant.name, PREFIXED)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kafka_acls.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["apply", "revoke", "show"])
    parser.add_argument("--prefix", default=None, help="topic prefix (default: LIENTHONG_TOPIC_PREFIX, else none)")
    parser.add_argument(
        "--brokers", type=int, default=None, help="the cluster's size, for the replication (default: brokers up now)"
    )
    args = parser.parse_args(argv)
    settings = CommonSettings()
    prefix = settings.topic_prefix if args.prefix is None else args.prefix
    if args.command == "show":
        print("\n".join(map(str, grants(prefix))))
    elif args.command == "apply":
        count = asyncio.run(apply(settings, prefix, args.brokers))
        print(f"kafka_acls: {len(all_topics(prefix))} topics and {count} ACLs in place for prefix {prefix!r}")
    else:
        asyncio.run(revoke(settings, prefix))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
