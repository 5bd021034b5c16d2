"""``stack.py``'s instances: names, ports, instance ids and consumers per stream of several processes of a service."""

from pathlib import Path

import pytest
from stack_config import Kept, kept_environment, parse_ports
from stack_instances import instance_env, instance_keys, instance_ports, parse_counts, split_key
from stack_services import INSTANCE_MARKER, ServiceStack


def test_the_first_instance_keeps_the_services_name_and_the_others_are_numbered() -> None:
    assert instance_keys({"routing": 3}, ["intake", "routing"]) == ["intake", "routing", "routing-2", "routing-3"]
    assert split_key("routing") == ("routing", 1)
    assert split_key("notification-12") == ("notification", 12)
    for wrong in ("routing-1", "routing-02", "routing-x", "billing-2", "routing2"):
        with pytest.raises(ValueError, match=wrong):
            split_key(wrong)


def test_an_instance_without_a_port_listens_a_hundred_above_the_one_before() -> None:
    ports = instance_ports({"intake": 8001, "routing": 8002, "routing-3": 9000}, {"routing": 3})
    assert ports == {"intake": 8001, "routing": 8002, "routing-2": 8102, "routing-3": 9000}


def test_instances_never_share_an_instance_id_and_together_hold_one_consumer_per_partition() -> None:
    ids = {
        instance_env(key, 3, port, {})["LIENTHONG_INSTANCE_ID"]
        for key, port in (("routing", 8002), ("routing-2", 8102), ("routing-3", 8202))
    }
    assert len(ids) == 3
    named = [instance_env(key, 2, 1, {"LIENTHONG_INSTANCE_ID": "hue"}) for key in ("intake", "intake-2")]
    assert [env["LIENTHONG_INSTANCE_ID"] for env in named] == ["hue", "hue-2"]
    assert [env["LIENTHONG_CONSUMERS_PER_STREAM"] for env in named] == ["3", "3"], "6 partitions, 2 instances"
    assert instance_env("routing-2", 4, 1, {"LIENTHONG_TOPIC_PARTITIONS": "6"})["LIENTHONG_CONSUMERS_PER_STREAM"] == "2"
    assert "LIENTHONG_CONSUMERS_PER_STREAM" not in instance_env("routing", 1, 1, {}), "one instance: one per partition"
    assert "LIENTHONG_CONSUMERS_PER_STREAM" not in instance_env(
        "routing", 2, 1, {"LIENTHONG_CONSUMERS_PER_STREAM": "1"}
    )


def test_counts_and_ports_are_parsed_or_refused_naming_the_item() -> None:
    assert parse_counts("all=2,routing=3") == {"intake": 2, "routing": 3, "department": 2, "notification": 2}
    assert parse_ports("intake=9001,intake-2=9101") == {"intake": 9001, "intake-2": 9101}
    for wrong in ("routing=0", "billing=2", "routing"):
        with pytest.raises(ValueError, match=wrong):
            parse_counts(wrong)
    with pytest.raises(ValueError, match="routing-1=9"):
        parse_ports("routing-1=9")


def test_the_kept_environment_leaves_out_what_is_the_instances_own(tmp_path: Path) -> None:
    environ = {"LIENTHONG_TOPIC_PREFIX": "p.", INSTANCE_MARKER: "routing-2", "LIENTHONG_HTTP_PORT": "1", "PATH": "/x"}
    assert kept_environment(environ) == {"LIENTHONG_TOPIC_PREFIX": "p."}
    Kept({"A": "b"}, {"routing": 1, "routing-2": 2}, {"routing": 2}).write(tmp_path / "stack.json")
    assert Kept.read(tmp_path / "stack.json") == Kept({"A": "b"}, {"routing": 1, "routing-2": 2}, {"routing": 2})
    assert Kept.read(tmp_path / "absent.json") == Kept()


def test_a_service_name_stands_for_all_its_instances_and_an_instance_for_itself(tmp_path: Path) -> None:
    stack = ServiceStack(tmp_path, ports={"intake": 1, "routing": 2, "routing-2": 3})
    assert stack.names(["routing"]) == ["routing", "routing-2"]
    assert stack.names(["routing-2", "intake"]) == ["routing-2", "intake"]
    assert stack.names() == ["intake", "routing", "routing-2"]
    assert stack.urls("routing") == ["http://127.0.0.1:2", "http://127.0.0.1:3"]
    assert ServiceStack(tmp_path, ports={}).names() == [], "no ports: no instances, not the registry's"
