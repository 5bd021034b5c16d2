"""The local stand-ins for the national systems and message providers (deploy/local/standins)."""

import socket
import time
import unicodedata
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx
import pytest
from fastapi import FastAPI
from standins.control import Standin
from standins.population import population_app
from standins.portal import portal_app
from standins.ports import DEFAULT_PORTS
from standins.process import StandinServers
from standins.sms import sms_app
from standins.smtp import MailRecorder, mail_app, serve_smtp
from standins.zalo import zalo_app

SMS_KEY = {"Authorization": "Bearer test-sms-key"}
ZALO_TOKEN = {"access_token": "test-zalo-token"}
PORTAL_TOKEN = {"Authorization": "Bearer test-portal-token"}
POPULATION_TOKEN = {"Authorization": "Bearer test-population-key"}


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://standin")


@pytest.fixture
async def sms() -> AsyncIterator[httpx.AsyncClient]:
    async with _client(sms_app(api_key="test-sms-key")) as client:
        yield client


@pytest.fixture
async def zalo() -> AsyncIterator[httpx.AsyncClient]:
    async with _client(zalo_app(access_token="test-zalo-token")) as client:
        yield client


@pytest.fixture
async def portal() -> AsyncIterator[httpx.AsyncClient]:
    async with _client(portal_app(token="test-portal-token")) as client:
        yield client


@pytest.fixture
async def population() -> AsyncIterator[httpx.AsyncClient]:
    async with _client(population_app(token="test-population-key")) as client:
        yield client


