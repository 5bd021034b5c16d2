"""The clerk API of the running department service: inbox, detail, versions, claims, audit, change feed."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from stack import ServiceStack
from standins.process import StandinServers

from shared.reference.data import catalogue
from tests.support import clerks
from tests.support.dossiers import LAND_IN_QUYNH_LUU, dossier_status, open_task
from tests.support.journey import hand_in_supplements, received

# Xã Anh Sơn (Nghệ An): a commune no other test files dossiers for, so its inbox holds only these.
ANH_SON = "17329"
ANH_SON_KT = f"{ANH_SON}.KT"
LAND_IN_ANH_SON = {**LAND_IN_QUYNH_LUU, "commune_code": ANH_SON}
BUSINESS_IN_ANH_SON = {**LAND_IN_ANH_SON, "procedure_code": "1.001612"}


def _url(stack: ServiceStack, path: str) -> str:
    return stack.url("department") + path


async def _fresh_task(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers, dossier: dict[str, Any] = LAND_IN_QUYNH_LUU
) -> dict[str, Any]:
    """A task of the dossier filed (its fee paid), open in its commune's economic section."""
    code = (await received(http, stack.url("intake"), standins, dossier))["code"]
    unit = f"{dossier['commune_code']}.KT"
    return await open_task(http, stack.url("department"), unit, code)


async def _post(
    http: httpx.AsyncClient,
    stack: ServiceStack,
    task: dict[str, Any],
    action: str,
    body: dict[str, Any] | None = None,
    *roles: str,
    clerk: str | None = None,
    key: str | None = None,
) -> httpx.Response:
    headers = clerks.headers(task["unit_code"], *roles, clerk=clerk, version=task["version"])
    if key:
        headers["Idempotency-Key"] = key
    return await http.post(_url(stack, f"/v1/tasks/{task['id']}/{action}"), json=body, headers=headers)


async def _detail(http: httpx.AsyncClient, stack: ServiceStack, task: dict[str, Any]) -> httpx.Response:
    response = await http.get(_url(stack, f"/v1/tasks/{task['id']}"), headers=clerks.headers(task["unit_code"]))
    assert response.status_code == 200, response.text
    return response


