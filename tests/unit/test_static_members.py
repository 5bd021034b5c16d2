"""Static group membership: each consumer of a process gets its own stable group.instance.id."""

import socket
from typing import Any

from shared.kernel.static_members import StaticMembers, instance_name


class Built:
    """A consumer builder that keeps the arguments of each consumer it was asked for."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return kwargs


def _members(build: Built, instance: str = "host-8003") -> StaticMembers:
    return StaticMembers(build, service="department", instance=instance, workers=3, session_timeout_seconds=12)


def test_each_consumer_of_a_group_has_its_own_id_the_same_at_every_start() -> None:
    build = Built()
    members = _members(build)
    defaults = {"group_instance_id": None, "session_timeout_ms": 10000, "heartbeat_interval_ms": 3000}
    for group in ("g.orders", "g.orders", "g.orders", "g.outcomes", "g.orders", "g.orders", "g.orders"):
        members(group_id=group, client_id="lienthong-department", **defaults)
    ids = [(c["group_id"], c["group_instance_id"]) for c in build.calls]
    first_start = [("g.orders", f"department.host-8003.{n}") for n in range(3)]
    assert ids == [*first_start, ("g.outcomes", "department.host-8003.0"), *first_start]
    assert {(c["session_timeout_ms"], c["heartbeat_interval_ms"]) for c in build.calls} == {(12000, 3000)}


def test_two_instances_never_share_an_id() -> None:
    ours, theirs = Built(), Built()
    _members(ours, instance_name(None, 8003))(group_id="g")
    _members(theirs, instance_name(None, 18003))(group_id="g")
    assert ours.calls[0]["group_instance_id"] == f"department.{socket.gethostname()}-8003.0"
    assert ours.calls[0]["group_instance_id"] != theirs.calls[0]["group_instance_id"]
    assert instance_name("intake-b", 8001) == "intake-b"


def test_a_consumer_without_a_group_or_with_an_id_of_its_own_is_left_as_asked() -> None:
    build = Built()
    members = _members(build)
    members(group_id=None, group_instance_id=None)
    members(group_id="g", group_instance_id="by-hand")
    assert build.calls == [
        {"group_id": None, "group_instance_id": None},
        {"group_id": "g", "group_instance_id": "by-hand"},
    ]
