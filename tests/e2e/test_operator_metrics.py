"""Each service serves Prometheus metrics at /metrics, read from the real broker and database."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from stack import DEFAULT_PORTS, ServiceStack

from shared.contracts import STREAMS, DossierStatusChanged, DossierSubmitted, TaskAssigned, dead_letter_topic, topic_of
from shared.contracts.cloudevents import headers_for
from shared.kernel.consumers import consumer_group
from shared.kernel.settings import CommonSettings
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, act, ledger, open_task, submit
from tests.support.kafka import publish_raw
from tests.support.waiting import eventually

DURATION_COUNT = "faststream_received_processed_messages_duration_seconds_count"
OUR_METRICS = {
    "lienthong_outbox_backlog",
    "lienthong_outbox_oldest_age_seconds",
    "lienthong_consumer_lag",
    "lienthong_dead_letters",
    "lienthong_task_deadline_marks",
    "lienthong_unit_on_time_ratio",
    "faststream_received_messages",
    "faststream_received_processed_messages_duration_seconds",
    "faststream_published_messages",
}


async def _samples(http: httpx.AsyncClient, url: str) -> tuple[set[str], list[Sample]]:
    response = await http.get(f"{url}/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    families = list(text_string_to_metric_families(response.text))
    return {f.name for f in families}, [s for f in families for s in f.samples]


def _value(samples: list[Sample], name: str, **labels: str) -> float:
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


async def test_every_service_exposes_the_operator_metrics(http: httpx.AsyncClient, stack: ServiceStack) -> None:
    for service in DEFAULT_PORTS:
        names, samples = await _samples(http, stack.url(service))
        assert names >= OUR_METRICS, f"{service} lacks {OUR_METRICS - names}"
        assert _value(samples, "lienthong_metrics_refresh_failures_total") == 0, f"{service} could not read a source"


async def test_metrics_follow_a_dossier_through_topics_lag_and_outbox(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings
) -> None:
    before = {service: (await _samples(http, stack.url(service)))[1] for service in DEFAULT_PORTS}
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU))["code"]
    await open_task(http, stack.url("department"), "17179.VP", code)
    await ledger(http, stack.url("notification"), code, 2)
    submitted = topic_of(DossierSubmitted, settings.topic_prefix)
    assigned = topic_of(TaskAssigned, settings.topic_prefix)
    status = topic_of(DossierStatusChanged, settings.topic_prefix)

    def grew(service: str, samples: list[Sample], name: str, **labels: str) -> bool:
        return _value(samples, name, **labels) > _value(before[service], name, **labels)

    async def counted() -> bool:
        intake = (await _samples(http, stack.url("intake")))[1]
        routing = (await _samples(http, stack.url("routing")))[1]
        department = (await _samples(http, stack.url("department")))[1]
        return (
            grew("intake", intake, "faststream_published_messages_total", destination=submitted)
            and grew("routing", routing, "faststream_received_messages_total", handler=submitted)
            and grew("routing", routing, "faststream_published_messages_total", destination=assigned)
            and grew("department", department, "faststream_received_messages_total", handler=assigned)
            and grew("department", department, DURATION_COUNT, handler=assigned)
        )

    await eventually(counted, what="the dossier's events counted where they were published and consumed")

    async def caught_up() -> list[Sample] | None:
        samples = (await _samples(http, stack.url("notification")))[1]
        lags = [s for s in samples if s.name == "lienthong_consumer_lag" and s.labels["topic"] == status]
        return samples if len(lags) == settings.topic_partitions and all(s.value == 0 for s in lags) else None

    notification = await eventually(caught_up, what="notification's status lag back to 0 on each partition")
    # One lag per group and partition, and one dead-letter gauge per topic, for each stream notification reads.
    consumed = [stream for stream in STREAMS if "notification" in stream.consumers]
    lags = [s.labels for s in notification if s.name == "lienthong_consumer_lag"]
    assert {(lag["group"], lag["topic"]) for lag in lags} == {
        (consumer_group("notification", stream, settings.topic_prefix), settings.topic_prefix + stream.topic)
        for stream in consumed
    }
    dead_letters = {s.labels["topic"] for s in notification if s.name == "lienthong_dead_letters"}
    assert dead_letters == {dead_letter_topic(settings.topic_prefix + stream.topic) for stream in consumed}

    async def outbox_drained() -> list[Sample] | None:
        samples = (await _samples(http, stack.url("routing")))[1]
        return samples if _value(samples, "lienthong_outbox_backlog") == 0 else None

    routing = await eventually(outbox_drained, what="routing's outbox drained")
    assert _value(routing, "lienthong_outbox_oldest_age_seconds") == 0


async def test_deadline_marks_published_by_department_are_counted_per_unit_and_kind(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings
) -> None:
    unit = "17179.VHXH"  # no other test gives this unit a task
    now = datetime.now(UTC)
    event = TaskAssigned(
        dossier_id=uuid.uuid4(),
        dossier_code="000.01.15.H40-261122-9101",
        task_id=uuid.uuid4(),
        task_key="register-birth",
        stage=0,
        unit_code=unit,
        procedure_code="1.001193",
        assigned_at=now - timedelta(hours=1),
        due_at=now + timedelta(seconds=2),
    )
    await publish_raw(
        settings,
        topic_of(TaskAssigned, settings.topic_prefix),
        event.model_dump_json().encode(),
        key=str(event.dossier_id).encode(),
        headers=headers_for(event, source="routing").as_kafka_headers(),
    )

    async def both_marks() -> list[Sample] | None:
        samples = (await _samples(http, stack.url("department")))[1]
        marks = [s for s in samples if s.name == "lienthong_task_deadline_marks_total" and s.labels["unit"] == unit]
        return marks if {s.labels["kind"] for s in marks if s.value >= 1} == {"warning", "overdue"} else None

    await eventually(both_marks, timeout=60, what=f"a warning and an overdue mark of {unit} counted")


async def test_the_on_time_ratio_per_unit_is_the_public_boards_figure(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    code = (await submit(http, stack.url("intake"), BIRTH_IN_QUYNH_LUU))["code"]
    task = await open_task(http, stack.url("department"), "17179.VP", code)
    await act(http, stack.url("department"), task, "approve")
    board = (await http.get(f"{stack.url('department')}/v1/units/17179.VP/stats")).json()
    assert board["total"]["completed"] >= 1

    _, samples = await _samples(http, stack.url("department"))
    ratios = [s for s in samples if s.name == "lienthong_unit_on_time_ratio" and s.labels == {"unit": "17179.VP"}]
    assert [s.value for s in ratios] == [board["total"]["on_time_rate"]]
