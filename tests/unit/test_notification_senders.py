"""Our senders against the stand-in providers: what each answer means as a delivery outcome.

The HTTP stand-ins run in process (ASGI transport); the SMTP stand-in listens on a real socket.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from standins.control import Standin
from standins.portal import portal_app
from standins.sms import sms_app
from standins.smtp import MailRecorder, serve_smtp
from standins.zalo import zalo_app

from services.notification.channels import Outgoing
from services.notification.channels.email import SmtpMailer
from services.notification.channels.portal import NationalPortal
from services.notification.channels.sms import SmsGateway
from services.notification.channels.zalo import ZaloOfficialAccount
from services.notification.domain.delivery import Delivered, SendFailed

TEXT = "Hồ sơ 000.01.15.H40-261122-0003 (Đăng ký khai sinh): đang xử lý."


def _sms(standin: Standin, key: str = "k-sms") -> SmsGateway:
    transport = httpx.ASGITransport(app=sms_app(standin, api_key=key))
    return SmsGateway("http://sms", key, "DICHVUCONG", timeout=2, transport=transport)


async def test_an_sms_accepted_by_the_gateway_is_delivered_with_its_message_id() -> None:
    standin = Standin("sms")
    sender = _sms(standin)

    outcome = await sender.send(Outgoing(key="e1.sms", address="0912345678", text=TEXT))

    assert isinstance(outcome, Delivered)
    assert outcome.provider_ref
    assert [(r.body["request_id"], r.body["phone"], r.body["text"]) for r in standin.received] == [
        ("e1.sms", "0912345678", TEXT)
    ]


async def test_the_same_sms_sent_again_reaches_the_phone_once() -> None:
    standin = Standin("sms")
    sender = _sms(standin)
    message = Outgoing(key="e1.sms", address="0912345678", text=TEXT)

    first, second = await sender.send(message), await sender.send(message)

    assert first == second
    assert [r.duplicate for r in standin.received] == [False, True]


async def test_an_invalid_number_fails_for_good_and_an_outage_for_now() -> None:
    standin = Standin("sms")
    sender = _sms(standin)

    refused = await sender.send(Outgoing(key="e2.sms", address="12ab", text=TEXT))
    standin.behaviour = standin.behaviour.model_copy(update={"outage": True})
    down = await sender.send(Outgoing(key="e3.sms", address="0912345678", text=TEXT))

    assert isinstance(refused, SendFailed)
    assert refused.permanent
    assert isinstance(down, SendFailed)
    assert not down.permanent
    assert "503" in down.error


async def test_a_wrong_api_key_fails_for_good() -> None:
    transport = httpx.ASGITransport(app=sms_app(Standin("sms"), api_key="right"))
    sender = SmsGateway("http://sms", "wrong", "DICHVUCONG", timeout=2, transport=transport)

    outcome = await sender.send(Outgoing(key="e1.sms", address="0912345678", text=TEXT))

    assert isinstance(outcome, SendFailed)
    assert outcome.permanent


async def test_an_unreachable_gateway_fails_for_now() -> None:
    sender = SmsGateway("http://127.0.0.1:9", "k", "DICHVUCONG", timeout=1)
    try:
        outcome = await sender.send(Outgoing(key="e1.sms", address="0912345678", text=TEXT))
    finally:
        await sender.close()

    assert isinstance(outcome, SendFailed)
    assert not outcome.permanent
    assert outcome.error.startswith("unreachable")


async def test_zalo_reads_errors_from_the_body_of_its_200_answers() -> None:
    standin = Standin("zalo")
    transport = httpx.ASGITransport(app=zalo_app(standin, access_token="tok"))
    good = ZaloOfficialAccount("http://zalo", "tok", timeout=2, transport=transport)
    bad_token = ZaloOfficialAccount("http://zalo", "nope", timeout=2, transport=transport)

    sent = await good.send(Outgoing(key="e1.zalo", address="4411223344", text=TEXT))
    no_user = await good.send(Outgoing(key="e2.zalo", address="", text=TEXT))
    refused = await bad_token.send(Outgoing(key="e3.zalo", address="4411223344", text=TEXT))

    assert isinstance(sent, Delivered)
    assert sent.provider_ref
    assert no_user == SendFailed("Zalo error -201: Parameters are invalid", permanent=True)
    assert isinstance(refused, SendFailed)
    assert not refused.permanent
    assert "-216" in refused.error
    assert [r.body["tracking_id"] for r in standin.received] == ["e1.zalo"]


async def test_the_portal_takes_a_record_once_per_sync_id() -> None:
    standin = Standin("portal")
    transport = httpx.ASGITransport(app=portal_app(standin, token="tok"))
    sender = NationalPortal("http://portal", "tok", timeout=2, transport=transport)
    record: dict[str, Any] = {
        "sync_id": "e1",
        "dossier_code": "000.01.15.H40-261122-0003",
        "portal_dossier_id": None,
        "procedure_code": "1.001193",
        "applicant_id": "040301000123",
        "applicant_name": "Hồ Thị Lan",
        "received_date": "2026-11-22T01:00:00+00:00",
        "due_date": "2026-11-27T10:00:00+00:00",
        "status_code": 4,
        "status": "processing",
        "handling_unit": "17179.VP",
        "result_date": None,
        "changed_at": "2026-11-22T01:00:00+00:00",
    }
    message = Outgoing(key="e1.portal", address="portal", text="", record=record)

    assert await sender.send(message) == Delivered(None)
    assert await sender.send(message) == Delivered(None)
    assert [r.duplicate for r in standin.received] == [False, True]
    wrong = await sender.send(
        Outgoing(key="e2.portal", address="portal", text="", record={**record, "status_code": 12})
    )
    assert isinstance(wrong, SendFailed)
    assert wrong.permanent
    assert "422" in wrong.error


@pytest.fixture
async def mail_server() -> AsyncIterator[tuple[Standin, int]]:
    standin = Standin("mail")
    server = await serve_smtp(MailRecorder(standin))
    port = server.sockets[0].getsockname()[1]
    try:
        yield standin, int(port)
    finally:
        server.close()
        await server.wait_closed()


async def test_an_email_reaches_the_smtp_server_with_its_subject_text_and_message_id(
    mail_server: tuple[Standin, int],
) -> None:
    standin, port = mail_server
    mailer = SmtpMailer("127.0.0.1", port, "Trung tâm Phục vụ hành chính công <khong-tra-loi@dichvucong.vn>", timeout=5)

    outcome = await mailer.send(Outgoing(key="e1.email", address="lan@example.vn", text=TEXT + "\n", subject="Hồ sơ X"))

    assert outcome == Delivered("<e1.email@dichvucong.vn>")
    [mail] = [r.body for r in standin.received]
    assert mail["rcpt_tos"] == ["lan@example.vn"]
    assert mail["subject"] == "Hồ sơ X"
    assert mail["text"] == TEXT + "\n"
    assert mail["message_id"] == "<e1.email@dichvucong.vn>"


async def test_an_smtp_451_fails_for_now_and_a_bad_address_for_good(mail_server: tuple[Standin, int]) -> None:
    standin, port = mail_server
    mailer = SmtpMailer("127.0.0.1", port, "khong-tra-loi@dichvucong.vn", timeout=5)

    bad = await mailer.send(Outgoing(key="e2.email", address="not an address@@", text=TEXT, subject="S"))
    standin.behaviour = standin.behaviour.model_copy(update={"outage": True})
    down = await mailer.send(Outgoing(key="e3.email", address="lan@example.vn", text=TEXT, subject="S"))

    assert isinstance(bad, SendFailed)
    assert bad.permanent
    assert isinstance(down, SendFailed)
    assert not down.permanent
    assert "451" in down.error
    assert standin.received == []
