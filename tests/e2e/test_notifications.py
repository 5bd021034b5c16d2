"""Messages to applicants through the real stand-in providers: every channel, redelivery, a crash, an outage."""

import asyncio
import json
import secrets
import uuid
from collections import Counter
from typing import Any

import asyncpg
import httpx
from stack import ServiceStack
from standins.process import StandinServers

from shared.contracts import DossierStatusChanged, topic_of
from shared.kernel.settings import CommonSettings
from tests.support.announced import status_changes
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, submit
from tests.support.kafka import publish_raw
from tests.support.waiting import eventually


def _applicant(**contacts: Any) -> dict[str, Any]:
    return {**BIRTH_IN_QUYNH_LUU["applicant"], "phone": None, **contacts}


def _phone() -> str:
    return f"09{secrets.randbelow(10**8):08d}"


async def _deliveries(
    http: httpx.AsyncClient, stack: ServiceStack, code: str, *, count: int, final: bool = True
) -> list[dict[str, Any]]:
    """The dossier's messages once ``count`` exist and (when ``final``) each is delivered or dead-lettered."""

    async def probe() -> list[dict[str, Any]] | None:
        entries: list[dict[str, Any]] = (
            await http.get(f"{stack.url('notification')}/v1/dossiers/{code}/notifications")
        ).json()
        done = all(e["state"] in ("delivered", "dead-lettered") for e in entries) or not final
        return entries if len(entries) >= count and done else None

    return await eventually(probe, timeout=40, what=f"{count} finished messages about {code}")


def _sent_about(standins: StandinServers, name: str, code: str) -> list[dict[str, Any]]:
    """What the SMS gateway or Zalo received about the dossier."""
    path = ("message", "text") if name == "zalo" else ("text",)

    def text(body: dict[str, Any]) -> str:
        for key in path:
            body = body[key]
        return str(body)

    return [r for r in standins.received(name) if code in text(r["body"])]


async def test_the_applicant_is_told_each_change_in_vietnamese_on_every_channel_they_gave(
    http: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers
) -> None:
    phone = _phone()
    applicant = _applicant(phone=phone, email="lan.ho@example.vn", zalo_user_id="4411223344")
    code = (await submit(http, stack.url("intake"), {**BIRTH_IN_QUYNH_LUU, "applicant": applicant}))["code"]

    entries = await _deliveries(http, stack, code, count=6)

    assert Counter((e["status"], e["channel"]) for e in entries) == Counter(
        {(s, c): 1 for s in ("receiving", "processing") for c in ("sms", "email", "zalo")}
    )
    assert all(e["state"] == "delivered" and e["attempts"] == 1 for e in entries), entries
    assert {e["recipient"] for e in entries} == {phone[:3] + "***" + phone[-3:], "l***@example.vn", "441***344"}
    sms = [r["body"] for r in _sent_about(fresh_standins, "sms", code)]
    assert [b["phone"] for b in sms] == [phone, phone]
    assert sms[0]["text"].startswith(f"Hồ sơ {code} (Đăng ký khai sinh): đã tiếp nhận.")
    assert sms[1]["text"].startswith(f"Hồ sơ {code} (Đăng ký khai sinh): đang xử lý. Hẹn trả kết quả: ")
    mail = [r["body"] for r in fresh_standins.received("mail") if code in r["body"]["subject"]]
    assert [m["subject"] for m in mail] == [f"Hồ sơ {code}: đã tiếp nhận", f"Hồ sơ {code}: đang xử lý"]
    assert mail[0]["rcpt_tos"] == ["lan.ho@example.vn"]
    assert mail[0]["text"].startswith("Kính gửi ông/bà Hồ Thị Lan,")
    zalo = [r["body"] for r in _sent_about(fresh_standins, "zalo", code)]
    assert [z["recipient"]["user_id"] for z in zalo] == ["4411223344"] * 2
    assert "đang xử lý" in zalo[1]["message"]["text"]


async def test_an_applicant_who_chose_english_and_one_channel_gets_english_there_only(
    http: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers
) -> None:
    applicant = _applicant(phone=_phone(), email="minh@example.vn", channels=["email"], language="en")
    code = (await submit(http, stack.url("intake"), {**BIRTH_IN_QUYNH_LUU, "applicant": applicant}))["code"]

    entries = await _deliveries(http, stack, code, count=2)

    assert {e["channel"] for e in entries} == {"email"}
    mail = [r["body"] for r in fresh_standins.received("mail") if code in r["body"]["subject"]]
    assert [m["subject"] for m in mail] == [f"Dossier {code}: received", f"Dossier {code}: being processed"]
    assert "Result due:" in mail[1]["text"]
    assert _sent_about(fresh_standins, "sms", code) == []


