"""How kafka_acls.py replicates a deployment's topics for the size of its cluster."""

import pytest
from kafka_acls import Replication, replication_for


@pytest.mark.parametrize(
    ("brokers", "expected"),
    [(1, Replication(1, 1)), (2, Replication(2, 1)), (3, Replication(3, 2)), (5, Replication(3, 2))],
)
def test_three_replicas_two_in_sync_from_three_brokers_else_every_broker(brokers: int, expected: Replication) -> None:
    assert replication_for(brokers) == expected


def test_a_cluster_without_brokers_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one broker"):
        replication_for(0)
