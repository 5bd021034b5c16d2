"""The population database's HTTP client: what it sends, what answers mean, its timeout and circuit breaker."""

import asyncio
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from services.intake.adapters.population_db import PopulationDbClient
from services.intake.domain.identity import Person, RegistryAnswer, RegistryUnreachable

PERSON = Person("040301000123", "Hồ Thị Lan", date(2001, 5, 14))
Handler = Callable[[httpx.Request], Any]


class Server:
    """A scripted population database: answers with ``reply`` and counts the calls that reached it."""

    def __init__(self, reply: Handler) -> None:
        self.reply = reply
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.reply(request)
        if asyncio.iscoroutine(answer):
            answer = await answer
        assert isinstance(answer, httpx.Response)
        return answer


def _client(
    server: Server, *, timeout: float = 1.0, threshold: int = 3, open_seconds: float = 30.0
) -> PopulationDbClient:
    return PopulationDbClient(
        "http://population.test/",
        "s3cret",
        timeout_seconds=timeout,
        threshold=threshold,
        open_seconds=open_seconds,
        transport=httpx.MockTransport(server),
    )


def _verdict(found: bool, match: bool, mismatched: list[str] | None = None) -> Handler:
    return lambda _request: httpx.Response(200, json={"found": found, "match": match, "mismatched": mismatched or []})


async def test_it_posts_the_person_with_the_bearer_token_and_reads_the_verdict() -> None:
    server = Server(_verdict(True, False, ["full_name"]))

    result = await _client(server).verify(PERSON)

    assert result == RegistryAnswer(found=True, match=False, mismatched=("full_name",))
    [request] = server.requests
    assert request.method == "POST"
    assert str(request.url) == "http://population.test/api/v1/citizens/verify"
    assert request.headers["authorization"] == "Bearer s3cret"
    assert json.loads(request.content) == {
        "citizen_id": "040301000123",
        "full_name": "Hồ Thị Lan",
        "date_of_birth": "2001-05-14",
    }


async def test_outages_and_odd_answers_make_it_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    cases: list[tuple[Handler, str]] = [
        (lambda _r: httpx.Response(503, json={"detail": "down"}), "HTTP 503"),
        (lambda _r: httpx.Response(500), "HTTP 500"),
        (lambda _r: httpx.Response(401), "HTTP 401"),
        (lambda _r: httpx.Response(200, text="<html>maintenance</html>"), "unreadable answer"),
        (refuse, "ConnectError"),
    ]
    for reply, reason in cases:
        assert await _client(Server(reply)).verify(PERSON) == RegistryUnreachable(reason)


async def test_an_answer_slower_than_the_timeout_is_given_up() -> None:
    async def slow(_request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={"found": True, "match": True})

    started = asyncio.get_running_loop().time()
    result = await _client(Server(slow), timeout=0.1).verify(PERSON)

    assert result == RegistryUnreachable("timeout")
    assert asyncio.get_running_loop().time() - started < 1


async def test_after_three_failures_in_a_row_the_breaker_opens_and_no_call_goes_out() -> None:
    server = Server(lambda _r: httpx.Response(503))
    client = _client(server, threshold=3, open_seconds=30)

    results = [await client.verify(PERSON) for _ in range(6)]

    assert results == [RegistryUnreachable("HTTP 503")] * 3 + [RegistryUnreachable("circuit open")] * 3
    assert len(server.requests) == 3


async def test_a_success_resets_the_count_of_failures() -> None:
    replies = iter([503, 503, 200, 503, 503, 200])
    server = Server(lambda _r: httpx.Response(next(replies), json={"found": True, "match": True}))
    client = _client(server, threshold=3)

    results = [await client.verify(PERSON) for _ in range(6)]

    assert RegistryUnreachable("circuit open") not in results
    assert len(server.requests) == 6


async def test_once_open_time_is_over_one_call_goes_through_and_a_good_answer_closes_it() -> None:
    down = True
    server = Server(
        lambda _r: httpx.Response(503) if down else httpx.Response(200, json={"found": True, "match": True})
    )
    client = _client(server, threshold=2, open_seconds=0.2)
    for _ in range(3):
        await client.verify(PERSON)
    assert len(server.requests) == 2

    down = False
    await asyncio.sleep(0.25)

    assert await client.verify(PERSON) == RegistryAnswer(found=True, match=True)
    assert await client.verify(PERSON) == RegistryAnswer(found=True, match=True)
    assert len(server.requests) == 4


async def test_a_failed_trial_call_opens_the_breaker_again() -> None:
    server = Server(lambda _r: httpx.Response(503))
    client = _client(server, threshold=2, open_seconds=0.2)
    for _ in range(2):
        await client.verify(PERSON)
    await asyncio.sleep(0.25)

    assert await client.verify(PERSON) == RegistryUnreachable("HTTP 503")
    assert await client.verify(PERSON) == RegistryUnreachable("circuit open")
    assert len(server.requests) == 3