async def _received(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/_received")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


async def _behave(client: httpx.AsyncClient, **behaviour: Any) -> None:
    assert (await client.put("/_control", json=behaviour)).status_code == 200


# --- SMS gateway -----------------------------------------------------------------------------


def _sms(request_id: str = "notif-1", phone: str = "+84912345678", text: str = "Hồ sơ đã được tiếp nhận") -> Any:
    return {"request_id": request_id, "phone": phone, "brandname": "LIENTHONG", "text": text}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-sms-key"}])
async def test_sms_gateway_refuses_a_missing_or_wrong_key(sms: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await sms.post("/api/v1/sms/send", json=_sms(), headers=headers)

    assert response.status_code == 401
    assert "error" in response.json()
    assert await _received(sms) == []


async def test_sms_gateway_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANDIN_SMS_API_KEY", "from-env")
    async with _client(sms_app()) as client:
        assert (await client.post("/api/v1/sms/send", json=_sms(), headers=SMS_KEY)).status_code == 401
        response = await client.post("/api/v1/sms/send", json=_sms(), headers={"Authorization": "Bearer from-env"})
    assert response.status_code == 200


@pytest.mark.parametrize("phone", ["0912", "+84 912 345 678", "09123456789012345", "abc912345678"])
async def test_sms_gateway_answers_400_to_an_invalid_phone_number(sms: httpx.AsyncClient, phone: str) -> None:
    response = await sms.post("/api/v1/sms/send", json=_sms(phone=phone), headers=SMS_KEY)

    assert response.status_code == 400
    assert response.json()["error"].startswith("invalid phone number")
    assert await _received(sms) == []


@pytest.mark.parametrize(
    "body",
    [
        {**_sms(), "text": ""},
        {**_sms(), "text": "x" * 1001},
        {**_sms(), "request_id": ""},
        {**_sms(), "request_id": "r" * 101},
        {key: value for key, value in _sms().items() if key != "brandname"},
    ],
)
async def test_sms_gateway_answers_422_to_other_invalid_bodies(sms: httpx.AsyncClient, body: dict[str, str]) -> None:
    response = await sms.post("/api/v1/sms/send", json=body, headers=SMS_KEY)

    assert response.status_code == 422
    assert await _received(sms) == []


async def test_sms_gateway_accepts_a_request_id_once_and_answers_repeats_as_duplicates(
    sms: httpx.AsyncClient,
) -> None:
    first = await sms.post("/api/v1/sms/send", json=_sms("notif-1"), headers=SMS_KEY)
    again = await sms.post("/api/v1/sms/send", json=_sms("notif-1"), headers=SMS_KEY)
    other = await sms.post("/api/v1/sms/send", json=_sms("notif-2", phone="0912345678"), headers=SMS_KEY)

    assert first.status_code == again.status_code == other.status_code == 200
    assert first.json() == {"message_id": first.json()["message_id"], "status": "accepted", "duplicate": False}
    assert again.json() == {**first.json(), "duplicate": True}
    assert other.json()["message_id"] != first.json()["message_id"]
    assert other.json()["duplicate"] is False
    received = await _received(sms)
    assert [(r["route"], r["body"]["request_id"], r["duplicate"]) for r in received] == [
        ("sms", "notif-1", False),
        ("sms", "notif-1", True),
        ("sms", "notif-2", False),
    ]
    assert received[0]["body"] == _sms("notif-1")


async def test_sms_gateway_outage_answers_503_and_records_nothing(sms: httpx.AsyncClient) -> None:
    await _behave(sms, outage=True)
    down = await sms.post("/api/v1/sms/send", json=_sms("notif-1"), headers=SMS_KEY)
    await _behave(sms)
    back = await sms.post("/api/v1/sms/send", json=_sms("notif-1"), headers=SMS_KEY)

    assert down.status_code == 503
    assert back.status_code == 200
    assert back.json()["duplicate"] is False, "a request failed by the switch must not be remembered"
    assert [r["duplicate"] for r in await _received(sms)] == [False]


async def test_sms_gateway_failure_rate_answers_the_failure_status(sms: httpx.AsyncClient) -> None:
    await _behave(sms, failure_rate=1.0, failure_status=502)

    response = await sms.post("/api/v1/sms/send", json=_sms(), headers=SMS_KEY)

    assert response.status_code == 502
    assert await _received(sms) == []


async def test_sms_gateway_latency_delays_the_answer(sms: httpx.AsyncClient) -> None:
    await _behave(sms, latency_seconds=0.3)

    started = time.monotonic()
    response = await sms.post("/api/v1/sms/send", json=_sms(), headers=SMS_KEY)

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_reset_restores_the_behaviour_and_forgets_the_request_ids(sms: httpx.AsyncClient) -> None:
    await sms.post("/api/v1/sms/send", json=_sms("notif-1"), headers=SMS_KEY)
    await _behave(sms, latency_seconds=1, outage=True)
    await sms.delete("/_received")
    assert await _received(sms) == []

    assert (await sms.post("/_reset")).status_code == 204

    assert (await sms.get("/_control")).json() == {
        "latency_seconds": 0.0,
        "failure_rate": 0.0,
        "failure_status": 500,
        "outage": False,
    }
    response = await sms.post("/api/v1/sms/send", json=_sms("notif-1"), headers=SMS_KEY)
    assert response.json()["duplicate"] is False


async def test_forgetting_the_record_keeps_the_request_ids(sms: httpx.AsyncClient) -> None:
    first = await sms.post("/api/v1/sms/send", json=_sms("notif-1"), headers=SMS_KEY)
    assert (await sms.delete("/_received")).status_code == 204

    again = await sms.post("/api/v1/sms/send", json=_sms("notif-1"), headers=SMS_KEY)

    assert again.json() == {**first.json(), "duplicate": True}
    assert [r["duplicate"] for r in await _received(sms)] == [True]


# --- Zalo Official Account -------------------------------------------------------------------


def _zalo(user_id: str = "8841023511223344", text: str = "Hồ sơ của bạn đã có kết quả", **extra: Any) -> Any:
    return {"recipient": {"user_id": user_id}, "message": {"text": text}, **extra}


@pytest.mark.parametrize("headers", [{}, {"access_token": "wrong"}])
async def test_zalo_answers_an_invalid_token_with_error_216(zalo: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await zalo.post("/v3.0/oa/message/cs", json=_zalo(), headers=headers)

    assert response.status_code == 200
    assert response.json() == {"error": -216, "message": "Access token is invalid"}
    assert await _received(zalo) == []


@pytest.mark.parametrize("body", [_zalo(user_id=""), _zalo(text=""), {"recipient": {"user_id": "1"}}, []])
async def test_zalo_answers_invalid_parameters_with_error_201(zalo: httpx.AsyncClient, body: Any) -> None:
    response = await zalo.post("/v3.0/oa/message/cs", json=body, headers=ZALO_TOKEN)

    assert response.status_code == 200
    assert response.json() == {"error": -201, "message": "Parameters are invalid"}
    assert await _received(zalo) == []


async def test_zalo_sends_every_request_even_with_a_repeated_tracking_id(zalo: httpx.AsyncClient) -> None:
    first = await zalo.post("/v3.0/oa/message/cs", json=_zalo(tracking_id="t-1"), headers=ZALO_TOKEN)
    again = await zalo.post("/v3.0/oa/message/cs", json=_zalo(tracking_id="t-1"), headers=ZALO_TOKEN)
    untracked = await zalo.post("/v3.0/oa/message/cs", json=_zalo(), headers=ZALO_TOKEN)

    for response in (first, again, untracked):
        assert response.status_code == 200
        assert response.json()["error"] == 0
        assert response.json()["message"] == "Success"
        assert response.json()["data"]["user_id"] == "8841023511223344"
    assert first.json()["data"]["message_id"] != again.json()["data"]["message_id"]
    received = await _received(zalo)
    assert [(r["body"]["tracking_id"], r["duplicate"]) for r in received] == [
        ("t-1", False),
        ("t-1", True),
        (None, False),
    ]
    assert received[0]["body"]["message"]["text"] == "Hồ sơ của bạn đã có kết quả"


async def test_zalo_outage_answers_503_and_records_nothing(zalo: httpx.AsyncClient) -> None:
    await _behave(zalo, outage=True)

    response = await zalo.post("/v3.0/oa/message/cs", json=_zalo(tracking_id="t-1"), headers=ZALO_TOKEN)

    assert response.status_code == 503
    assert await _received(zalo) == []


# --- National Public Service Portal ----------------------------------------------------------


def _sync(sync_id: str = "sync-1", dossier_code: str = "000.01.15.H40-261122-0003", **changes: Any) -> Any:
    return {
        "sync_id": sync_id,
        "dossier_code": dossier_code,
        "portal_dossier_id": "G22.99-261122-0001",
        "procedure_code": "1.001193",
        "applicant_id": "040301000123",
        "applicant_name": "Hồ Thị Lan",
        "received_date": "2026-11-22T08:00:00+07:00",
        "due_date": "2026-11-27T17:00:00+07:00",
        "status_code": 2,
        "status": "processing",
        "handling_unit": "17179.VP",
        "result_date": None,
        "changed_at": "2026-11-23T09:15:00+07:00",
        **changes,
    }


async def test_portal_refuses_a_wrong_token(portal: httpx.AsyncClient) -> None:
    response = await portal.post(
        "/api/v1/dossiers/status-sync", json=_sync(), headers={"Authorization": "Bearer wrong"}
    )

    assert response.status_code == 401
    assert await _received(portal) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**_sync(), "colour": "blue"}, "colour"),
        (_sync(status_code=0), "status_code"),
        (_sync(status_code=12), "status_code"),
        (_sync(applicant_id="04030100012"), "applicant_id"),
        (_sync(applicant_id="04030100012x"), "applicant_id"),
        (_sync(changed_at="yesterday"), "changed_at"),
        ({key: value for key, value in _sync().items() if key != "procedure_code"}, "procedure_code"),
    ],
)
async def test_portal_answers_422_naming_the_invalid_field(
    portal: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await portal.post("/api/v1/dossiers/status-sync", json=body, headers=PORTAL_TOKEN)

    assert response.status_code == 422
    assert [error["loc"][-1] for error in response.json()["detail"]] == [field]


async def test_portal_takes_a_sync_id_once_and_shows_the_statuses_in_order(portal: httpx.AsyncClient) -> None:
    code = "000.01.15.H40-261122-0003"
    answers = [
        await portal.post("/api/v1/dossiers/status-sync", json=body, headers=PORTAL_TOKEN)
        for body in (
            _sync("sync-1"),
            _sync("sync-2", status_code=10, status="done", result_date="2026-11-25T10:00:00+07:00"),
            _sync("sync-1"),
            _sync("sync-3", dossier_code="000.01.15.H40-261122-0004"),
        )
    ]

    assert [answer.status_code for answer in answers] == [200] * 4
    assert [answer.json() for answer in answers] == [
        {"accepted": True, "duplicate": False},
        {"accepted": True, "duplicate": False},
        {"accepted": True, "duplicate": True},
        {"accepted": True, "duplicate": False},
    ]
    assert [(r["body"]["sync_id"], r["duplicate"]) for r in await _received(portal)] == [
        ("sync-1", False),
        ("sync-2", False),
        ("sync-1", True),
        ("sync-3", False),
    ]
    shown = (await portal.get(f"/api/v1/dossiers/{code}/statuses")).json()
    assert [(status["sync_id"], status["status_code"]) for status in shown] == [("sync-1", 2), ("sync-2", 10)]
    assert shown[0]["applicant_name"] == "Hồ Thị Lan"


async def test_portal_outage_answers_503_and_records_nothing(portal: httpx.AsyncClient) -> None:
    await _behave(portal, outage=True)

    response = await portal.post("/api/v1/dossiers/status-sync", json=_sync(), headers=PORTAL_TOKEN)

    assert response.status_code == 503
    assert await _received(portal) == []
    assert (await portal.get("/api/v1/dossiers/000.01.15.H40-261122-0003/statuses")).json() == []


# --- National Population Database ------------------------------------------------------------


async def _verify(population: httpx.AsyncClient, citizen_id: str, full_name: str, date_of_birth: str) -> Any:
    response = await population.post(
        "/api/v1/citizens/verify",
        json={"citizen_id": citizen_id, "full_name": full_name, "date_of_birth": date_of_birth},
        headers=POPULATION_TOKEN,
    )
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(
    "full_name",
    ["Hồ Thị Lan", "  hồ   THỊ\tlan ", unicodedata.normalize("NFD", "Hồ Thị Lan")],
)
async def test_population_matches_names_across_case_spacing_and_unicode_forms(
    population: httpx.AsyncClient, full_name: str
) -> None:
    verdict = await _verify(population, "040301000123", full_name, "2001-05-14")

    assert verdict == {"found": True, "match": True, "mismatched": []}


@pytest.mark.parametrize(
    ("full_name", "date_of_birth", "mismatched"),
    [
        ("Ho Thi Lan", "2001-05-14", ["full_name"]),
        ("Hồ Thị Lân", "2001-05-14", ["full_name"]),
        ("Hồ Thị Lan", "2001-05-15", ["date_of_birth"]),
        ("Trần Văn Minh", "1985-03-02", ["full_name", "date_of_birth"]),
    ],
)
async def test_population_names_the_details_that_differ(
    population: httpx.AsyncClient, full_name: str, date_of_birth: str, mismatched: list[str]
) -> None:
    verdict = await _verify(population, "040301000123", full_name, date_of_birth)

    assert verdict == {"found": True, "match": False, "mismatched": mismatched}


async def test_population_does_not_know_an_unregistered_citizen(population: httpx.AsyncClient) -> None:
    verdict = await _verify(population, "040123456789", "Nguyễn Văn An", "1923-01-01")

    assert verdict == {"found": False, "match": False, "mismatched": []}


async def test_population_register_starts_from_the_file_with_the_sample_citizens(
    population: httpx.AsyncClient,
) -> None:
    known = {(c["citizen_id"], c["full_name"], c["date_of_birth"]) for c in (await population.get("/_citizens")).json()}

    assert {
        ("040301000123", "Hồ Thị Lan", "2001-05-14"),
        ("091085004321", "Trần Văn Minh", "1985-03-02"),
        ("040079001234", "Nguyễn Văn Bình", "1979-11-20"),
    } <= known
    assert await _verify(population, "040079001234", "Nguyễn Văn Bình", "1979-11-20") == {
        "found": True,
        "match": True,
        "mismatched": [],
    }


async def test_population_register_takes_added_and_replaced_citizens_until_reset(
    population: httpx.AsyncClient,
) -> None:
    put = await population.put(
        "/_citizens",
        json=[
            {"citizen_id": "040123456789", "full_name": "Nguyễn Văn An", "date_of_birth": "1923-01-01"},
            {"citizen_id": "040301000123", "full_name": "Hồ Thị Lan Anh", "date_of_birth": "2001-05-14"},
        ],
    )
    assert put.status_code == 200

    assert (await _verify(population, "040123456789", "Nguyễn Văn An", "1923-01-01"))["match"] is True
    assert (await _verify(population, "040301000123", "Hồ Thị Lan", "2001-05-14"))["mismatched"] == ["full_name"]

    assert (await population.post("/_reset")).status_code == 204
    assert (await _verify(population, "040123456789", "Nguyễn Văn An", "1923-01-01"))["found"] is False
    assert (await _verify(population, "040301000123", "Hồ Thị Lan", "2001-05-14"))["match"] is True


async def test_population_refuses_a_wrong_token_and_invalid_dates(population: httpx.AsyncClient) -> None:
    body = {"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", "date_of_birth": "2001-05-14"}

    refused = await population.post("/api/v1/citizens/verify", json=body, headers={"Authorization": "Bearer x"})
    invalid = await population.post(
        "/api/v1/citizens/verify", json={**body, "date_of_birth": "14/05/2001"}, headers=POPULATION_TOKEN
    )

    assert refused.status_code == 401
    assert invalid.status_code == 422


async def test_population_outage_answers_503_and_records_nothing(population: httpx.AsyncClient) -> None:
    await _behave(population, outage=True)

    response = await population.post(
        "/api/v1/citizens/verify",
        json={"citizen_id": "040301000123", "full_name": "Hồ Thị Lan", "date_of_birth": "2001-05-14"},
        headers=POPULATION_TOKEN,
    )

    assert response.status_code == 503
    assert await _received(population) == []


# --- SMTP server -----------------------------------------------------------------------------


class Mail:
    """A real stand-in SMTP server on a free port, and its companion HTTP app."""

    def __init__(self, port: int, control: httpx.AsyncClient) -> None:
        self.port = port
        self.control = control

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(message, hostname="127.0.0.1", port=self.port, timeout=10)


@pytest.fixture
async def mail() -> AsyncIterator[Mail]:
    standin = Standin("mail server")
    server = await serve_smtp(MailRecorder(standin), "127.0.0.1", 0)
    try:
        async with _client(mail_app(standin)) as control:
            yield Mail(server.sockets[0].getsockname()[1], control)
    finally:
        server.close()


def _letter(message_id: str = "<n-1@lienthong.local>") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "khong-tra-loi@lienthong.gov.vn"
    message["To"] = "ho.thi.lan@example.vn"
    message["Subject"] = "Hồ sơ 000.01.15.H40-261122-0003 đã có kết quả"
    message["Message-ID"] = message_id
    message.set_content("Kính gửi bà Hồ Thị Lan,\nHồ sơ của bà đã được giải quyết.\n")
    return message


async def test_mail_server_records_the_decoded_vietnamese_message(mail: Mail) -> None:
    await mail.send(_letter())

    [received] = await _received(mail.control)
    assert received["route"] == "smtp"
    assert received["duplicate"] is False
    assert received["body"] == {
        "message_id": "<n-1@lienthong.local>",
        "mail_from": "khong-tra-loi@lienthong.gov.vn",
        "rcpt_tos": ["ho.thi.lan@example.vn"],
        "subject": "Hồ sơ 000.01.15.H40-261122-0003 đã có kết quả",
        "text": "Kính gửi bà Hồ Thị Lan,\nHồ sơ của bà đã được giải quyết.\n",
    }


async def test_mail_server_marks_a_repeated_message_id_as_duplicate(mail: Mail) -> None:
    await mail.send(_letter("<n-1@lienthong.local>"))
    await mail.send(_letter("<n-1@lienthong.local>"))
    await mail.send(_letter("<n-2@lienthong.local>"))

    assert [(r["body"]["message_id"], r["duplicate"]) for r in await _received(mail.control)] == [
        ("<n-1@lienthong.local>", False),
        ("<n-1@lienthong.local>", True),
        ("<n-2@lienthong.local>", False),
    ]


@pytest.mark.parametrize("behaviour", [{"outage": True}, {"failure_rate": 1.0}])
async def test_mail_server_outage_or_failure_answers_451(mail: Mail, behaviour: dict[str, Any]) -> None:
    await _behave(mail.control, **behaviour)

    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await mail.send(_letter())

    assert refused.value.code == 451
    assert refused.value.message.startswith("4.3.0 mail server")
    assert await _received(mail.control) == []


async def test_mail_server_latency_delays_the_answer_to_data(mail: Mail) -> None:
    await _behave(mail.control, latency_seconds=0.3)

    started = time.monotonic()
    await mail.send(_letter())

    assert time.monotonic() - started >= 0.3
    assert len(await _received(mail.control)) == 1


# --- The process -----------------------------------------------------------------------------


def _free_ports(names: list[str]) -> dict[str, int]:
    probes = [socket.socket() for _ in names]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return {name: int(probe.getsockname()[1]) for name, probe in zip(names, probes, strict=True)}
    finally:
        for probe in probes:
            probe.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[StandinServers]:
    servers = StandinServers(tmp_path, _free_ports(list(DEFAULT_PORTS)))
    yield servers
    servers.stop()


def test_standin_process_starts_answers_and_stops(servers: StandinServers) -> None:
    servers.start()
    servers.wait_ready(timeout=30)
    process = servers.process
    assert process is not None
    assert servers.pid_file.read_text() == str(process.pid)

    env = servers.service_env()
    assert env["LIENTHONG_SMS_GATEWAY_URL"] == f"http://127.0.0.1:{servers.ports['sms']}"
    assert env["LIENTHONG_SMTP_PORT"] == str(servers.smtp_port)
    response = httpx.post(
        f"{env['LIENTHONG_SMS_GATEWAY_URL']}/api/v1/sms/send",
        json=_sms(),
        headers={"Authorization": f"Bearer {env['LIENTHONG_SMS_API_KEY']}"},
    )
    assert response.status_code == 200
    assert [r["body"]["request_id"] for r in servers.received("sms")] == ["notif-1"]
    servers.add_citizens([{"citizen_id": "040123456789", "full_name": "Nguyễn Văn An", "date_of_birth": "1923-01-01"}])
    assert servers.behave("zalo", outage=True)["outage"] is True
    servers.reset()
    assert servers.received("sms") == []
    assert servers.behave("zalo") == httpx.get(f"{servers.url('zalo')}/_control").json()

    servers.stop()

    assert process.poll() is not None
    assert not servers.pid_file.exists()
    assert "standins: sms gateway on http://127.0.0.1:" in servers.log_file.read_text()


def test_standin_process_readiness_fails_at_once_when_the_process_dies(servers: StandinServers) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", servers.ports["portal"]))
        taken.listen()
        servers.start()
        started = time.monotonic()

        with pytest.raises(RuntimeError, match="exited") as failed:
            servers.wait_ready(timeout=30)

    assert time.monotonic() - started < 20
    assert str(servers.log_file) in str(failed.value)
    assert "cannot listen on 127.0.0.1" in servers.log_file.read_text()
