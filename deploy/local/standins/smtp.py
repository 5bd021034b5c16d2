"""Stand-in mail server: SMTP on 127.0.0.1 (aiosmtpd, no auth, no TLS) recording each message.

Its behaviour switch and record live on a companion HTTP app (:func:`mail_app`). Latency delays
the answer to DATA; an outage or a failure answers DATA with ``451 4.3.0 <reason>``.
"""

import asyncio
import email
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI

from standins.control import Standin, standin_app

HOSTNAME = "standins.local"


class MailRecorder:
    """aiosmtpd handler: applies the mail stand-in's behaviour at DATA, then records the message."""

    def __init__(self, standin: Standin) -> None:
        self.standin = standin
        self.message_ids: set[str] = set()
        standin.on_reset.append(self.message_ids.clear)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        """Answer DATA: 451 when switched to fail, else record the message and 250."""
        failure = await self.standin.trouble()
        if failure is not None:
            return f"451 4.3.0 {failure[1]}"
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=policy.default)
        body = describe(message, envelope)
        message_id = body["message_id"]
        duplicate = message_id is not None and message_id in self.message_ids
        if message_id is not None:
            self.message_ids.add(message_id)
        self.standin.record("smtp", body, duplicate=duplicate)
        return "250 2.0.0 OK: queued"


def describe(message: EmailMessage, envelope: Envelope) -> dict[str, Any]:
    """What the record keeps of one message: ids, envelope, decoded subject and text/plain body."""
    text_part = message.get_body(preferencelist=("plain",))
    text = text_part.get_content() if isinstance(text_part, EmailMessage) else ""
    message_id = message["Message-ID"]
    return {
        "message_id": str(message_id).strip() if message_id is not None else None,
        "mail_from": envelope.mail_from,
        "rcpt_tos": list(envelope.rcpt_tos),
        "subject": str(message["Subject"] or ""),
        "text": text.replace("\r\n", "\n"),
    }


async def serve_smtp(recorder: MailRecorder, host: str = "127.0.0.1", port: int = 0) -> asyncio.Server:
    """Listen for SMTP on ``host:port`` (0: any free port) in the running loop."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTP(recorder, hostname=HOSTNAME, ident="lienthong stand-in", enable_SMTPUTF8=True, loop=loop),
        host=host,
        port=port,
    )


def mail_app(standin: Standin) -> FastAPI:
    """The companion HTTP app: ``/_control``, ``/_received`` and ``/_reset`` of the mail stand-in."""
    app = standin_app(standin)
    app.state.standin = standin
    return app
