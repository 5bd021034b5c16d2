"""E-mail through an SMTP server (aiosmtplib).

Each message's ``Message-ID`` is derived from the delivery's key, so a resend after a crash is
the same message to mail systems that deduplicate on it. SMTP itself cannot promise that.
"""

from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import aiosmtplib

from services.notification.channels import Outgoing
from services.notification.domain.delivery import Delivered, Outcome, SendFailed


class SmtpMailer:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        timeout: float,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout
        self._username = username
        self._password = password
        self._starttls = starttls
        self._domain = parseaddr(sender)[1].rpartition("@")[2] or "lienthong.invalid"

    def message_id(self, key: str) -> str:
        return f"<{key}@{self._domain}>"

    def compose(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = Address(addr_spec=message.address)
        mail["Subject"] = message.subject or ""
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = self.message_id(message.key)
        mail.set_content(message.text, charset="utf-8")
        return mail

    async def send(self, message: Outgoing) -> Outcome:
        try:
            mail = self.compose(message)
        except (ValueError, IndexError, MessageError) as error:  # an address email.headerregistry cannot parse
            return SendFailed(f"not an e-mail address: {error}", permanent=True)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self._host,
                port=self._port,
                timeout=self._timeout,
                username=self._username,
                password=self._password,
                start_tls=self._starttls,
                use_tls=False,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            return SendFailed(f"recipient refused: {error}", permanent=True)
        except aiosmtplib.SMTPResponseException as error:
            return SendFailed(f"SMTP {error.code}: {error.message}", permanent=500 <= error.code < 600)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            return SendFailed(f"unreachable: {type(error).__name__}: {error}", permanent=False)
        return Delivered(mail["Message-ID"])

    async def close(self) -> None:
        """Each message opens its own connection; nothing is kept."""