async def test_the_inbox_filters_sorts_by_due_time_and_pages_with_an_opaque_cursor(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    filed = [LAND_IN_ANH_SON, BUSINESS_IN_ANH_SON, LAND_IN_ANH_SON]
    codes = [(await received(http, stack.url("intake"), standins, dossier))["code"] for dossier in filed]
    for code in codes:
        await open_task(http, stack.url("department"), ANH_SON_KT, code)
    inbox = _url(stack, f"/v1/units/{ANH_SON_KT}/tasks")
    auth = clerks.headers(ANH_SON_KT, "receiver")

    pages: list[list[dict[str, Any]]] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        body = (await http.get(inbox, params=params, headers=auth)).json()
        pages.append(body["items"])
        if body["next_cursor"] is None:
            break
        params = {"limit": 2, "cursor": body["next_cursor"]}
    tasks = [t for page in pages for t in page]
    assert [len(page) for page in pages] == [2, 1]
    assert sorted(t["dossier_code"] for t in tasks) == sorted(codes)
    keys = [(t["due_at"], t["assigned_at"], t["id"]) for t in tasks]
    assert keys == sorted(keys), "soonest due first"

    async def codes_where(**query: Any) -> list[str]:
        response = await http.get(inbox, params=query, headers=auth)
        assert response.status_code == 200, response.text
        return sorted(t["dossier_code"] for t in response.json()["items"])

    assert await codes_where(field="land") == sorted([codes[0], codes[2]])
    assert await codes_where(procedure="1.001612") == [codes[1]]
    assert await codes_where(field="land", procedure="1.001612") == []
    assert await codes_where(status=["open", "waiting"]) == sorted(codes)
    assert await codes_where(status="approved") == []
    assert await codes_where(overdue="true") == []
    assert await codes_where(overdue="false") == sorted(codes)
    earliest = min(datetime.fromisoformat(t["due_at"]) for t in tasks)
    before = (earliest + timedelta(seconds=1)).isoformat()
    assert await codes_where(due_before=before) == sorted(
        t["dossier_code"] for t in tasks if t["due_at"] == tasks[0]["due_at"]
    )
    unknown = await http.get(inbox, params={"field": "astrology"}, headers=auth)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "query.field"
    forged_cursor = await http.get(inbox, params={"cursor": "bm90IGEgY3Vyc29y"}, headers=auth)
    assert forged_cursor.status_code == 422
    assert forged_cursor.json()["errors"][0]["field"] == "query.cursor"


async def test_a_task_shows_its_dossier_the_procedures_documents_and_its_whole_history(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    task = await _fresh_task(http, stack, standins)
    claimed = await _post(http, stack, task, "claim", None, "handler", clerk="lan")
    assert claimed.status_code == 200, claimed.text
    assert claimed.headers["etag"] == f'"{task["version"] + 1}"'
    comment = await _post(http, stack, claimed.json(), "comments", {"text": "Đã hẹn đo đạc"}, "handler", clerk="lan")
    assert comment.status_code == 201, comment.text

    response = await _detail(http, stack, task)
    detail = response.json()
    procedure = catalogue().find("1.013978")
    assert procedure is not None
    assert response.headers["etag"] == f'"{task["version"] + 1}"', "a comment does not change the task"
    assert detail["task"]["claimed_by"] == "lan"
    assert detail["dossier"] | {"id": None} == {
        "id": None,
        "code": task["dossier_code"],
        "procedure_code": "1.013978",
        "procedure_name_vi": procedure.name_vi,
        "procedure_name_en": procedure.name_en,
        "field": "land",
        "level": procedure.level,
        "working_days": procedure.working_days,
        "supplement_once": procedure.supplement_once,
    }
    assert [d["name_en"] for d in detail["documents"]] == [d.name_en for d in procedure.documents]
    history = detail["history"]
    assert [(h["action"], h["actor"], h["by_clerk"]) for h in history] == [
        ("assigned", "routing", False),
        ("claimed", "lan", True),
        ("commented", "lan", True),
    ]
    assert history[2]["detail"] == {"text": "Đã hẹn đo đạc"}
    assert all(len(h["trace_id"]) == 32 for h in history[1:])


async def test_of_two_clerks_acting_on_one_version_exactly_one_succeeds(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    task = await _fresh_task(http, stack, standins)

    claims = await asyncio.gather(
        *(_post(http, stack, task, "claim", None, "handler", clerk=name) for name in ("lan", "minh"))
    )
    assert sorted(r.status_code for r in claims) == [200, 409]
    winner = next(r for r in claims if r.status_code == 200).json()
    loser = next(r for r in claims if r.status_code == 409).json()
    assert loser["errors"][0]["field"] == "If-Match"

    approvals = await asyncio.gather(
        *(_post(http, stack, winner, "approve", None, "approver", clerk=name) for name in ("hoa", "binh"))
    )
    assert sorted(r.status_code for r in approvals) == [200, 409]
    detail = (await _detail(http, stack, task)).json()
    assert [h["action"] for h in detail["history"]] == ["assigned", "claimed", "approved"]
    assert detail["task"]["version"] == task["version"] + 2


async def test_a_stale_version_changes_nothing_and_a_missing_one_is_asked_for(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    task = await _fresh_task(http, stack, standins)
    assert (await _post(http, stack, task, "claim", None, "handler")).status_code == 200

    stale = await _post(http, stack, task, "return", {"reason": "không thuộc thẩm quyền"}, "handler")
    assert stale.status_code == 409
    assert "version" in stale.json()["errors"][0]["reason"]
    missing = await http.post(
        _url(stack, f"/v1/tasks/{task['id']}/return"),
        json={"reason": "x"},
        headers=clerks.headers(task["unit_code"], "handler"),
    )
    assert missing.status_code == 428
    assert (await _detail(http, stack, task)).json()["task"]["status"] == "open"


async def test_a_retried_action_with_its_idempotency_key_gets_the_first_answer(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    task = await _fresh_task(http, stack, standins)
    body = {"missing": ["Sơ đồ thửa đất"]}

    first = await _post(http, stack, task, "supplement-request", body, "handler", key="k-1")
    again = await _post(http, stack, task, "supplement-request", body, "handler", key="k-1")
    other = await _post(http, stack, task, "supplement-request", {"missing": ["x"]}, "handler", key="k-1")

    assert first.status_code == again.status_code == 200, first.text
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert other.status_code == 409
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    history = (await _detail(http, stack, task)).json()["history"]
    assert [h["action"] for h in history] == ["assigned", "supplements-requested"]


async def test_claims_keep_other_handlers_off_until_released(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    task = await _fresh_task(http, stack, standins)
    claimed = (await _post(http, stack, task, "claim", None, "handler", clerk="lan")).json()

    by_other = await _post(
        http, stack, claimed, "return", {"reason": "không thuộc thẩm quyền"}, "handler", clerk="minh"
    )
    assert by_other.status_code == 409
    assert by_other.json()["errors"][0]["field"] == "claimed_by"
    not_theirs = await _post(http, stack, claimed, "release", None, "handler", clerk="minh")
    assert not_theirs.status_code == 409
    released = await _post(http, stack, claimed, "release", None, "handler", clerk="lan")
    assert released.status_code == 200
    assert released.json()["claimed_by"] is None
    taken = await _post(http, stack, released.json(), "claim", None, "handler", clerk="minh")
    assert taken.status_code == 200
    assert taken.json()["claimed_by"] == "minh"


async def test_a_task_asks_for_supplements_once_where_the_procedure_says_so(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    task = await _fresh_task(http, stack, standins)
    asked = await _post(http, stack, task, "supplement-request", {"missing": ["Sơ đồ thửa đất"]}, "handler")
    assert asked.status_code == 200, asked.text
    await dossier_status(http, stack.url("intake"), task["dossier_code"], "waiting")
    supplied = await hand_in_supplements(http, stack.url("intake"), task["dossier_code"], ["Sơ đồ thửa đất"])
    assert supplied.status_code == 202, supplied.text
    resumed = await open_task(http, stack.url("department"), task["unit_code"], task["dossier_code"])

    again = await _post(http, stack, resumed, "supplement-request", {"missing": ["Bản sao CCCD"]}, "handler")

    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "missing"
    assert "one supplement request" in again.json()["errors"][0]["reason"]


async def test_supervisors_read_the_units_audit_log_of_clerks_actions(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    task = await _fresh_task(http, stack, standins, LAND_IN_ANH_SON)
    claimed = (await _post(http, stack, task, "claim", None, "handler", clerk="lan")).json()
    await _post(http, stack, claimed, "approve", {"note": "đủ điều kiện"}, "approver", clerk="hoa")
    audit = _url(stack, f"/v1/units/{ANH_SON_KT}/audit")

    response = await http.get(audit, params={"task": task["id"]}, headers=clerks.headers(ANH_SON_KT, "supervisor"))

    assert response.status_code == 200, response.text
    entries = response.json()["items"]
    assert [(e["actor"], e["action"], e["status_before"], e["status_after"]) for e in entries] == [
        ("hoa", "approved", "open", "approved"),
        ("lan", "claimed", "open", "open"),
    ]
    assert {e["unit_code"] for e in entries} == {ANH_SON_KT}
    assert {e["task_id"] for e in entries} == {task["id"]}
    assert all(len(e["trace_id"]) == 32 and e["at"] for e in entries)
    first_page = await http.get(audit, params={"limit": 1}, headers=clerks.headers(ANH_SON_KT, "supervisor"))
    assert len(first_page.json()["items"]) == 1
    assert first_page.json()["next_cursor"]


@pytest.fixture
async def feed(stack: ServiceStack) -> AsyncIterator[Any]:
    """Opens a unit's change feed and yields its parsed events as they come."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(10, read=30)) as client:

        async def events(unit: str, **headers: str) -> AsyncIterator[dict[str, Any]]:
            url = _url(stack, f"/v1/units/{unit}/events")
            async with client.stream("GET", url, headers={**clerks.headers(unit, "receiver"), **headers}) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                event: dict[str, Any] = {}
                async for line in response.aiter_lines():
                    if not line:
                        if event:
                            yield event
                        event = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        event[name] = value.strip()

        yield events


async def test_the_change_feed_streams_a_units_task_changes_and_replays_after_last_event_id(
    http: httpx.AsyncClient, stack: ServiceStack, feed: Any, standins: StandinServers
) -> None:
    task = await _fresh_task(http, stack, standins)
    stream = feed(task["unit_code"])
    assert (await anext(stream))["event"] == "ready"

    claimed = await _post(http, stack, task, "claim", None, "handler", clerk="lan")
    assert claimed.status_code == 200

    async def changed() -> dict[str, Any]:
        while True:
            event = await anext(stream)
            if event.get("event") == "task-changed" and json.loads(event["data"])["task_id"] == task["id"]:
                found: dict[str, Any] = event
                return found

    event = await asyncio.wait_for(changed(), timeout=20)
    change = json.loads(event["data"])
    assert (change["action"], change["status"], change["version"]) == ("claimed", "open", task["version"] + 1)
    await stream.aclose()

    released = await _post(http, stack, claimed.json(), "release", None, "handler", clerk="lan")
    assert released.status_code == 200
    resumed = feed(task["unit_code"], **{"Last-Event-ID": event["id"]})
    assert (await anext(resumed))["event"] == "ready"

    async def replayed() -> dict[str, Any]:
        while True:
            event = await anext(resumed)
            change: dict[str, Any] = json.loads(event.get("data", "{}"))
            if event.get("event") == "task-changed" and change["task_id"] == task["id"]:
                return change

    assert (await asyncio.wait_for(replayed(), timeout=20))["action"] == "released"
    await resumed.aclose()


async def test_the_feed_of_another_unit_is_not_found(http: httpx.AsyncClient, stack: ServiceStack) -> None:
    response = await http.get(_url(stack, "/v1/units/40.SNNMT/events"), headers=clerks.headers("17179.KT"))

    assert response.status_code == 404


async def test_an_extension_needs_a_later_working_day_and_keeps_its_event(
    http: httpx.AsyncClient, stack: ServiceStack, standins: StandinServers
) -> None:
    task = await _fresh_task(http, stack, standins)
    due = datetime.fromisoformat(task["due_at"]).astimezone(UTC)

    earlier = await _post(http, stack, task, "extension", {"new_due_date": "2020-01-02", "reason": "x"}, "handler")

    assert earlier.status_code == 409
    assert earlier.json()["errors"][0]["field"] == "new_due_date"
    assert due > datetime(2020, 1, 2, tzinfo=UTC)
