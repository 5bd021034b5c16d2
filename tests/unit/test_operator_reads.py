"""The operator CLI's reads over the services' HTTP APIs (served here by a mock transport): timeline, retries."""

from collections.abc import Callable
from typing import Any

import httpx

from operations.deliveries import Retry, retry
from operations.service_api import ServiceClient, service_url
from operations.timeline import read_timeline

CODE = "000.01.15.H40-261122-0003"
DOSSIER_ID = "05ce4ed1-5c89-42a2-8e40-6ead32074f5a"
TRACE = "0af7651916cd43dd8448eb211c80319c"
URLS = {name: f"http://{name}.test" for name in ("intake", "routing", "department", "notification")}


def _event(topic: str, at: str, trace_id: str | None = TRACE) -> dict[str, Any]:
    return {
        "event_id": "06f0c9e1-1f99-42b0-987d-277d6a5dd703",
        "type": "vn.lienthong.example.v1",
        "topic": topic,
        "key": DOSSIER_ID,
        "created_at": at,
        "published_at": at,
        "trace_id": trace_id,
    }


ANSWERS: dict[str, Any] = {
    f"intake.test/v1/dossiers/{CODE}": {
        "procedure_code": "1.001193",
        "status": "processing",
        "received_at": "2026-11-22T01:00:00Z",
        "due_at": "2026-11-27T10:00:00Z",
        "history": [{"status": "processing", "unit": "17179.VP", "note": None, "at": "2026-11-22T01:00:02Z"}],
    },
    f"routing.test/v1/dossiers/{CODE}/plan": {
        "audit": [
            {
                "at": "2026-11-22T01:00:01Z",
                "action": "routed",
                "task_key": "register-birth",
                "from_unit": None,
                "to_unit": "17179.VP",
                "rule": None,
                "detail": "catalogue: commune:VP",
            }
        ]
    },
    f"department.test/v1/dossiers/{CODE}/tasks": [
        {
            "unit_code": "17179.VP",
            "task_key": "register-birth",
            "status": "open",
            "assigned_at": "2026-11-22T01:00:01.500Z",
            "due_at": None,
            "completed_at": None,
            "completed_by": None,
            "reason": None,
        }
    ],
    f"notification.test/v1/dossiers/{CODE}/notifications": [
        {
            "id": 1,
            "channel": "sms",
            "status": "receiving",
            "state": "dead-lettered",
            "attempts": 6,
            "last_error": "503",
            "created_at": "2026-11-22T01:00:00.500Z",
            "finished_at": "2026-11-22T01:05:00Z",
        }
    ],
    f"notification.test/v1/dossiers/{CODE}/portal-syncs": [],
    f"intake.test/v1/dossiers/{CODE}/published-events": [_event("intake.dossiers.v1", "2026-11-22T01:00:00Z")],
    f"routing.test/v1/dossiers/{CODE}/published-events": [],
    f"department.test/v1/dossiers/{CODE}/published-events": [],
}


def _services(answer: Callable[[httpx.Request], httpx.Response]) -> ServiceClient:
    return ServiceClient(URLS, transport=httpx.MockTransport(answer))


def _from_answers(request: httpx.Request) -> httpx.Response:
    found = ANSWERS.get(f"{request.url.host}{request.url.path}")
    if found is None:
        return httpx.Response(404, json={"title": "Not Found", "status": 404})
    return httpx.Response(200, json=found)


async def test_the_timeline_joins_every_services_answer_in_time_order_and_names_the_one_that_failed() -> None:
    async with _services(_from_answers) as services:
        found = await read_timeline(services, CODE)

    assert (found.procedure_code, found.status, str(found.dossier_id)) == ("1.001193", "processing", DOSSIER_ID)
    assert [(e.service, e.what) for e in found.entries] == [
        ("intake", "received, due 2026-11-27 17:00 (office time)"),
        ("intake", "published intake.dossiers.v1"),
        ("routing", "routed register-birth 17179.VP catalogue: commune:VP"),
        ("department", "task register-birth at 17179.VP assigned"),
        ("intake", "status processing at 17179.VP"),
        ("notification", "applicant told by sms: 'receiving' (dead-lettered, 6 attempts; 503)"),
    ]
    assert found.trace_ids == [TRACE]
    assert set(found.unreadable) == {"notification outbox"}, "notification answered 404 for its published events"


async def test_a_dossier_no_service_knows_has_no_entry_and_nothing_unreadable() -> None:
    def nothing(request: httpx.Request) -> httpx.Response:
        known_empty = request.url.path.endswith(("/tasks", "/notifications", "/portal-syncs", "/published-events"))
        return httpx.Response(200, json=[]) if known_empty else httpx.Response(404, json={"title": "No such dossier"})

    async with _services(nothing) as services:
        found = await read_timeline(services, CODE)

    assert (found.entries, found.unreadable) == ([], {})


async def test_an_unreachable_service_is_named_with_its_url() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with _services(refused) as services:
        found = await read_timeline(services, CODE)

    assert found.entries == []
    assert found.unreadable["routing"] == "cannot reach routing at http://routing.test: connection refused"


async def test_retries_say_which_went_back_in_line_which_were_not_dead_lettered_and_which_do_not_exist() -> None:
    bodies: list[bytes] = []

    def notification(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        delivery = request.url.path.split("/")[3]
        if delivery == "1":
            return httpx.Response(200, json={})
        if delivery == "2":
            errors = [{"field": "state", "reason": "it is delivered, not dead-lettered"}]
            return httpx.Response(409, json={"title": "Not dead-lettered", "status": 409, "errors": errors})
        return httpx.Response(404, json={"title": "No such delivery", "status": 404})

    async with _services(notification) as services:
        outcomes = await retry(services, [1, 2, 3], by="ops.an", reason="gateway back")

    assert outcomes == [
        Retry(1, True),
        Retry(2, False, why_not="it is delivered, not dead-lettered"),
        Retry(3, False, found=False),
    ]
    assert bodies[0] == b'{"by":"ops.an","reason":"gateway back"}'


def test_a_service_is_found_at_its_variable_or_at_its_registry_port() -> None:
    assert service_url("notification", {"LIENTHONG_NOTIFICATION_URL": "http://notify:9000"}) == "http://notify:9000"
    assert service_url("routing", {}) == "http://127.0.0.1:8002"
