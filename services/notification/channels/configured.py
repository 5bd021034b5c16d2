"""The senders the settings configure: a channel without a provider address is left out."""

from services.notification.channels import Sender
from services.notification.channels.email import SmtpMailer
from services.notification.channels.portal import NationalPortal
from services.notification.channels.sms import SmsGateway
from services.notification.channels.zalo import ZaloOfficialAccount
from services.notification.settings import NotificationSettings

PORTAL = "portal"


def configured_senders(settings: NotificationSettings) -> dict[str, Sender]:
    """Sender by name (``sms``, ``email``, ``zalo``, ``portal``) for every provider with an address."""
    timeout = settings.delivery_timeout_seconds
    senders: list[Sender] = []
    if settings.sms_gateway_url:
        senders.append(
            SmsGateway(
                settings.sms_gateway_url,
                settings.sms_api_key.get_secret_value(),
                settings.sms_brandname,
                timeout=timeout,
            )
        )
    if settings.smtp_host:
        senders.append(
            SmtpMailer(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_sender,
                timeout=timeout,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value() or None,
                starttls=settings.smtp_starttls,
            )
        )
    if settings.zalo_api_url:
        senders.append(
            ZaloOfficialAccount(settings.zalo_api_url, settings.zalo_access_token.get_secret_value(), timeout=timeout)
        )
    if settings.portal_url:
        senders.append(NationalPortal(settings.portal_url, settings.portal_token.get_secret_value(), timeout=timeout))
    return {sender.name: sender for sender in senders}
