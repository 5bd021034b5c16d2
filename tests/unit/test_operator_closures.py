"""``lienthong closures``: what the CLI sends routing, what it makes of the answers, and its argument errors."""

import json
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import pytest

from operations import build_parser, closures
from operations.service_api import ServiceClient, ServiceRefusedError
from operations.tokens import OperatorCredentials

CLOSURE_ID = uuid4()
DECISION = closures.ClosureDecision("45/QĐ-UBND", date(2026, 11, 22), "Ủy ban nhân dân tỉnh Nghệ An")


def answered(body: dict[str, Any], concerned: int | None = 3) -> dict[str, Any]:
    return {
        "id": str(CLOSURE_ID),
        "province_code": body.get("province_code", "40"),
        "communes": body.get("communes", ["17179"]),
        "first_day": body.get("first_day", "2026-11-25"),
        "last_day": body.get("last_day", "2026-11-27"),
        "reason": "bão",
        "decision": {"number": DECISION.number, "issued_on": "2026-11-22", "issuer": DECISION.issuer},
        "declared_by": "operator:ops",
        "declared_at": "2026-11-23T02:00:00Z",
        "ended_at": None,
        "dossiers_concerned": concerned,
    }


def client(answer: Any) -> ServiceClient:
    return ServiceClient(
        {"routing": "http://routing.test"},
        transport=httpx.MockTransport(answer),
        credentials=OperatorCredentials(token="t"),
    )


async def test_a_declared_closure_is_sent_to_routing_with_its_decision_and_read_back() -> None:
    sent: list[httpx.Request] = []

    def routing(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(201, json=answered(json.loads(request.content)))

    async with client(routing) as services:
        declared = await closures.declare(
            services,
            province_code="40",
            communes=["17179"],
            first_day=date(2026, 11, 25),
            last_day=date(2026, 11, 27),
            reason="bão",
            decision=DECISION,
        )

    assert (sent[0].method, sent[0].url.path) == ("POST", "/v1/closures")
    assert sent[0].headers["Authorization"] == "Bearer t"
    body = json.loads(sent[0].content)
    assert body["decision"] == {"number": "45/QĐ-UBND", "issued_on": "2026-11-22", "issuer": DECISION.issuer}
    assert (declared.id, declared.communes, declared.dossiers_concerned) == (CLOSURE_ID, ["17179"], 3)
    assert declared.last_day == date(2026, 11, 27)


async def test_ending_and_extending_name_the_closure_and_a_refusal_names_the_field() -> None:
    def routing(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/end"):
            return httpx.Response(200, json=answered({"last_day": "2026-11-25"}))
        problem = {"title": "Change refused", "errors": [{"field": "last_day", "reason": "does not extend it"}]}
        return httpx.Response(409, json=problem)

    async with client(routing) as services:
        ended = await closures.end(services, CLOSURE_ID, date(2026, 11, 26))
        with pytest.raises(ServiceRefusedError, match="routing answered 409: last_day: does not extend it"):
            await closures.extend(services, CLOSURE_ID, date(2026, 11, 20))

    assert ended.last_day == date(2026, 11, 25)


def test_bad_days_and_ids_are_refused_before_anything_is_sent(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["closures", "end", "not-an-id", "--reopened-on", "2026-11-26"])
    assert "not a closure id" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["closures", "extend", str(CLOSURE_ID), "--to", "27/11/2026"])
    assert "is not a day as YYYY-MM-DD" in capsys.readouterr().err
    place = ["--province", "40", "--commune", "17179", "--commune", "17180", "--from", "2026-11-25"]
    decided = ["--to", "2026-11-27", "--reason", "bão", "--decision", "45/QĐ-UBND", "--decision-date", "2026-11-22"]
    args = parser.parse_args(["closures", "declare", *place, *decided, "--issuer", "UBND tỉnh Nghệ An", "--json"])
    assert (args.communes, args.first_day, args.json) == (["17179", "17180"], date(2026, 11, 25), True)
