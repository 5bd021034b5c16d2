"""Routing played by a test: a ``task.assigned`` published on the task-orders stream, due when the test says."""

import uuid
from datetime import UTC, datetime, timedelta

from shared.contracts import TaskAssigned, topic_of
from shared.contracts.cloudevents import headers_for
from shared.kernel.settings import CommonSettings
from tests.support.kafka import publish_raw


async def assign(
    settings: CommonSettings,
    *,
    unit: str,
    code: str,
    task_key: str,
    due_at: datetime,
    assigned_ago: timedelta = timedelta(hours=1),
) -> uuid.UUID:
    """A task of ``unit`` for dossier ``code`` assigned ``assigned_ago``, due at ``due_at``; its id."""
    event = TaskAssigned(
        dossier_id=uuid.uuid4(),
        dossier_code=code,
        task_id=uuid.uuid4(),
        task_key=task_key,
        stage=0,
        unit_code=unit,
        procedure_code="1.001193",
        assigned_at=datetime.now(UTC) - assigned_ago,
        due_at=due_at,
    )
    headers = headers_for(event, source="routing").as_kafka_headers()
    topic = topic_of(TaskAssigned, settings.topic_prefix)
    await publish_raw(
        settings, topic, event.model_dump_json().encode(), key=str(event.dossier_id).encode(), headers=headers
    )
    return event.task_id