async def test_a_redelivered_status_change_sends_no_message_twice(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings, fresh_standins: StandinServers
) -> None:
    accepted = await submit(http, stack.url("intake"), {**BIRTH_IN_QUYNH_LUU, "applicant": _applicant(phone=_phone())})
    code, key = accepted["code"], accepted["id"]
    await _deliveries(http, stack, code, count=2)
    topic = topic_of(DossierStatusChanged, settings.topic_prefix)
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "routing"})
    try:
        # In the order routing wrote them: a table read without ORDER BY returns rows in no set order (the relay's
        # UPDATEs move them), and the last one must be the newest change for the "newer" one below to be newer.
        rows = await connection.fetch(
            "SELECT headers, payload FROM outbox WHERE topic = $1 AND key = $2 ORDER BY id", topic, key
        )
    finally:
        await connection.close()
    for row in rows:  # each status change again, with its own ce_id
        await publish_raw(
            settings, topic, row["payload"].encode(), key=key.encode(), headers=json.loads(row["headers"])
        )
    # Then a newer change under a new id: once its message is out, the duplicates before it were consumed.
    headers = {**json.loads(rows[-1]["headers"]), "ce_id": str(uuid.uuid4())}
    last = json.loads(rows[-1]["payload"])
    newer = json.dumps({**last, "sequence": last["sequence"] + 1})
    await publish_raw(settings, topic, newer.encode(), key=key.encode(), headers=headers)

    entries = await _deliveries(http, stack, code, count=3)

    assert len(entries) == 3
    sent = _sent_about(fresh_standins, "sms", code)
    assert len(sent) == 3
    assert len({r["body"]["request_id"] for r in sent}) == 3
    assert not any(r["duplicate"] for r in sent)


async def test_kill_9_of_notification_while_sending_loses_and_doubles_no_message(
    http: httpx.AsyncClient, stack: ServiceStack, settings: CommonSettings, fresh_standins: StandinServers
) -> None:
    fresh_standins.behave("sms", latency_seconds=1.5)  # every send is in flight for 1.5 s
    accepted = [
        await submit(http, stack.url("intake"), {**BIRTH_IN_QUYNH_LUU, "applicant": _applicant(phone=_phone())})
        for _ in range(3)
    ]
    connection = await asyncpg.connect(settings.database_url, server_settings={"search_path": "notification"})
    try:

        async def in_flight() -> int | None:
            return (
                await connection.fetchval(
                    "SELECT count(*) FROM deliveries WHERE channel = 'sms' AND state = 'sending'"
                    " AND dossier_code = ANY($1)",
                    [a["code"] for a in accepted],
                )
                or None
            )

        await eventually(in_flight, what="SMS being sent")
    finally:
        await connection.close()
    stack.kill("notification")  # SIGKILL in the middle of the sends
    stack.start(["notification"])
    stack.wait_ready(["notification"])

    expected = {f"{change['event_id']}.sms" for a in accepted for change in await status_changes(settings, a["id"])}
    for a in accepted:
        entries = await _deliveries(http, stack, a["code"], count=2)
        assert all(e["state"] == "delivered" for e in entries), entries
    await asyncio.sleep(1)  # a resent message still in flight would land now
    sent = [r for a in accepted for r in _sent_about(fresh_standins, "sms", a["code"])]
    first_sends = Counter(r["body"]["request_id"] for r in sent if not r["duplicate"])
    assert set(first_sends) == expected, "a message is missing"
    assert all(n == 1 for n in first_sends.values()), "a message reached a phone twice"
    resent = [r for r in sent if r["duplicate"]]
    assert resent, "the kill hit no send in flight: nothing was tried again"
    print(f"{len(expected)} SMS, {len(resent)} sent again after the crash and recognised by the gateway")


async def test_an_sms_outage_is_retried_then_the_message_goes_by_email_and_operators_see_the_dead_letter(
    http: httpx.AsyncClient, stack: ServiceStack, fresh_standins: StandinServers
) -> None:
    fresh_standins.behave("sms", outage=True)
    applicant = _applicant(phone=_phone(), email="binh.nguyen@example.vn", channels=["sms"])
    code = (await submit(http, stack.url("intake"), {**BIRTH_IN_QUYNH_LUU, "applicant": applicant}))["code"]

    entries = await _deliveries(http, stack, code, count=4)

    sms = [e for e in entries if e["channel"] == "sms"]
    email = [e for e in entries if e["channel"] == "email"]
    assert [e["status"] for e in sms] == [e["status"] for e in email] == ["receiving", "processing"]
    assert all(e["state"] == "dead-lettered" and e["attempts"] == 4 for e in sms), sms
    assert all("503" in e["last_error"] for e in sms)
    assert all(e["state"] == "delivered" for e in email), email
    assert [e["fallback_of"] for e in email] == [e["id"] for e in sms]
    mail = [r["body"] for r in fresh_standins.received("mail") if code in r["body"]["subject"]]
    assert [m["rcpt_tos"] for m in mail] == [["binh.nguyen@example.vn"]] * 2
    assert _sent_about(fresh_standins, "sms", code) == []

    dead = (await http.get(f"{stack.url('notification')}/v1/deliveries/dead-lettered")).json()
    assert {e["id"] for e in sms} <= {d["id"] for d in dead}
    assert all(d["dossier_code"] == code for d in dead if d["id"] in {e["id"] for e in sms})
    metrics = (await http.get(f"{stack.url('notification')}/metrics")).text
    assert 'lienthong_notification_delivery_tries_total{channel="sms",result="retry"}' in metrics
    assert 'lienthong_notification_deliveries{channel="sms",state="dead-lettered"}' in metrics
